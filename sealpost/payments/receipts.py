"""The applicant's receipts by e-mail: the order received (with its fee lines and how payment
works) and the payment received (with what was paid, how, and when the documents follow).

Each is written in the applicant's language (the order's), followed by the other language, like
every e-mail to the applicant, and sent once the order or the payment is committed. A receipt
that cannot be sent is logged (by order number) and does not undo what it reports.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from sealpost.orders import wes
from sealpost.orders.models import Order
from sealpost.payments.approval import needs_approval
from sealpost.payments.models import Payment
from sealpost.payments.rules import can_pay_demo, can_pay_online
from sealpost.privacy import redact

log = logging.getLogger(__name__)

SEPARATOR = "\n\n" + "-" * 60 + "\n\n"


def languages(order: Order) -> list[str]:
    """The applicant's language (the order's) first, then the other."""
    return ["en", "zh-hant"] if (order.language or "").startswith("en") else ["zh-hant", "en"]


def _send(order: Order, template: str, context: dict) -> None:
    subjects, bodies = [], []
    for language in languages(order):
        with translation.override(language):
            institution = settings.INSTITUTION_NAME_EN if language == "en" else settings.INSTITUTION_NAME_ZH
            values = {**context, "order": order, "language": language, "institution_name": institution,
                      "registrar_email": settings.REGISTRAR_EMAIL, "lines": list(order.fee_lines.all())}
            subjects.append(" ".join(render_to_string(f"payments/email/{template}_subject.txt", values).split()))
            bodies.append(render_to_string(f"payments/email/{template}_body.txt", values).strip())
    try:
        EmailMessage(" / ".join(subjects), SEPARATOR.join(bodies) + "\n", None, [order.email],
                     reply_to=[settings.REGISTRAR_EMAIL]).send()
    except Exception as error:  # the order or payment stands; the applicant sees it on the order page
        log.error("the %s e-mail of order %s could not be sent: %s", template, order.number, redact(error))


def _order_url(order: Order) -> str:
    return settings.BASE_URL + reverse("portal:order", args=[order.number]) if order.applicant_id else ""


def order_received(sender=None, order: Order | None = None, **kwargs) -> None:
    """The receipt of a placed order (orders.signals.order_placed)."""
    order = Order.objects.select_related("applicant").get(pk=order.pk)
    found = wes.of_order(order) if order.wes_reference else []
    _send(order, "order_received", {
        "wes_source": wes.source(found),
        "online": bool(order.applicant_id) and (can_pay_online(order) or can_pay_demo(order)),
        "order_url": _order_url(order),
    })


def payment_received(payment_id: int) -> None:
    """The receipt of a payment, once it is committed (payments.services.record_payment). Never
    raises: the payment is recorded whatever happens to its receipt."""
    try:
        payment = Payment.objects.select_related("order").get(pk=payment_id)
        order = payment.order
        _send(order, "payment_received", {
            "payment": payment, "received_at": timezone.localtime(payment.received_at),
            "awaiting_approval": needs_approval(order), "order_url": _order_url(order),
        })
    except Exception as error:
        log.error("the receipt of payment %s could not be made: %s", payment_id, redact(error))
