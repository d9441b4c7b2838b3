"""The verification page in a real browser (the system Chromium through Playwright): a file is
checked without being uploaded, by the SHA-256 the page computes with Web Crypto."""

import hashlib

import pytest

from .forgery import change_byte

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]





def open_page(browser, live_server, **context):
    page = browser.new_context(locale="en-US", **context).new_page()
    errors, posts = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.goto(f"{live_server.url}/verify/")
    return page, errors, posts


def check_without_uploading(page, tmp_path, data):
    path = tmp_path / "document.pdf"
    path.write_bytes(data)
    page.set_input_files("#hash-file", str(path))
    page.click("#hash-form button[type=submit]")
    page.wait_for_url("**/verify/hash/*/")


def test_check_without_uploading(browser, live_server, document, issued_pdf, tmp_path):
    page, errors, posts = open_page(browser, live_server)
    assert page.locator("#by-hash").is_visible()  # the script shows it
    check_without_uploading(page, tmp_path, issued_pdf)
    assert page.url.endswith(f"/verify/hash/{hashlib.sha256(issued_pdf).hexdigest()}/")
    assert page.locator("#verdict").get_attribute("data-status") == "valid"
    assert "CHEN, T*-W**" in page.locator("#holder").inner_text()
    assert posts == [] and errors == []  # the file never left the browser


def test_a_changed_copy_checked_in_the_browser_is_unknown(browser, live_server, document, issued_pdf, tmp_path):
    page, errors, _posts = open_page(browser, live_server)
    check_without_uploading(page, tmp_path, change_byte(issued_pdf))
    assert page.locator("#verdict").get_attribute("data-status") == "unknown"
    assert "Upload the file to find out" in page.content()
    assert errors == []


def test_without_script_the_upload_form_works(browser, live_server, document, issued_pdf, tmp_path):
    page, _errors, _posts = open_page(browser, live_server, java_script_enabled=False)
    assert not page.locator("#by-hash").is_visible()
    path = tmp_path / "document.pdf"
    path.write_bytes(issued_pdf)
    page.set_input_files("#verify-file", str(path))
    page.click("#by-file button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#verdict").get_attribute("data-status") == "valid"
