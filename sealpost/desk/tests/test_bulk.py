"""Bulk actions from the queue: payment notices, approval (officers), delivery retries."""

import pytest
from django.core import mail

from sealpost.desk.tests.helpers import EN, place
from sealpost.orders.models import Order, Status


def bulk(client, data):
    """POST a bulk action and follow to the queue: (response, the messages shown there)."""
    response = client.post("/desk/bulk/", data, follow=True, **EN)
    shown = [str(m) for m in response.context["messages"]] if response.context else []
    return response, shown


@pytest.fixture
def submitted(student):
    return [place(student, email=f"applicant{i}@example.com") for i in range(3)]


def test_bulk_payment_notices(clerk_client, clerk, submitted):
    first, second, untouched = submitted
    response, shown = bulk(clerk_client, {
        "action": "payment_notice", "orders": [first.number, second.number.lower()], "back": "/desk/?wes=no"})
    assert response.redirect_chain == [("/desk/?wes=no", 302)]
    assert shown == ["Payment notices sent: 2"]
    for order in (first, second):
        order.refresh_from_db()
        assert order.status == Status.AWAITING_PAYMENT and order.payment_notice_sent_at is not None
        assert order.events.filter(kind="payment_notice_sent", actor=clerk).exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["applicant0@example.com", "applicant1@example.com"]
    untouched.refresh_from_db()
    assert untouched.status == Status.SUBMITTED and untouched.payment_notice_sent_at is None


def test_bulk_payment_notices_twice_and_closed_orders(clerk_client, clerk, submitted):
    from sealpost.orders import services

    first, second, _ = submitted
    bulk(clerk_client, {"action": "payment_notice", "orders": [first.number]})
    services.cancel_order(second, clerk)
    mail.outbox.clear()
    _, shown = bulk(clerk_client, {"action": "payment_notice", "orders": [first.number, second.number]})
    assert shown == ["Payment notices sent: 0; already sent: 1; no notice needed: 1"]
    assert mail.outbox == []


def test_the_queue_shows_the_summary_after_the_redirect(clerk_client, submitted):
    response, _ = bulk(clerk_client, {"action": "payment_notice", "orders": [submitted[0].number]})
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/desk/"
    assert "Payment notices sent: 1" in page and "Awaiting payment" in page


def test_nothing_selected_or_no_action(clerk_client, submitted):
    assert bulk(clerk_client, {"action": "payment_notice"})[1] == ["Select at least one order."]
    assert bulk(clerk_client, {"orders": [submitted[0].number]})[1] == ["Choose what to do with the selected orders."]
    assert mail.outbox == []


def test_back_goes_only_to_the_desk(clerk_client, submitted):
    for back in ("https://evil.example.com/desk/", "//evil.example.com/", "/orders/"):
        response = clerk_client.post("/desk/bulk/", {"action": "payment_notice", "orders": [submitted[0].number], "back": back})
        assert response.url == "/desk/"


def test_auditor_cannot_bulk(auditor_client, submitted):
    response = auditor_client.post("/desk/bulk/", {"action": "payment_notice", "orders": [o.number for o in submitted]})
    assert response.status_code == 403
    assert mail.outbox == [] and not Order.objects.exclude(status=Status.SUBMITTED).exists()


def test_applicant_cannot_bulk(applicant_client, submitted):
    assert applicant_client.post("/desk/bulk/", {"action": "payment_notice", "orders": [submitted[0].number]}).status_code == 403


def test_bulk_needs_post(clerk_client):
    assert clerk_client.get("/desk/bulk/").status_code == 405


def test_clerk_cannot_approve(clerk_client, settings, student, clerk):
    from sealpost.payments import services as payments

    settings.APPROVAL_REQUIRED_FOR = {"transcript"}
    order = place(student)
    payments.record_payment(order, order.total, "counter", "R-1", clerk)
    response = clerk_client.post("/desk/bulk/", {"action": "approve", "orders": [order.number]})
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == Status.PAID and order.approval.pending
    # and the queue does not offer it
    assert 'value="approve"' not in clerk_client.get("/desk/").content.decode()


def test_officer_approves_in_bulk(officer_client, settings, student, grades, clerk, make_student):
    from sealpost.payments import services as payments

    settings.APPROVAL_REQUIRED_FOR = {"transcript"}
    waiting = place(student)
    payments.record_payment(waiting, waiting.total, "counter", "R-1", clerk)
    held_student = make_student()
    held = place(held_student)
    payments.record_payment(held, held.total, "counter", "R-2", clerk)
    held_student.holds.create(reference="H1", reason="Library books", office="Library", placed_on="2026-01-05")
    not_paid = place(student)
    assert 'value="approve"' in officer_client.get("/desk/").content.decode()
    _, messages = bulk(officer_client, {"action": "approve", "orders": [waiting.number, held.number, not_paid.number]})
    assert messages[0] == "Approved and issued: 1; approved, not issued: 1; not approved: 1"
    assert any(m.startswith(f"{held.number}: ") and "Library books" in m for m in messages)
    assert any(m.startswith(f"{not_paid.number}: ") for m in messages)
    waiting.refresh_from_db()
    held.refresh_from_db()
    assert waiting.status == Status.ISSUED and held.status == Status.PAID


def test_retry_deliveries(clerk_client, clerk, submitted, settings, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from sealpost.delivery import services as delivery_services
    from sealpost.delivery.models import Delivery
    from sealpost.documents import storage
    from sealpost.documents.models import Document, DocumentFile

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    issued, waiting, _ = submitted
    Order.objects.filter(pk=issued.pk).update(status=Status.ISSUED)
    data = f"%PDF-1.7 stand-in {issued.number}".encode()
    document = Document.objects.create(order=issued, student=issued.student, document_type="transcript",
                                       language="en", holder_name_en=issued.name_en, issued_at=timezone.now())
    DocumentFile.objects.create(document=document, sha256=storage.put(data), size=len(data))
    settings.EMAIL_BACKEND = "sealpost.delivery.tests.test_bulk_helpers.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        delivery_services.schedule_delivery(issued)
    delivery = Delivery.objects.get(order=issued)
    assert delivery.state == Delivery.State.FAILED and delivery.next_attempt_at is not None
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)  # given up
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        _, shown = bulk(clerk_client, {"action": "retry_delivery", "orders": [issued.number, waiting.number]})
    assert shown == ["Deliveries retried: 1; not issued yet: 1"]  # the second is not issued: nothing to deliver
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT and delivery.attempts == 1  # counted afresh
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [delivery.message_id]  # same Message-ID
    assert issued.events.filter(kind="delivery_retried", actor=clerk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        _, shown = bulk(clerk_client, {"action": "retry_delivery", "orders": [issued.number]})
    assert shown == ["Deliveries retried: 0; nothing to retry: 1"]
    assert len(mail.outbox) == 1


def test_counts_in_any_shape():
    from dataclasses import dataclass, field

    from sealpost.desk.services import as_counts

    @dataclass
    class Counts:
        sent: int = 2
        skipped: list = field(default_factory=lambda: ["SP1", "SP2", "SP3"])

    assert as_counts(Counts()) == {"sent": 2, "skipped": 3}
    assert as_counts({"sent": 1, "failed": ["x"]}) == {"sent": 1, "failed": 1}
    assert as_counts(4) == {"sent": 4}
    assert as_counts(4, single="retried") == {"retried": 4}
    assert as_counts(None) == {}
