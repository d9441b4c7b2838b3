"""POST /api/v1/verify (a file) and GET /api/v1/verify/{code}: no authentication, one answer shape."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from .forgery import append_page, change_byte, random_pdf, resign, resign_issued, revoke

FIELDS = {"status", "document_type", "language", "issued_at", "issuer", "revoked_at", "revocation_reason", "demo", "reason"}


def post_file(client, data, language="en", field="file"):
    return client.post("/api/v1/verify", {field: SimpleUploadedFile("document.pdf", data, content_type="application/pdf")},
                       HTTP_ACCEPT_LANGUAGE=language)


def test_file_as_issued_is_valid(client, document, issued_pdf):
    response = post_file(client, issued_pdf)
    body = response.json()
    assert response.status_code == 200
    assert set(body) == FIELDS
    assert body["status"] == "valid"
    assert body["document_type"] == "transcript" and body["language"] == "en"
    assert body["issuer"] == "National Demonstration University"
    assert body["issued_at"].startswith(document.issued_at.strftime("%Y-%m-%dT"))
    assert body["revoked_at"] is None and body["revocation_reason"] is None
    assert body["demo"] is True


def test_issuer_in_chinese(client, document, issued_pdf):
    assert post_file(client, issued_pdf, language="zh-hant").json()["issuer"] == "國立示範大學"


@pytest.mark.parametrize("forge", [
    lambda document, pdf: change_byte(pdf),
    lambda document, pdf: append_page(pdf),
    lambda document, pdf: resign(document),
    lambda document, pdf: resign_issued(pdf),
])
def test_forgeries_are_tampered(client, document, issued_pdf, forge):
    body = post_file(client, forge(document, issued_pdf)).json()
    assert body["status"] == "tampered"
    assert body["document_type"] == "transcript"  # the document it pretends to be
    assert body["reason"]


def test_stranger_is_unknown_with_nulls(client, db):
    body = post_file(client, random_pdf()).json()
    assert body["status"] == "unknown"
    assert all(body[k] is None for k in FIELDS - {"status", "reason"})


@pytest.mark.parametrize("data", [b"", b"plain text", os.urandom(4096)])
def test_not_a_pdf_is_unknown(client, db, data):
    response = post_file(client, data)
    assert response.status_code == 200 and response.json()["status"] == "unknown"


def test_revoked_by_file_and_by_code(client, document, issued_pdf, officer):
    revoke(document, officer)
    for response in (post_file(client, issued_pdf), client.get(f"/api/v1/verify/{document.verification_code}")):
        body = response.json()
        assert body["status"] == "revoked"
        assert body["revocation_reason"] == "Issued with the wrong degree date."
        assert body["revoked_at"] is not None


def test_code(client, document):
    body = client.get(f"/api/v1/verify/{document.verification_code}").json()
    assert body["status"] == "valid" and body["document_type"] == "transcript"


def test_code_in_lower_case_with_spaces(client, document):
    typed = document.verification_code.lower().replace("-", " ")
    assert client.get(f"/api/v1/verify/{typed}").json()["status"] == "valid"


def test_unknown_code(client, db):
    body = client.get("/api/v1/verify/0000-0000-0000-0000").json()
    assert body["status"] == "unknown" and body["document_type"] is None


def test_too_large_is_413_in_the_error_shape(client, db, settings):
    settings.VERIFY_MAX_UPLOAD = 1024 * 1024
    response = post_file(client, b"%PDF-" + b"0" * (1024 * 1024 + 10))
    assert response.status_code == 413
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert "too large" in body["detail"] and "file" in body["errors"]
    response = post_file(client, b"%PDF-" + b"0" * (2 * 1024 * 1024))  # refused by its declared length
    assert response.status_code == 413 and "file" in response.json()["errors"]


def test_missing_file_is_422_naming_file(client, db):
    response = client.post("/api/v1/verify", {}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json()["errors"] == {"file": ["This field is required."]}
    response = post_file(client, b"%PDF-", field="document")
    assert response.status_code == 422 and "file" in response.json()["errors"]


def test_no_authentication_needed_and_a_bad_token_does_not_matter(client, document):
    response = client.get(f"/api/v1/verify/{document.verification_code}", HTTP_AUTHORIZATION="Bearer nonsense")
    assert response.status_code == 200


def test_openapi_describes_both(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    post = spec["paths"]["/api/v1/verify"]["post"]
    get = spec["paths"]["/api/v1/verify/{code}"]["get"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert post["requestBody"]["content"]["multipart/form-data"]["schema"]["required"] == ["file"]
    assert {"200", "413", "422"} <= set(post["responses"])
    assert not post.get("security") and not get.get("security")
    schema = spec["components"]["schemas"]["VerificationOut"]
    assert set(schema["properties"]) == FIELDS
    assert schema["properties"]["status"]["enum"] == ["valid", "revoked", "tampered", "unknown"]
