"""/verify/hash/<sha256>/: the answer for a file checked in the browser, by its SHA-256."""

import hashlib
import re

from .forgery import change_byte, revoke


def status_of(response) -> str:
    found = re.search(r'data-status="(\w+)"', response.content.decode())
    return found.group(1) if found else ""


def test_valid(client, document, issued_pdf):
    response = client.get(f"/verify/hash/{hashlib.sha256(issued_pdf).hexdigest()}/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert status_of(response) == "valid"
    assert "This is exactly the file we issued" in page
    assert "CHEN, T*-W**" in page
    assert "Checked by fingerprint" in page


def test_upper_case_hex_is_read(client, document, issued_pdf):
    response = client.get(f"/verify/hash/{hashlib.sha256(issued_pdf).hexdigest().upper()}/", follow=True)
    assert status_of(response) == "valid"


def test_revoked(client, document, issued_pdf, officer):
    revoke(document, officer)
    response = client.get(f"/verify/hash/{hashlib.sha256(issued_pdf).hexdigest()}/", HTTP_ACCEPT_LANGUAGE="en")
    assert status_of(response) == "revoked"
    assert "Issued with the wrong degree date." in response.content.decode()


def test_a_changed_copy_is_unknown_and_the_page_says_why(client, document, issued_pdf):
    changed = hashlib.sha256(change_byte(issued_pdf)).hexdigest()
    response = client.get(f"/verify/hash/{changed}/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert status_of(response) == "unknown"
    assert "checking by fingerprint cannot tell which" in page
    assert "Upload the file to find out." in page


def test_not_a_hash(client, db):
    response = client.get("/verify/hash/nothex/", HTTP_ACCEPT_LANGUAGE="en")
    assert status_of(response) == "unknown"
    assert "This is not a SHA-256 fingerprint" in response.content.decode()
