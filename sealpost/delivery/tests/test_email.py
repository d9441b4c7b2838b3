"""Delivery by e-mail through a real SMTP server (aiosmtpd) on 127.0.0.1."""

import email
import email.policy
import re
import threading
from unittest import mock

import pytest
from django.utils import timezone

from sealpost.delivery import services
from sealpost.delivery.models import Delivery
from sealpost.documents import storage
from sealpost.documents.models import Document, DocumentFile
from sealpost.orders import services as order_services
from sealpost.orders.models import Order, Status
from sealpost.testing.smtp import SMTPServer

MESSAGES = [
    "WES Reference No. 1234567",
    "For admission to the MSc programme, ref. A-42",
    "",
    "請轉交研究所招生委員會",
]


class Mailbox:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def by_message_id(self):
        counts = {}
        for _, message in self.messages:
            counts[message["Message-ID"]] = counts.get(message["Message-ID"], 0) + 1
        return counts


@pytest.fixture
def smtp(settings):
    server = SMTPServer(Mailbox())  # the fault suite's: stoppable, restarted on the same port
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.MAIL_FROM = "registrar@ndu.example.edu"
    settings.BASE_URL = "http://testserver"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    yield server
    server.stop()


@pytest.fixture
def issued_order(applicant):
    """An issued order with four recipients and two signed documents (stand-in PDF bytes)."""
    draft = order_services.Draft(
        applicant_type="alumnus", documents=[("transcript", "en"), ("transcript", "zh")], name_en="CHEN, TA-WEI",
        name_zh="陳大偉", phone="0912345678", email=applicant.email,
        recipients=[(f"admissions{i}@school{i}.example.org", m) for i, m in enumerate(MESSAGES, 1)],
    )
    # The applicant's receipt of the order (payments.receipts) is not what these tests count: the
    # order is placed without it (its own tests: payments/tests/test_receipts.py).
    from sealpost.orders.signals import order_placed

    with mock.patch.object(order_placed, "receivers", []):
        order = order_services.place_order(student=applicant.student, draft=draft, applicant=applicant)
    Order.objects.filter(pk=order.pk).update(status=Status.ISSUED)
    order.refresh_from_db()
    for language in ("en", "zh"):
        data = f"%PDF-1.7 stand-in transcript {language} {order.number}".encode()
        document = Document.objects.create(order=order, student=order.student, document_type="transcript",
                                           language=language, holder_name_en=order.name_en,
                                           holder_name_zh=order.name_zh, issued_at=timezone.now())
        DocumentFile.objects.create(document=document, sha256=storage.put(data), size=len(data))
    return order


