"""/verify/: the page with the ways in; uploading a file; typing a code."""

import hashlib
import os
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from .forgery import append_page, change_byte, random_pdf, resign, resign_issued, revoke

URL = "/verify/"


def upload(client, data, name="document.pdf", language="en"):
    return client.post(URL, {"file": SimpleUploadedFile(name, data, content_type="application/pdf")},
                       HTTP_ACCEPT_LANGUAGE=language)


def status_of(response) -> str:
    found = re.search(r'data-status="(\w+)"', response.content.decode())
    return found.group(1) if found else ""


def test_the_page_offers_every_way_in_without_signing_in(client, db):
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in page and 'name="file"' in page  # upload works without script
    assert 'name="code"' in page
    assert 'id="by-hash" hidden' in page  # shown by the script only
    assert "sealpost/verify.js" in page
    assert "<script>" not in page and "onclick" not in page  # no inline script
    assert "Scan the QR code" in page


def test_the_page_says_it_is_a_demo(client, db):
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "demonstration installation" in page


def test_the_page_is_translated(client, db):
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
    assert 'lang="zh-Hant-TW"' in page


def test_the_file_as_issued_is_valid(client, document, issued_pdf):
    response = upload(client, issued_pdf)
    page = response.content.decode()
    assert response.status_code == 200
    assert status_of(response) == "valid"
    assert "This is exactly the file we issued" in page
    assert "National Demonstration University" in page
    assert "Transcript (English)" in page
    assert document.verification_code in page
    assert "CHEN, T*-W**" in page and "陳*偉" in page
    assert "CHEN, TA-WEI" not in page and "陳大偉" not in page
    assert document.student.student_number not in page
    assert "Registrar&#x27;s Office seal (DEMO — not official)" in page  # the signer
    assert "PAdES B-LT" in page
    assert "not an official academic record" in page  # a demo document says so
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("forge, why", [
    (lambda document, pdf: change_byte(pdf), "changed after it was signed"),
    (lambda document, pdf: append_page(pdf), "added to the file after it was signed"),
    (lambda document, pdf: resign(document), "signed again by someone else"),
    (lambda document, pdf: resign_issued(pdf), "signed again by someone else"),
])
def test_forgeries_are_tampered(client, document, issued_pdf, forge, why):
    response = upload(client, forge(document, issued_pdf))
    page = response.content.decode()
    assert status_of(response) == "tampered"
    assert "Tampered" in page and why in page
    assert "Do not rely on it" in page


def test_a_stranger_is_unknown(client, db):
    response = upload(client, random_pdf())
    assert response.status_code == 200 and status_of(response) == "unknown"
    assert "We have no record of this document" in response.content.decode()


def test_revoked_says_when_and_why(client, document, issued_pdf, officer):
    revoked = revoke(document, officer)
    response = upload(client, issued_pdf)
    page = response.content.decode()
    assert status_of(response) == "revoked"
    assert "Issued with the wrong degree date." in page
    from django.utils import timezone

    assert timezone.localtime(revoked.revoked_at).strftime("%Y-%m-%d %H:%M") in page


@pytest.mark.parametrize("data", [b"just some text", os.urandom(3000), b"%PDF-1.7 broken"])
def test_a_file_that_is_no_pdf_gets_an_answer_not_an_error(client, db, data):
    response = upload(client, data, name="notes.txt")
    assert response.status_code == 200
    assert status_of(response) == "unknown"


def test_an_over_size_file_gets_a_clear_message(client, db, settings):
    settings.VERIFY_MAX_UPLOAD = 1024 * 1024  # stopped while reading: the declared length is within the envelope
    response = upload(client, b"%PDF-" + b"0" * (1024 * 1024 + 5000))
    assert response.status_code == 413
    page = response.content.decode()
    assert "The file is too large to check here: at most 1 MB is accepted." in page
    assert 'name="file"' in page  # the form again, to choose another file


def test_an_over_size_request_is_refused_before_reading(client, db, settings):
    settings.VERIFY_MAX_UPLOAD = 1000
    response = upload(client, b"%PDF-" + b"0" * 200_000)  # over the declared-length bound
    assert response.status_code == 413
    assert "too large" in response.content.decode()


def test_a_declared_length_over_the_limit_is_refused_unread(client, db, settings):
    settings.VERIFY_MAX_UPLOAD = 20 * 1024 * 1024
    from sealpost.verify.uploads import ENVELOPE

    for declared in (20 * 1024 * 1024 + ENVELOPE + 1, 10 * 1024 ** 3):  # drained, then not even that
        response = client.post(URL, data=b"x" * 10, content_type="multipart/form-data; boundary=B",
                               CONTENT_LENGTH=str(declared), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 413
        assert "too large to check here: at most 20 MB" in response.content.decode()


def test_no_file(client, db):
    response = client.post(URL, {}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Choose the PDF file to check." in response.content.decode()


def test_typed_code_goes_to_the_code_page(client, document):
    messy = " " + document.verification_code.lower().replace("-", " ") + " "
    response = client.get(URL, {"code": messy})
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{document.verification_code}/"


def test_a_code_of_the_wrong_shape_is_explained(client, db):
    response = client.get(URL, {"code": "ABC"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "A verification code has 16 letters and digits" in response.content.decode()


def test_the_script_is_served_and_hashes_with_web_crypto(client, db):
    from django.contrib.staticfiles import finders

    path = finders.find("sealpost/verify.js")
    source = open(path, encoding="utf-8").read()
    assert 'crypto.subtle.digest("SHA-256"' in source


def test_the_hash_page_address_the_script_builds(client, document, issued_pdf):
    # The script replaces the 64 zeros of data-hash-url with the file's SHA-256.
    page = client.get(URL).content.decode()
    template = re.search(r'data-hash-url="([^"]+)"', page).group(1)
    url = template.replace("0" * 64, hashlib.sha256(issued_pdf).hexdigest())
    assert status_of(client.get(url)) == "valid"
