"""Issue 14, problem 8: the applicant receives a receipt by e-mail when the order is received and
when it is paid: with the fee lines, in their language first (then the other)."""

import pytest
from django.core import mail
from django.utils import translation

from sealpost.payments import receipts, services
from sealpost.payments.models import Method


RECEIVED = ("We have received your order %(number)s for electronic academic records. This e-mail is its "
            "receipt; it is not a request for payment.")


def said(language, text, **values):
    with translation.override(language):
        return translation.gettext(text) % values


@pytest.mark.parametrize("language, other", [("en", "zh-hant"), ("zh-hant", "en")])
def test_the_order_received_receipt(place, django_capture_on_commit_callbacks, settings, language, other):
    settings.DEMO = True
    with django_capture_on_commit_callbacks(execute=True):
        order = place(documents=(("transcript", "en"), ("degree_certificate", "zh")), recipients=3, language=language)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [order.email] and order.number in message.subject
    halves = message.body.split(receipts.SEPARATOR)
    assert len(halves) == 2
    for half, half_language in zip(halves, (language, other)):  # the applicant's language first
        assert said(half_language, RECEIVED, number=order.number) in half
        with translation.override(half_language):
            for line in order.fee_lines.all():
                assert f"{line.label}: NT${line.amount:,}" in half
            assert f"{translation.gettext('Total')}: NT${order.total:,}" in half
            assert translation.gettext("Within 1 business day the Registrar's Office checks your order and e-mails "
                                       "you a payment notice with the amount, the ways to pay and the date to pay "
                                       "by.") in half  # how payment works, as on the pages


def test_the_payment_receipt(place, django_capture_on_commit_callbacks, settings):
    settings.DEMO = True
    order = place(language="en")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.record_payment(order, order.total, Method.DEMO, f"DEMO-{order.number}")
    receipts = [m for m in mail.outbox if "Payment received" in m.subject]
    assert len(receipts) == 1
    body = receipts[0].body
    assert f"We have received your payment of NT${order.total:,} for order {order.number}" in body
    assert "Demonstration payment (no money)" in body and f"DEMO-{order.number}" in body
    for line in order.fee_lines.all():
        assert line.amount and f"NT${line.amount:,}" in body
    order.refresh_from_db()
    assert order.dispatch_due.isoformat() in body
    # Recording the same payment again sends no second receipt.
    with django_capture_on_commit_callbacks(execute=True):
        services.record_payment(order, order.total, Method.DEMO, f"DEMO-{order.number}")
    assert len([m for m in mail.outbox if "Payment received" in m.subject]) == 1
