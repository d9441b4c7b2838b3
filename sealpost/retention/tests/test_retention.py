"""`sealpost shred`: the personal data of finished orders past the retention period is removed;
verification, statistics and the audit trail stay (sealpost.retention.services)."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from sealpost.audit.models import AuditEntry
from sealpost.audit.services import verify_chain
from sealpost.delivery import services as delivery_services
from sealpost.delivery.models import Delivery, DownloadLink
from sealpost.documents import storage, verification
from sealpost.documents.models import Document, DocumentFile
from sealpost.retention import services as retention
from sealpost.orders import services as order_services
from sealpost.orders.models import Order, OrderDocument, OrderEvent, Recipient, Status
from sealpost.payments.models import Method, Payment

LATER = datetime.timedelta(days=400)  # past the default retention period of 365 days
PERSONAL = ["陳大偉", "CHEN, TA-WEI", "0912345678", "ta-wei.chen@example.com", "admissions@grad.example.org",
            "Application ID 998877", "請寄給我", "moved.away@example.net", "1234567"]


@pytest.fixture
def tasks_now(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _place(applicant, **fields):
    draft = order_services.Draft(
        applicant_type="alumnus", documents=[("transcript", "en"), ("transcript", "zh")], name_en="CHEN, TA-WEI",
        name_zh="陳大偉", phone="0912345678", email=applicant.email, remarks="請寄給我 WES Reference No. 1234567",
        recipients=[(applicant.email, ""), ("admissions@grad.example.org", "Application ID 998877")], **fields,
    )
    return order_services.place_order(student=applicant.student, draft=draft, applicant=applicant, actor=applicant)


@pytest.fixture
def delivered(applicant, tasks_now, django_capture_on_commit_callbacks):
    """A delivered order: two signed documents (stand-in bytes), links sent to two recipients, a
    recipient corrected (old and new address in the history), a payment, a scanned form."""
    order = _place(applicant)
    order_services.record(order, "recipient_corrected", applicant, position=2,
                          old="moved.away@example.net", new="admissions@grad.example.org")
    Payment.objects.create(order=order, method=Method.COUNTER, amount=order.total, reference="R-77",
                           received_at=timezone.now(), raw={"payer": "陳大偉"})
    order.scanned_form.save(f"{order.number}.pdf", ContentFile(b"%PDF scanned form 2-07-3"), save=True)
    Order.objects.filter(pk=order.pk).update(status=Status.ISSUED)
    for language in ("en", "zh"):
        data = f"%PDF-1.7 stand-in transcript {language} {order.number} 陳大偉".encode()
        document = Document.objects.create(order=order, student=order.student, document_type="transcript",
                                           language=language, holder_name_en=order.name_en,
                                           holder_name_zh=order.name_zh, issued_at=timezone.now())
        DocumentFile.objects.create(document=document, sha256=storage.put(data), size=len(data))
    with django_capture_on_commit_callbacks(execute=True):
        delivery_services.schedule_delivery(order)
    Order.objects.filter(pk=order.pk).update(status=Status.DELIVERED)
    order.refresh_from_db()
    assert DownloadLink.objects.filter(delivery__order=order).count() == 2
    return order


def later():
    return timezone.now() + LATER


def test_nothing_is_due_within_the_retention_period(delivered):
    report = retention.shred()
    assert report.orders == 0
    assert retention.shred(now=timezone.now() + datetime.timedelta(days=300)).orders == 0


def test_dry_run_counts_and_changes_nothing(delivered):
    before = AuditEntry.objects.count()
    report = retention.shred(dry_run=True, now=later())
    assert (report.orders, report.recipients, report.documents, report.files, report.links, report.scanned_forms) == (
        1, 2, 2, 2, 2, 1)
    delivered.refresh_from_db()
    assert delivered.name_en == "CHEN, TA-WEI" and delivered.scanned_form
    assert AuditEntry.objects.count() == before
    assert not retention.is_shredded(delivered)


def test_shred_removes_personal_data_and_keeps_what_must_stay(delivered):
    documents = list(Document.objects.filter(order=delivered).order_by("language"))
    files = list(DocumentFile.objects.filter(document__order=delivered).values_list("sha256", flat=True))
    scanned = delivered.scanned_form.name
    statistics = list(OrderDocument.objects.values("document_type", "language").annotate(n=Count("id")))

    report = retention.shred(now=later())
    assert report.orders == 1 and report.numbers == [delivered.number]

    order = Order.objects.get(pk=delivered.pk)
    assert (order.name_zh, order.name_en, order.phone, order.email, order.remarks) == ("", "", "", "", "")
    assert (order.wes_reference_input, order.wes_reference, order.scanned_form.name) == ("", "", "")
    assert not order.scanned_form.storage.exists(scanned)
    assert list(Recipient.objects.filter(order=order).values_list("email", "message")) == [("", ""), ("", "")]
    assert not DownloadLink.objects.filter(delivery__order=order).exists()
    assert Payment.objects.get(order=order).raw == {}
    for sha256 in files:
        assert not storage.exists(sha256)

    # Nothing personal is left anywhere in the order's rows, its history included.
    rows = json.dumps([
        list(Order.objects.filter(pk=order.pk).values()), list(Recipient.objects.filter(order=order).values()),
        list(OrderEvent.objects.filter(order=order).values("details")),
        list(Payment.objects.filter(order=order).values()), list(Delivery.objects.filter(order=order).values()),
        list(Document.objects.filter(order=order).values()),
    ], default=str, ensure_ascii=False)
    for value in PERSONAL:
        assert value not in rows, value
    corrected = OrderEvent.objects.get(order=order, kind="recipient_corrected")
    assert corrected.details == {"position": 2, "withheld": ["new", "old"]}

    # Kept: the order's shape (statistics), payments, deliveries, documents and their files' hashes.
    assert (order.number, order.status, order.total) == (delivered.number, Status.DELIVERED, delivered.total)
    assert list(OrderDocument.objects.values("document_type", "language").annotate(n=Count("id"))) == statistics
    assert Payment.objects.get(order=order).amount == delivered.total
    assert Delivery.objects.filter(order=order, state=Delivery.State.SENT).count() == 2
    assert DocumentFile.objects.filter(sha256__in=files).count() == 2

    # Verification still answers, by code and by the file's fingerprint, with the masked name only.
    for document in documents:
        verdict = verification.check_code(document.verification_code)
        assert verdict.status == verification.VALID
        assert verification.masked_holder(verdict.document) == "陳*偉 CHEN, T*-W**"
    assert verification.check_hash(files[0]).status == verification.VALID

    # The audit trail: intact, with an entry for the shredding.
    assert verify_chain().ok
    entry = AuditEntry.objects.filter(action="order.shredded").get()
    assert (entry.object_id, entry.actor_label) == (order.number, "system")
    assert retention.is_shredded(order)


def test_shred_is_idempotent(delivered):
    assert retention.shred(now=later()).orders == 1
    entries = AuditEntry.objects.count()
    again = retention.shred(now=later())
    assert again.orders == 0
    assert AuditEntry.objects.count() == entries
    assert verify_chain().ok


def test_only_finished_orders_without_recent_activity_are_shredded(delivered, applicant):
    paid = _place(applicant)
    Order.objects.filter(pk=paid.pk).update(status=Status.PAID)
    cancelled = _place(applicant)
    order_services.cancel_order(cancelled, applicant, reason="我搬家了")
    # Something happened to the delivered order recently (as seen from "later"): not yet.
    recent = OrderEvent.objects.create(order=delivered, kind="delivery_downloaded")
    OrderEvent.objects.filter(pk=recent.pk).update(at=later() - datetime.timedelta(days=10))

    report = retention.shred(now=later())
    assert report.numbers == [cancelled.number]
    assert OrderEvent.objects.get(order=cancelled, kind="cancelled").details == {"withheld": ["reason"]}
    paid.refresh_from_db()
    assert paid.name_en == "CHEN, TA-WEI"


def test_pages_after_shredding(delivered, applicant_client, client, clerk):
    document = Document.objects.filter(order=delivered).first()
    retention.shred(now=later())

    page = applicant_client.get(f"/orders/{delivered.number}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "The retention period of this order is over" in page.content.decode()
    assert applicant_client.get(f"/orders/{delivered.number}/documents/{document.verification_code}.pdf").status_code == 404

    answer = client.get(f"/verify/{document.verification_code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "陳*偉" in answer and "陳大偉" not in answer

    client.force_login(clerk)
    assert client.get(f"/desk/orders/{delivered.number}/").status_code == 200
    assert client.get(f"/desk/orders/{delivered.number}/documents/{document.verification_code}.pdf").status_code == 404


def test_command_reports_counts(delivered, settings):
    settings.RETENTION_DAYS = 1
    Order.objects.filter(pk=delivered.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))
    OrderEvent.objects.filter(order=delivered).update(at=timezone.now() - datetime.timedelta(days=3))

    out = io.StringIO()
    call_command("shred", "--dry-run", stdout=out)
    assert out.getvalue().startswith("would shred 1 orders")
    assert not retention.is_shredded(delivered)

    out = io.StringIO()
    call_command("shred", "--list", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("shredded 1 orders") and "2 recipients, 2 documents (2 files), 2 download links, 1 scanned forms" in lines[0]
    assert lines[1] == delivered.number

    out = io.StringIO()
    call_command("shred", stdout=out)
    assert out.getvalue().startswith("shredded 0 orders")


def test_renewing_timestamps_leaves_shredded_documents_alone(delivered):
    retention.shred(now=later())
    out = io.StringIO()
    call_command("renew_timestamps", "--all", stdout=out, verbosity=0)
    assert out.getvalue().strip() == "renewed 0, skipped 0, failed 0"


@pytest.fixture
def mailbox_backend(settings, tmp_path):
    settings.EMAIL_BACKEND = "sealpost.delivery.mailbox.MailboxBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mailbox"
    return tmp_path / "mailbox"


def test_the_local_mailbox_copies_go_too(mailbox_backend, delivered):
    other = sorted(p.name for p in mailbox_backend.glob("*.eml"))
    recipients = [p for p in mailbox_backend.glob("*.eml") if "admissions@grad.example.org" in p.read_text(errors="replace")]
    assert recipients
    retention.shred(now=later())
    left = "".join(p.read_text(errors="replace") for p in mailbox_backend.glob("*.eml"))
    assert "admissions@grad.example.org" not in left
    assert len(list(mailbox_backend.glob("*.eml"))) == len(other) - 2  # the two e-mails to the recipients
