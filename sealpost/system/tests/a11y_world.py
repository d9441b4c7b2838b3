"""The objects the accessibility walk (test_accessibility.py) opens pages of: applicants and
staff, orders in the states their pages differ in, issued and revoked documents, download links,
a hold, a calendar closure, an e-mail in the demo mailbox. Built quickly: the documents are
stand-in files, as in sealpost/portal/tests/test_permissions.py, not rendered and signed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pyotp
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.test import Client
from django.utils import timezone

from sealpost.accounts.models import Role
from sealpost.conftest import PASSWORD
from sealpost.delivery import services as delivery_services
from sealpost.delivery.models import Delivery, DownloadLink, WESSubmission
from sealpost.documents import storage
from sealpost.documents.models import Document, DocumentFile
from sealpost.orders import services as order_services
from sealpost.orders.models import Order, Status
from sealpost.payments.models import Approval
from sealpost.payments.notices import send_payment_notice
from sealpost.records.models import Hold
from sealpost.workdays.models import CalendarDay


@dataclass
class World:
    users: dict = field(default_factory=dict)
    orders: dict = field(default_factory=dict)
    documents: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)


def place(user, *, recipients=None, status=None, **fields) -> Order:
    draft = order_services.Draft(
        applicant_type="alumnus", documents=fields.pop("documents", [("transcript", "en")]),
        name_en="CHEN, TA-WEI", name_zh="陳大偉", phone="0912345678", email=user.email,
        recipients=recipients or [(user.email, "WES Reference No. 1234567"), ("admissions@grad.example.edu", "ASUID 12345")],
        **fields,
    )
    order = order_services.place_order(student=user.student, draft=draft, applicant=user, actor=user)
    if status:
        Order.objects.filter(pk=order.pk).update(status=status)
        order.refresh_from_db()
    return order


def stand_in_document(order: Order, language: str = "en") -> Document:
    data = f"%PDF-1.7 stand-in transcript {order.number} {language}".encode()
    document = Document.objects.create(order=order, student=order.student, document_type="transcript", language=language,
                                       holder_name_en=order.name_en, holder_name_zh=order.name_zh, issued_at=timezone.now())
    DocumentFile.objects.create(document=document, sha256=storage.put(data), size=len(data))
    return document


def build(make_user, make_student, applicant) -> World:
    world = World()
    officer = make_user(role=Role.OFFICER, email="officer@registrar.example.edu")
    clerk = make_user(role=Role.CLERK, email="clerk@registrar.example.edu")
    clerk.totp_secret = pyotp.random_base32()
    clerk.totp_confirmed = True
    clerk.save()
    world.users = {
        "applicant": applicant,
        "held": make_user(student=make_student(), email="held.applicant@example.com"),
        "newcomer": make_user(email="new.applicant@example.com"),  # no student record linked yet
        "unverified": make_user(email="unconfirmed@example.com", email_verified=False),
        "officer": officer,
        "clerk": clerk,
        "new_clerk": make_user(role=Role.CLERK, email="new.clerk@registrar.example.edu"),  # no TOTP yet
    }

    submitted = place(applicant, recipients=[(applicant.email, "WES Reference No. 1234567"),
                                              ("admissions@grad.example.edu", "WES ref 7654321")])
    awaiting = place(applicant)
    send_payment_notice(awaiting, officer)
    awaiting.refresh_from_db()
    approval = place(applicant, status=Status.PAID)
    Approval.objects.create(order=approval, document_types=["transcript"])
    issued = place(applicant, status=Status.ISSUED)
    document = stand_in_document(issued)
    revoked = stand_in_document(issued, "zh")
    Document.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now(), revoked_reason="Issued by mistake")
    revoked.refresh_from_db()
    recipient = issued.recipients.first()
    delivery = Delivery.objects.create(order=issued, recipient=recipient, message_id="<a11y@example.edu>",
                                       state="sent", sent_at=timezone.now())
    link = delivery_services.new_link(delivery)
    second = Delivery.objects.create(order=issued, recipient=issued.recipients.last(), message_id="<a11y-2@example.edu>",
                                     state="sent", sent_at=timezone.now())
    expired = delivery_services.new_link(second)
    DownloadLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(days=1))
    WESSubmission.objects.create(order=issued, state="uploaded", uploaded_at=timezone.now(), files=["1234567_CHEN.pdf"])
    issued.scanned_form.save("scan.pdf", ContentFile(b"%PDF-1.4 scanned form 2-07-3"))

    held_order = place(world.users["held"])
    Hold.objects.create(student=world.users["held"].student, reference="LIB-1", reason="Library books",
                        office="the library", placed_on=datetime.date(2024, 1, 2))
    CalendarDay.objects.create(date=timezone.localdate().replace(month=9, day=1), reason="Typhoon", created_by=officer)

    EmailMessage("Your documents / 您的文件", f"Download: http://testserver/d/{delivery_services.token_for(link)}/\n",
                 None, ["admissions@grad.example.edu"]).send()

    world.orders = {"submitted": submitted, "awaiting": awaiting, "approval": approval, "issued": issued, "held": held_order}
    world.documents = {"valid": document, "revoked": revoked}
    world.tokens = {"link": delivery_services.token_for(link), "expired": delivery_services.token_for(expired)}
    return world


def half_signed_in(user, **extra) -> Client:
    """A client that gave the password of a staff member: the code (or the set-up) is next."""
    client = Client()
    client.post("/accounts/login/", {"email": user.email, "password": PASSWORD, **extra})
    return client