def link_in(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(r"http://testserver(/d/[A-Za-z0-9_-]+/)", text).group(1)


def deliver(order, capture):
    with capture(execute=True):
        return services.schedule_delivery(order)


def test_delivers_one_email_to_each_of_four_recipients(smtp, issued_order, client, django_capture_on_commit_callbacks):
    deliveries = deliver(issued_order, django_capture_on_commit_callbacks)
    assert len(deliveries) == 4
    received = smtp.mailbox.messages
    assert len(received) == 4
    by_rcpt = {tuple(rcpts): message for rcpts, message in received}
    for delivery in Delivery.objects.select_related("recipient"):
        assert delivery.state == Delivery.State.SENT and delivery.attempts == 1
        message = by_rcpt[(delivery.recipient.email,)]
        assert message["To"] == delivery.recipient.email
        assert message["Message-ID"] == delivery.message_id
        assert delivery.message_id.endswith("@ndu.example.edu>")
        assert "學籍成績電子檔" in message["Subject"] and "Electronic academic records: CHEN, TA-WEI" in message["Subject"]
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert "您好" in text and "Dear recipient" in text and "陳大偉" in text and "CHEN, TA-WEI" in text
        if delivery.recipient.message:
            assert delivery.recipient.message in text and delivery.recipient.message in html
        for document in issued_order.issued_documents.all():
            assert document.verification_code in text
        assert "http://testserver/verify/" in text
        page = client.get(link_in(message))
        assert page.status_code == 200
        assert issued_order.issued_documents.first().verification_code in page.content.decode()
    issued_order.refresh_from_db()
    assert issued_order.status == Status.DELIVERED
    # Scheduling again sends nothing more.
    assert deliver(issued_order, django_capture_on_commit_callbacks) == []
    assert len(smtp.mailbox.messages) == 4


def test_outage_then_recovery_delivers_all_and_none_twice(smtp, issued_order, django_capture_on_commit_callbacks):
    smtp.stop()
    deliver(issued_order, django_capture_on_commit_callbacks)
    failed = list(Delivery.objects.all())
    assert all(d.state == Delivery.State.FAILED for d in failed)
    assert all(d.last_error and d.next_attempt_at and d.attempts == 1 for d in failed)
    message_ids = {d.pk: d.message_id for d in failed}
    issued_order.refresh_from_db()
    assert issued_order.status == Status.ISSUED

    # Not yet due: the sweeper leaves them alone.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep() == 0
    # Still down when due: a second failure, a longer wait.
    Delivery.objects.update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep()
    second = Delivery.objects.first()
    assert second.state == Delivery.State.FAILED and second.attempts == 2
    assert second.next_attempt_at - timezone.now() > services.backoff(1)

    smtp.start()
    Delivery.objects.update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep() == 4
    assert all(d.state == Delivery.State.SENT for d in Delivery.objects.all())
    assert {d.pk: d.message_id for d in Delivery.objects.all()} == message_ids  # fixed before the first attempt
    counts = smtp.mailbox.by_message_id()
    assert sorted(counts) == sorted(message_ids.values()) and set(counts.values()) == {1}
    # Another sweep and another run of every task: nothing more is sent.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep() == 0
        for pk in message_ids:
            assert services.send_delivery(pk) == "skipped"
    assert len(smtp.mailbox.messages) == 4
    issued_order.refresh_from_db()
    assert issued_order.status == Status.DELIVERED


def test_gives_up_after_the_limit(smtp, issued_order, settings, django_capture_on_commit_callbacks):
    settings.DELIVERY_MAX_ATTEMPTS = 2
    smtp.stop()
    deliver(issued_order, django_capture_on_commit_callbacks)
    Delivery.objects.update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep()
    assert all(d.gave_up and d.attempts == 2 for d in Delivery.objects.all())
    assert issued_order.events.filter(kind="delivery_failed").count() == 4
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep() == 0


def test_backoff_grows_and_is_capped():
    assert [services.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert services.backoff(20).total_seconds() == 3600


def test_staff_resend_sends_a_new_email_with_a_new_link(smtp, issued_order, clerk_client, django_capture_on_commit_callbacks):
    deliver(issued_order, django_capture_on_commit_callbacks)
    first = Delivery.objects.get(recipient__position=1)
    page = clerk_client.get(f"/desk/orders/{issued_order.number}/")
    assert page.status_code == 200
    assert f"/d/resend/{first.pk}/" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk_client.post(f"/d/resend/{first.pk}/")
    assert response.status_code == 302
    again = Delivery.objects.exclude(pk=first.pk).get(recipient__position=1, resend_of=first)
    assert again.state == Delivery.State.SENT and again.message_id != first.message_id
    assert again.link.token_hash != first.link.token_hash
    assert len(smtp.mailbox.messages) == 5
    assert smtp.mailbox.messages[-1][0] == [first.recipient.email]
    assert issued_order.events.filter(kind="delivery_resent").exists()
    assert issued_order.total == Order.objects.get(pk=issued_order.pk).total  # free of charge


def test_applicant_cannot_resend(smtp, issued_order, applicant_client, django_capture_on_commit_callbacks):
    deliver(issued_order, django_capture_on_commit_callbacks)
    first = Delivery.objects.first()
    assert applicant_client.post(f"/d/resend/{first.pk}/").status_code == 403


def test_status_shows_on_the_applicant_page(smtp, issued_order, applicant_client, django_capture_on_commit_callbacks):
    smtp.stop()
    deliver(issued_order, django_capture_on_commit_callbacks)
    page = applicant_client.get(f"/orders/{issued_order.number}/")
    assert page.status_code == 200
    assert "ConnectionRefusedError" in page.content.decode()
