"""Payments: recording payments from every channel, refunds, and ECPay's notifications; with
the payment notice (notices.py), what follows a payment (approval.py: an officer's approval
where required, else the hand-off to issuance, which sits above payments: sealpost.issuance) and
what they share (rules.py: the errors, the settings).

This module is the payments area's surface: the views, the API, the desk and the ``reconcile``
command call what is named in ``__all__`` (defined here or in those modules), and only
translate between their inputs and these plain functions. Every change of an order's status
goes through orders.services.transition.
"""

from __future__ import annotations

import datetime
import logging

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sealpost.orders.models import Order, Status
from sealpost.orders.services import record, transition
from sealpost.payments import ecpay, receipts
from sealpost.payments.approval import (
    ISSUE_TASK, after_payment, approval_types, awaiting_approval, enqueue_issue_on_commit, needs_approval,
)
from sealpost.payments.models import Approval, CheckoutAttempt, Method, Payment, Refund
from sealpost.payments.notices import (
    NoticeCounts, notice_context, notice_for, send_payment_notice, send_payment_notices, sent_notice,
)
from sealpost.payments.rules import (
    DEFAULT_DUE_DAYS, NOTICE_FROM, PAYABLE, PAYMENT_STAFF, AmountMismatch, NotPayable, PaymentError,
    ReferenceConflict, approval_required_for, bank_name, can_pay_demo, can_pay_online, demo_available, due_days,
    online_payment_offered,
)

log = logging.getLogger(__name__)


# --- recording a payment ---------------------------------------------------------------------


def paid_total(order: Order) -> int:
    return order.payments.aggregate(total=Sum("amount"))["total"] or 0


def refunded_total(order: Order) -> int:
    return order.refunds.aggregate(total=Sum("amount"))["total"] or 0


def record_payment(order: Order, amount: int, method: str, reference: str, actor=None, received_at=None, *,
                   raw: dict | None = None) -> Payment:
    """Record money received for the order and mark it paid; the worker then issues
    (after_payment).

    Idempotent by (method, reference): the same receipt, bank transaction or ECPay TradeNo again
    returns the payment already recorded and changes nothing. The returned payment's ``created``
    says which it was. A wrong amount raises AmountMismatch and records nothing; an order that
    cannot take a payment raises NotPayable."""
    if method not in Method.values:
        raise PaymentError(_("Choose a payment method."), field="method")
    reference = (reference or "").strip()
    if not reference:
        raise PaymentError(_("Give the receipt or transaction number."), field="reference")
    if len(reference) > Payment._meta.get_field("reference").max_length:
        raise PaymentError(_("The reference is too long."), field="reference")
    try:
        amount = int(amount)
    except (TypeError, ValueError):
        raise AmountMismatch(_("Enter the amount in whole New Taiwan dollars."))
    received_at = received_at or timezone.now()
    if timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        existing = Payment.objects.filter(method=method, reference=reference).first()
        if existing is not None:
            if existing.order_id != locked.pk:
                raise ReferenceConflict(_("This reference is already recorded for another order (%(number)s).") % {
                    "number": existing.order.number})
            existing.created = False
            return existing
        if amount != locked.total:
            raise AmountMismatch(_("The amount NT$%(amount)s does not match the fee of order %(number)s, NT$%(total)s.") % {
                "amount": f"{amount:,}", "number": locked.number, "total": f"{locked.total:,}"})
        if locked.status not in PAYABLE:
            raise NotPayable(_("Order %(number)s cannot take a payment: it is %(status)s.") % {
                "number": locked.number, "status": locked.get_status_display()})
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    order=locked, method=method, amount=amount, reference=reference, received_at=received_at,
                    recorded_by=actor if getattr(actor, "pk", None) else None, raw=raw or {},
                )
        except IntegrityError:  # the same reference recorded at the same moment
            existing = Payment.objects.get(method=method, reference=reference)
            existing.created = False
            return existing
        # paid_at first: the transition counts the dispatch deadline from it.
        Order.objects.filter(pk=locked.pk).update(paid_at=received_at)
        transition(order, Status.PAID, actor, kind="paid", method=method, amount=amount, reference=reference,
                   payment=payment.pk, demo=method == Method.DEMO)
    payment.created = True
    after_payment(order)
    # The receipt, once the payment is committed (at once outside a transaction); it says
    # whether an officer's approval comes first, which after_payment has just decided.
    payment_id = payment.pk
    transaction.on_commit(lambda: receipts.payment_received(payment_id))
    return payment


