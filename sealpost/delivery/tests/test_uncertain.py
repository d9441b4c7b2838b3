"""A delivery whose message was being handed to the mail server when its worker died (or the
connection broke): "uncertain". Not resent blindly: the local mailbox is asked by Message-ID;
over SMTP the policy decides (resend with the same Message-ID, recorded; or hold for staff)."""

import datetime
import smtplib

import pytest
from django.utils import timezone

from sealpost.delivery import services
from sealpost.delivery.models import Delivery
from sealpost.delivery.tests.test_email import deliver, issued_order, smtp  # noqa: F401 - fixtures


def left_uncertain(delivery):
    """As a worker killed after handing the message over leaves it: sending, lease run out."""
    past = timezone.now() - datetime.timedelta(seconds=1)
    Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.SENDING, lease_until=past,
                                                   handed_over_at=past, attempts=1)


@pytest.fixture
def delivery(issued_order, settings, django_capture_on_commit_callbacks):  # noqa: F811
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    return deliver(issued_order, django_capture_on_commit_callbacks)[0]


def test_over_smtp_it_is_resent_with_the_same_message_id_and_recorded(smtp, delivery):  # noqa: F811
    left_uncertain(delivery)
    assert services.send_delivery(delivery.pk) == "sent"
    [(_, message)] = smtp.mailbox.messages
    assert message["Message-ID"].strip() == delivery.message_id
    event = delivery.order.events.get(kind="delivery_uncertain")
    assert event.details["action"] == "resent" and event.details["message_id"] == delivery.message_id


def test_policy_hold_waits_for_staff_then_retry_sends_it(smtp, delivery, settings):  # noqa: F811
    settings.DELIVERY_ON_UNCERTAIN = "hold"
    left_uncertain(delivery)
    assert services.send_delivery(delivery.pk) == "held"
    delivery.refresh_from_db()
    assert delivery.gave_up and "Uncertain" in delivery.last_error
    assert smtp.mailbox.messages == []
    assert services.send_delivery(delivery.pk) == "skipped"  # not retried automatically: not due
    counts = services.retry_deliveries([delivery.order], None)  # staff checked the mail log: not there
    assert counts["retried"] == 1
    assert services.send_delivery(delivery.pk) == "sent"
    assert len(smtp.mailbox.messages) == 1


def test_the_local_mailbox_is_asked_by_message_id(delivery, settings, tmp_path):
    settings.EMAIL_BACKEND = "sealpost.delivery.mailbox.MailboxBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mailbox"
    # The first attempt wrote the message, then its worker died before recording it.
    from django.core.mail import get_connection

    with get_connection() as connection:
        connection.send_messages([services.build_message(delivery)])
    left_uncertain(delivery)
    assert services.send_delivery(delivery.pk) == "sent"
    assert len(list((tmp_path / "mailbox").glob("*.eml"))) == 1  # not written twice
    assert delivery.order.events.get(kind="delivery_sent").details.get("uncertain") == "found"


def test_a_refusal_by_the_server_is_certain_a_dropped_connection_is_not(delivery, settings, monkeypatch):
    class Refusing:
        def __init__(self, error):
            self.error = error

        def open(self):
            pass

        def close(self):
            pass

        def send_messages(self, messages):
            raise self.error

    monkeypatch.setattr(services, "get_connection", lambda **kw: Refusing(smtplib.SMTPDataError(554, b"no")))
    assert services.send_delivery(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.handed_over_at is None  # the server said no: it does not have the message
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    monkeypatch.setattr(services, "get_connection", lambda **kw: Refusing(smtplib.SMTPServerDisconnected("gone")))
    assert services.send_delivery(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.handed_over_at is not None  # lost mid-hand-over: the next attempt is uncertain
