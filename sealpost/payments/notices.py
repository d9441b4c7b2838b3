"""The payment notice: the amount, the virtual account and the due date, e-mailed to the applicant
in Chinese and English; sending it moves the order to awaiting payment."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sealpost.orders.models import Channel, Order, Status
from sealpost.orders.services import record, transition
from sealpost.payments import ecpay, virtual_accounts
from sealpost.payments.models import PaymentNotice
from sealpost.payments.rules import NOTICE_FROM, NotPayable, bank_name, due_days


def notice_for(order: Order) -> PaymentNotice:
    """The order's notice with its virtual account, created on first use (not sent)."""
    notice = PaymentNotice.objects.filter(order=order).first()
    if notice is None:
        try:
            with transaction.atomic():
                notice = PaymentNotice.objects.create(
                    order=order, amount=order.total, virtual_account=virtual_accounts.for_order(order))
        except IntegrityError:  # created meanwhile by another request
            notice = PaymentNotice.objects.get(order=order)
    elif notice.sent_at is None and notice.amount != order.total:
        notice.amount = order.total
        notice.save(update_fields=["amount"])
    return notice


def sent_notice(order: Order) -> PaymentNotice | None:
    """The notice, once it has been sent; None before."""
    return PaymentNotice.objects.filter(order=order, sent_at__isnull=False).first()


def _institution(language: str) -> str:
    return settings.INSTITUTION_NAME_ZH if language.startswith("zh") else settings.INSTITUTION_NAME_EN


def notice_context(order: Order, notice: PaymentNotice) -> dict:
    """What the notice says, for the e-mail and the order page."""
    online = bool(order.applicant_id) and ecpay.is_configured()
    return {
        "order": order,
        "notice": notice,
        "amount": notice.amount,
        "virtual_account": notice.virtual_account_display,
        "bank_name": bank_name(),
        "due_date": notice.due_date,
        "pay_online_url": settings.BASE_URL + reverse("payments:checkout", args=[order.number]) if online else "",
        "order_url": settings.BASE_URL + reverse("portal:order", args=[order.number]) if order.applicant_id else "",
        "registrar_email": settings.REGISTRAR_EMAIL,
        "channel_online": order.channel == Channel.ONLINE,
    }


def _render_notice(order: Order, notice: PaymentNotice) -> tuple[str, str]:
    """Subject and body in Chinese and English, the order's language first."""
    languages = ["en", "zh-hant"] if (order.language or "").startswith("en") else ["zh-hant", "en"]
    subjects, bodies = [], []
    for language in languages:
        with translation.override(language):
            context = {**notice_context(order, notice), "institution_name": _institution(language), "language": language}
            subjects.append(" ".join(render_to_string("payments/email/payment_notice_subject.txt", context).split()))
            bodies.append(render_to_string("payments/email/payment_notice_body.txt", context).strip())
    return " / ".join(subjects), ("\n\n" + "-" * 60 + "\n\n").join(bodies) + "\n"


def send_payment_notice(order: Order, actor=None, *, now=None) -> bool:
    """Send the order's payment notice (e-mail in Chinese and English) and move the order to
    awaiting payment. Sends once: True when sent now, False when it had been sent before.
    Raises NotPayable when the order is past the point of a notice (paid, cancelled ...)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        notice = notice_for(locked)
        notice = PaymentNotice.objects.select_for_update().get(pk=notice.pk)
        if notice.sent_at is not None:
            return False
        if locked.status not in NOTICE_FROM and locked.status != Status.AWAITING_PAYMENT:
            raise NotPayable(_("Order %(number)s needs no payment notice: it is %(status)s.") % {
                "number": locked.number, "status": locked.get_status_display()})
        from sealpost.workdays.services import add_business_days

        notice.amount = locked.total
        notice.due_date = add_business_days(timezone.localdate(now), due_days())
        notice.sent_at = now
        notice.sent_by = actor if getattr(actor, "pk", None) else None
        notice.save()
        Order.objects.filter(pk=locked.pk).update(payment_notice_sent_at=now)
        details = {"amount": notice.amount, "virtual_account": notice.virtual_account, "due_date": notice.due_date.isoformat()}
        if locked.status == Status.AWAITING_PAYMENT:
            record(locked, "payment_notice_sent", actor, **details)
            order.__dict__.update(payment_notice_sent_at=now)
        else:
            transition(order, Status.AWAITING_PAYMENT, actor, kind="payment_notice_sent", **details)
        subject, body = _render_notice(order, notice)
        # Sent inside the transaction: a failure to send leaves the notice unsent, to be sent again.
        EmailMessage(subject, body, None, [order.email], reply_to=[settings.REGISTRAR_EMAIL]).send()
    return True


@dataclass
class NoticeCounts:
    sent: int = 0
    already_sent: int = 0
    not_applicable: list[str] = field(default_factory=list)  # order numbers, with no notice to send

    def as_dict(self) -> dict:
        return {"sent": self.sent, "already_sent": self.already_sent, "not_applicable": len(self.not_applicable)}


def send_payment_notices(orders, actor=None) -> NoticeCounts:
    """Send the notices of many orders, each once; an order that needs none is counted, not an error."""
    counts = NoticeCounts()
    for order in orders:
        try:
            if send_payment_notice(order, actor):
                counts.sent += 1
            else:
                counts.already_sent += 1
        except NotPayable:
            counts.not_applicable.append(order.number)
    return counts