def pay_demo(order: Order, actor=None) -> Payment:
    """The demonstration payment (no money changes hands); only where demo_available()."""
    if not demo_available():
        raise PaymentError(_("Demonstration payments are not available here."))
    return record_payment(order, order.total, Method.DEMO, f"DEMO-{order.number}", actor)


# --- refunds and cancelling a paid order -----------------------------------------------------


def refundable(order: Order) -> int:
    return paid_total(order) - refunded_total(order)


def refund(order: Order, amount: int, reason: str, actor) -> Refund:
    """Record money returned to the applicant, with the reason. Refunding everything paid for an
    order not yet issued moves it to refunded."""
    reason = (reason or "").strip()
    if not reason:
        raise PaymentError(_("Give the reason for the refund."), field="reason")
    try:
        amount = int(amount)
    except (TypeError, ValueError):
        raise PaymentError(_("Enter the amount in whole New Taiwan dollars."), field="amount")
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        available = refundable(locked)
        if available <= 0:
            raise PaymentError(_("Nothing has been paid for order %(number)s that could be refunded.") % {"number": locked.number})
        if amount <= 0 or amount > available:
            raise PaymentError(_("The refund must be between NT$1 and NT$%(available)s.") % {"available": f"{available:,}"},
                               field="amount")
        entry = Refund.objects.create(order=locked, amount=amount, reason=reason[:300],
                                      by=actor if getattr(actor, "pk", None) else None)
        if locked.status == Status.PAID and amount == available:
            transition(order, Status.REFUNDED, actor, kind="refunded", amount=amount, reason=entry.reason)
        else:
            record(locked, "refund_recorded", actor, amount=amount, reason=entry.reason)
    return entry


def cancel(order: Order, actor, reason: str) -> Order:
    """Cancel an order: before payment as orders.services.cancel_order does; once paid but not
    yet issued, by refunding everything paid (the order becomes refunded)."""
    from sealpost.orders.services import OrderError, can_cancel, cancel_order

    order.refresh_from_db()
    if can_cancel(order):
        try:
            return cancel_order(order, actor, reason=reason)
        except OrderError as error:
            raise PaymentError(str(error)) from error
    if order.status != Status.PAID:
        raise PaymentError(_("Order %(number)s cannot be cancelled: it is %(status)s.") % {
            "number": order.number, "status": order.get_status_display()})
    reason = (reason or "").strip() or _("Order cancelled before issuance")
    refund(order, refundable(order), reason, actor)
    order.refresh_from_db()
    return order


# --- ECPay ------------------------------------------------------------------------------------


def start_checkout(order: Order, actor=None) -> tuple[str, dict]:
    """The URL and the fields of a new ECPay checkout for the order."""
    if not ecpay.is_configured():
        raise PaymentError(_("Online payment is not available."))
    order.refresh_from_db()
    if order.status not in PAYABLE:
        raise NotPayable(_("Order %(number)s cannot take a payment: it is %(status)s.") % {
            "number": order.number, "status": order.get_status_display()})
    fields = ecpay.checkout_fields(order, actor=actor)
    return ecpay.config().url, fields


class NotificationRejected(Exception):
    """ECPay's notification is refused; ``answer`` is the text to send back (HTTP 400)."""

    def __init__(self, answer: str):
        super().__init__(answer)
        self.answer = answer


def _payment_date(value: str):
    try:
        naive = datetime.datetime.strptime((value or "").strip(), "%Y/%m/%d %H:%M:%S")
    except ValueError:
        return None
    return naive.replace(tzinfo=ecpay.TAIPEI)


