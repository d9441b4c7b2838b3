"""/verify/<code>/: the answer for a verification code (what the document's QR code opens)."""

import re

from sealpost.documents import rendering

from .forgery import revoke


def status_of(response) -> str:
    found = re.search(r'data-status="(\w+)"', response.content.decode())
    return found.group(1) if found else ""


def test_valid(client, document):
    response = client.get(f"/verify/{document.verification_code}/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200 and status_of(response) == "valid"
    assert "We issued a document with this verification code" in page
    assert "National Demonstration University" in page
    assert "Transcript (English)" in page
    assert "CHEN, T*-W**" in page and "陳*偉" in page and "CHEN, TA-WEI" not in page
    assert 'id="signature"' not in page  # no file, no signature details
    assert "not an official academic record" in page


def test_in_chinese(client, document):
    page = client.get(f"/verify/{document.verification_code}/", HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
    assert "國立示範大學" in page


def test_the_qr_code_address_opens_the_answer(client, document):
    url = rendering.document_data(document)["verification"]["url"]
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    assert status_of(client.get(path)) == "valid"


def test_lower_case_with_spaces_is_read(client, document):
    typed = document.verification_code.lower().replace("-", " ")
    response = client.get(f"/verify/{typed}/", follow=True)
    assert status_of(response) == "valid"
    assert response.redirect_chain[-1][0] == f"/verify/{document.verification_code}/"


def test_revoked(client, document, officer):
    revoke(document, officer)
    response = client.get(f"/verify/{document.verification_code}/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert status_of(response) == "revoked"
    assert "revoked this document on" in page and "Issued with the wrong degree date." in page


def test_unknown_code(client, db):
    response = client.get("/verify/0000-0000-0000-0000/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and status_of(response) == "unknown"
    assert "No document was issued with this verification code." in response.content.decode()


def test_not_a_code(client, db):
    response = client.get("/verify/hello/", HTTP_ACCEPT_LANGUAGE="en")
    assert status_of(response) == "unknown"
    assert "This is not a verification code" in response.content.decode()
