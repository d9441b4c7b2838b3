"""The applicant's order page: their issued documents, downloaded until revoked (then 410)."""

from .forgery import revoke


def url(order, document):
    return f"/orders/{order.number}/documents/{document.verification_code}.pdf"


def test_the_order_page_lists_the_documents_with_a_download_link(applicant_client, order, document):
    page = applicant_client.get(f"/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your documents" in page and document.verification_code in page
    assert url(order, document) in page


def test_download_before_revocation(applicant_client, order, document, issued_pdf):
    response = applicant_client.get(url(order, document))
    assert response.status_code == 200
    assert response.content == issued_pdf
    assert response["Content-Type"] == "application/pdf"


def test_download_after_revocation_is_gone(applicant_client, order, document, officer):
    revoke(document, officer)
    response = applicant_client.get(url(order, document), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 410
    assert "This document has been revoked" in page and "Issued with the wrong degree date." in page
    assert not response.content.startswith(b"%PDF")
    order_page = applicant_client.get(f"/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert url(order, document) not in order_page and "Revoked" in order_page


def test_the_gone_page_is_translated(applicant_client, order, document, officer):
    revoke(document, officer)
    page = applicant_client.get(url(order, document), HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
    assert 'lang="zh-Hant-TW"' in page


def test_another_applicant_cannot_download(client, make_user, make_student, order, document):
    client.force_login(make_user(student=make_student()))
    assert client.get(url(order, document)).status_code == 404


def test_signed_out_is_sent_to_sign_in(client, order, document):
    response = client.get(url(order, document))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_code_of_another_order_is_404(applicant_client, order, document, applicant):
    from .forgery import place_paid_order

    other = place_paid_order(applicant)
    assert applicant_client.get(f"/orders/{other.number}/documents/{document.verification_code}.pdf").status_code == 404