def receive_ecpay_notification(params: dict) -> Payment | None:
    """ECPay's server notification (ReturnURL): check it and record the payment.

    Raises NotificationRejected, recording nothing, for a wrong CheckMacValue, another merchant,
    an unknown MerchantTradeNo or a wrong amount. Answers the payment (the same one for a repeated
    notification), or None for a notification that is genuine but records no payment (not paid,
    simulated in production, or an order that can no longer take a payment: recorded on the
    order for the desk)."""
    conf = ecpay.config()
    if conf is None:
        raise NotificationRejected("0|ECPay is not configured")
    if not ecpay.verify(params, conf.hash_key, conf.hash_iv):
        log.warning("ECPay notification with a wrong CheckMacValue for %s", params.get("MerchantTradeNo", "")[:20])
        raise NotificationRejected("0|CheckMacValue error")
    if params.get("MerchantID") != conf.merchant_id:
        raise NotificationRejected("0|MerchantID error")
    attempt = CheckoutAttempt.objects.select_related("order").filter(merchant_trade_no=params.get("MerchantTradeNo", "")).first()
    if attempt is None:
        raise NotificationRejected("0|MerchantTradeNo error")
    order = attempt.order
    trade_no = str(params.get("TradeNo", "")).strip()
    if str(params.get("RtnCode", "")).strip() != "1":
        record(order, "ecpay_not_paid", None, rtn_code=str(params.get("RtnCode", ""))[:20],
               message=str(params.get("RtnMsg", ""))[:200], trade_no=trade_no)
        return None
    if str(params.get("SimulatePaid", "0")).strip() == "1" and not ecpay.accepts_simulated():
        record(order, "ecpay_simulated_ignored", None, trade_no=trade_no)
        return None
    try:
        amount = int(str(params.get("TradeAmt", "")).strip())
    except ValueError:
        raise NotificationRejected("0|TradeAmt error")
    if amount != attempt.amount:
        raise NotificationRejected("0|TradeAmt error")
    if not trade_no:
        raise NotificationRejected("0|TradeNo error")
    try:
        return record_payment(order, amount, Method.ECPAY, trade_no, None,
                              _payment_date(params.get("PaymentDate", "")), raw=dict(params))
    except AmountMismatch:
        raise NotificationRejected("0|TradeAmt error")
    except NotPayable as error:
        # The money was taken but the order can take no payment (cancelled meanwhile, or paid by
        # another method): the desk must refund it. Repeating the notification would not help.
        record(order, "payment_refused", None, method=Method.ECPAY, reference=trade_no, amount=amount,
               reason=str(error), notification=dict(params))
        return None
    except ReferenceConflict:
        raise NotificationRejected("0|TradeNo error")


# --- what the pages show ---------------------------------------------------------------------


def payment_summary(order: Order) -> dict:
    """The payment side of an order, for the order pages and the API."""
    notice = sent_notice(order)
    approval = Approval.objects.filter(order=order).first()
    return {
        "notice": notice,
        "payments": list(order.payments.all()),
        "refunds": list(order.refunds.all()),
        "paid": paid_total(order),
        "refunded": refunded_total(order),
        "awaiting_approval": bool(approval and approval.pending and order.status == Status.PAID),
        "approval": approval,
        "payable": order.status in PAYABLE,
        "can_pay_online": can_pay_online(order),
        "can_pay_demo": can_pay_demo(order),
        "issue_blocked": order.status == Status.PAID and order.events.filter(kind="issue_blocked").exists(),
    }


__all__ = [
    # rules.py
    "DEFAULT_DUE_DAYS", "NOTICE_FROM", "PAYABLE", "PAYMENT_STAFF", "AmountMismatch", "NotPayable", "PaymentError",
    "ReferenceConflict", "approval_required_for", "bank_name", "can_pay_demo", "can_pay_online", "demo_available",
    "due_days", "online_payment_offered",
    # notices.py
    "NoticeCounts", "notice_context", "notice_for", "send_payment_notice", "send_payment_notices", "sent_notice",
    # approval.py
    "ISSUE_TASK", "after_payment", "approval_types", "awaiting_approval", "enqueue_issue_on_commit", "needs_approval",
    # here
    "NotificationRejected", "cancel", "paid_total", "pay_demo", "payment_summary", "receive_ecpay_notification",
    "record_payment", "refund", "refundable", "refunded_total", "start_checkout",
]
