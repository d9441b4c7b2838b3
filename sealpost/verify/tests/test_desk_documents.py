"""The desk's order page: the issued documents, staff downloads, and revocation by an officer."""

import pytest

from sealpost.accounts.models import Role


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def test_the_order_page_lists_the_issued_documents(clerk_client, order, document):
    page = clerk_client.get(f"/desk/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Issued documents" in page
    assert document.verification_code in page and "Transcript (English)" in page
    assert f"/desk/orders/{order.number}/documents/{document.verification_code}.pdf" in page
    assert "Revoke this document" not in page  # a clerk cannot revoke


def test_staff_download(clerk_client, order, document, issued_pdf):
    response = clerk_client.get(f"/desk/orders/{order.number}/documents/{document.verification_code}.pdf")
    assert response.status_code == 200 and response.content == issued_pdf
    assert response["Content-Type"] == "application/pdf"


def test_applicants_cannot_use_the_desk_download(applicant_client, order, document):
    response = applicant_client.get(f"/desk/orders/{order.number}/documents/{document.verification_code}.pdf")
    assert response.status_code == 403


def test_a_clerk_cannot_revoke(clerk_client, order, document):
    response = clerk_client.post(f"/desk/orders/{order.number}/documents/{document.verification_code}/revoke/",
                                 {"reason": "Wrong name"})
    assert response.status_code == 403
    document.refresh_from_db()
    assert not document.is_revoked


def test_an_officer_revokes_with_a_reason(officer_client, officer, order, document):
    page = officer_client.get(f"/desk/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Revoke this document" in page
    response = officer_client.post(
        f"/desk/orders/{order.number}/documents/{document.verification_code}/revoke/",
        {"reason": "Issued with the wrong degree date."}, HTTP_ACCEPT_LANGUAGE="en", follow=True,
    )
    page = response.content.decode()
    document.refresh_from_db()
    assert document.is_revoked and document.revoked_by == officer
    assert document.revoked_reason == "Issued with the wrong degree date."
    assert f"Document {document.verification_code} has been revoked" in page
    assert "Revoke this document" not in page
    assert order.events.filter(kind="document_revoked").exists()


def test_revoking_needs_a_reason(officer_client, order, document):
    response = officer_client.post(f"/desk/orders/{order.number}/documents/{document.verification_code}/revoke/",
                                   {"reason": "   "}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    document.refresh_from_db()
    assert not document.is_revoked
    assert "Give the reason for revoking the document." in response.content.decode()


def test_revoking_is_a_post(officer_client, order, document):
    response = officer_client.get(f"/desk/orders/{order.number}/documents/{document.verification_code}/revoke/")
    assert response.status_code == 405


def test_auditor_cannot_revoke(client, make_user, order, document):
    client.force_login(make_user(role=Role.AUDITOR))
    response = client.post(f"/desk/orders/{order.number}/documents/{document.verification_code}/revoke/", {"reason": "x"})
    assert response.status_code == 403


def test_unknown_document_is_404(clerk_client, order):
    assert clerk_client.get(f"/desk/orders/{order.number}/documents/0000-0000-0000-0000.pdf").status_code == 404
