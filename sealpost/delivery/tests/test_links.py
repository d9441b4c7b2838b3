"""The recipients' download links: expiry, the download limit, revocation, invalid tokens."""

import datetime

import pytest
from django.utils import timezone

from sealpost.audit.models import AuditEntry
from sealpost.delivery import services
from sealpost.delivery.models import Delivery, DownloadLink
from sealpost.delivery.tests.test_email import deliver, issued_order, link_in, smtp  # noqa: F401 - fixtures
from sealpost.documents.models import Document


@pytest.fixture
def sent(smtp, issued_order, django_capture_on_commit_callbacks):  # noqa: F811
    deliver(issued_order, django_capture_on_commit_callbacks)
    rcpts, message = next((r, m) for r, m in smtp.mailbox.messages if r == ["admissions1@school1.example.org"])
    delivery = Delivery.objects.get(recipient__position=1)
    return delivery, link_in(message)


def pdf_url(path, document):
    return f"{path}{document.verification_code}.pdf"


def test_token_has_at_least_128_bits_and_only_its_hash_is_stored(sent):
    delivery, path = sent
    token = path.strip("/").split("/")[-1]
    assert len(token) >= 43  # 256 bits in base64url
    link = delivery.link
    assert token not in (link.token_hash, link.nonce)
    assert link.token_hash == services.hash_token(token)


def test_download_serves_the_pdf_and_counts(sent, client, issued_order):  # noqa: F811
    delivery, path = sent
    document = issued_order.issued_documents.get(language="en")
    response = client.get(pdf_url(path, document))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert DownloadLink.objects.get(pk=delivery.link.pk).download_count == 1
    entry = AuditEntry.objects.filter(action="document.downloaded").last()
    assert entry is not None and "link" in str(entry.details)


def test_expired_link_says_so(sent, client, issued_order):  # noqa: F811
    delivery, path = sent
    DownloadLink.objects.filter(pk=delivery.link.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    for url in (path, pdf_url(path, issued_order.issued_documents.first())):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 410
        body = response.content.decode()
        assert "This link has expired" in body and "registrar" in body
        assert "Invalid link" not in body


def test_download_limit(sent, client, settings, issued_order):  # noqa: F811
    delivery, path = sent
    DownloadLink.objects.filter(pk=delivery.link.pk).update(max_downloads=3)
    document = issued_order.issued_documents.first()
    for _ in range(3):
        assert client.get(pdf_url(path, document)).status_code == 200
    response = client.get(pdf_url(path, document), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 410
    assert "This link has been used up" in response.content.decode()
    page = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 410 and "used up" in page.content.decode()
    assert DownloadLink.objects.get(pk=delivery.link.pk).download_count == 3


def test_limit_and_expiry_are_configurable(smtp, issued_order, settings, django_capture_on_commit_callbacks):  # noqa: F811
    settings.DELIVERY_LINK_DAYS = 7
    settings.DELIVERY_DOWNLOAD_LIMIT = 2
    deliver(issued_order, django_capture_on_commit_callbacks)
    link = Delivery.objects.first().link
    assert link.max_downloads == 2
    assert abs((link.expires_at - timezone.now()) - datetime.timedelta(days=7)) < datetime.timedelta(minutes=1)


def test_revoked_document(sent, client, issued_order, make_user):  # noqa: F811
    from sealpost.accounts.models import Role
    from sealpost.issuance.services import revoke

    delivery, path = sent
    document = issued_order.issued_documents.get(language="en")
    revoke(document, make_user(role=Role.OFFICER), "Issued in error")
    response = client.get(pdf_url(path, document), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 410
    body = response.content.decode()
    assert "This document was revoked" in body and "expired" not in body
    other = issued_order.issued_documents.get(language="zh")
    assert client.get(pdf_url(path, other)).status_code == 200
    assert DownloadLink.objects.get(pk=delivery.link.pk).download_count == 1


def test_invalid_token(db, client):
    response = client.get("/d/" + "A" * 43 + "/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "Invalid link" in response.content.decode()
    assert client.get("/d/" + "A" * 43 + "/0000-0000-0000-0000.pdf").status_code == 404


def test_first_download_tells_the_applicant_once(sent, smtp, client, issued_order, django_capture_on_commit_callbacks):  # noqa: F811
    delivery, path = sent
    document = issued_order.issued_documents.first()
    with django_capture_on_commit_callbacks(execute=True):
        client.get(pdf_url(path, document))
        client.get(pdf_url(path, document))
    delivery.refresh_from_db()
    assert delivery.first_downloaded_at is not None
    to_applicant = [m for r, m in smtp.mailbox.messages if r == [issued_order.email]]
    assert len(to_applicant) == 1
    assert issued_order.number in to_applicant[0]["Subject"]
    assert issued_order.events.filter(kind="delivery_downloaded").count() == 1
    assert Document.objects.filter(order=issued_order).count() == 2
