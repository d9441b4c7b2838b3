"""What records itself: order events, issuance, payments, downloads, revocation, staff sign-ins."""

import datetime

import pyotp
import pytest
from django.utils import timezone

from sealpost.audit import services
from sealpost.audit.models import AuditEntry
from sealpost.conftest import PASSWORD
from sealpost.delivery.recipients import correct_recipient
from sealpost.documents import storage
from sealpost.documents.models import Document, DocumentFile
from sealpost.issuance import services as document_services
from sealpost.orders import services as order_services
from sealpost.orders.models import Status

from .conftest import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(place):
    """An issued order with one document, signed file stand-in stored (no rendering needed here)."""
    order = place()
    order.status = Status.PAID
    order.save()
    document = Document.objects.create(
        order=order, student=order.student, document_type="transcript", language="en", holder_name_en=order.name_en,
        issued_at=timezone.now(),
    )
    DocumentFile.objects.create(document=document, sha256=storage.put(b"%PDF-1.7 audit test"), size=19)
    order_services.record(order, "issued", None, from_status=Status.PAID, to_status=Status.ISSUED,
                          documents=[document.verification_code])
    return document


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def test_issuance_is_recorded_for_the_order_and_each_document(issued):
    [order_entry] = entries("order.issued")
    assert order_entry.object_id == issued.order.number
    assert order_entry.details == {"from": "paid", "to": "issued", "documents": [issued.verification_code]}
    [document_entry] = entries("document.issued")
    assert (document_entry.object_type, document_entry.object_id) == ("document", issued.verification_code)
    assert document_entry.details == {"order": issued.order.number}
    assert services.verify_chain().ok


def test_a_payment_is_recorded_for_the_order_and_the_payment(place, clerk):
    order = place()
    order_services.transition(order, Status.PAID, clerk, kind="paid", method="counter", amount=order.total,
                              reference="R-2025-0001", payment=7, demo=False)
    [paid] = entries("order.paid")
    assert paid.details == {"from": "submitted", "to": "paid", "method": "counter", "amount": order.total,
                            "reference": "R-2025-0001", "payment": 7, "demo": False}
    [payment] = entries("payment.recorded")
    assert (payment.object_type, payment.object_id, payment.actor_id) == ("payment", "7", clerk.pk)
    assert payment.details == {"order": order.number, "method": "counter", "amount": order.total,
                               "reference": "R-2025-0001", "demo": False}


def test_a_recipient_correction_keeps_no_address(place, applicant):
    order = place()
    correct_recipient(order, 2, "new.address@school.example.edu", applicant)
    [entry] = entries("order.recipient_corrected")
    assert entry.details == {"position": 2, "withheld": ["new", "old"]}
    assert "@" not in str(entry.details)


def test_revocation_is_recorded_under_the_verification_code(issued, officer):
    document_services.revoke(issued, officer, "Issued with a wrong name")
    [entry] = entries("document.revoked")
    assert (entry.object_type, entry.object_id, entry.actor_id) == ("document", issued.verification_code, officer.pk)
    assert entry.details == {"order": issued.order.number, "withheld": ["reason"]}


def test_downloads_from_the_portal_and_the_desk(issued, client, applicant, clerk):
    code, number = issued.verification_code, issued.order.number
    client.force_login(applicant)
    assert client.get(f"/orders/{number}/documents/{code}.pdf").status_code == 200
    client.force_login(clerk)
    assert client.get(f"/desk/orders/{number}/documents/{code}.pdf").status_code == 200
    portal, desk = entries("document.downloaded")
    assert (portal.object_id, portal.actor_id, portal.details) == (code, applicant.pk, {"via": "portal", "order": number})
    assert (desk.object_id, desk.actor_id, desk.details) == (code, clerk.pk, {"via": "desk", "order": number})


def test_a_refused_download_is_not_recorded(issued, client, applicant, officer):
    document_services.revoke(issued, officer, "wrong name")
    client.force_login(applicant)
    assert client.get(f"/orders/{issued.order.number}/documents/{issued.verification_code}.pdf").status_code == 410
    assert not entries("document.downloaded")


@pytest.fixture
def enrolled(clerk):
    clerk.totp_secret = pyotp.random_base32()
    clerk.totp_confirmed = True
    clerk.save()
    return clerk


def test_staff_sign_in_through_the_login_view(client, enrolled):
    client.post("/accounts/login/", {"email": enrolled.email, "password": PASSWORD})
    assert not entries("staff.signed_in")  # a password alone does not sign staff in
    code = pyotp.TOTP(enrolled.totp_secret).at(timezone.now() + datetime.timedelta(seconds=0))
    assert client.post("/accounts/login/code/", {"code": code}).status_code == 302
    [entry] = entries("staff.signed_in")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (enrolled.pk, "user", str(enrolled.pk))
    assert entry.actor_label == "clerk@registrar.example.edu (clerk)"


def test_a_wrong_staff_password_is_recorded_without_the_password(client, clerk):
    client.post("/accounts/login/", {"email": "CLERK@registrar.example.edu", "password": "guess-1234"})
    [entry] = entries("staff.sign_in_failed")
    assert entry.actor_id is None and entry.actor_label == "anonymous"
    assert (entry.object_type, entry.object_id) == ("user", str(clerk.pk))
    assert entry.details == {"account": "clerk@registrar.example.edu (clerk)"}
    assert "guess" not in str(AuditEntry.objects.values_list())


def test_applicant_sign_ins_and_unknown_addresses_are_not_recorded(client, applicant):
    client.post("/accounts/login/", {"email": applicant.email, "password": PASSWORD})
    client.post("/accounts/login/", {"email": applicant.email, "password": "wrong"})
    client.post("/accounts/login/", {"email": "my-password-by-mistake", "password": "wrong"})
    assert actions() == []


def test_the_life_of_an_order_end_to_end(place, applicant, clerk, officer, client):
    """Placed, paid, issued and signed for real, downloaded, revoked: one intact chain."""
    order = place()
    order_services.transition(order, Status.PAID, clerk, kind="paid", method="counter", amount=order.total,
                              reference="R-1", payment=1)
    [document] = document_services.issue_order(order, clerk)
    client.force_login(applicant)
    assert client.get(f"/orders/{order.number}/documents/{document.verification_code}.pdf").status_code == 200
    document_services.revoke(document, officer, "Issued in error")
    assert actions() == [
        "order.submitted", "order.paid", "payment.recorded", "order.issued", "document.issued",
        "document.downloaded", "document.revoked",
    ]
    assert AuditEntry.objects.get(action="document.issued").object_id == document.verification_code
    result = services.verify_chain()
    assert result.ok and result.count == 7
