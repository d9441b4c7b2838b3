"""Payments: the payment notice, recording payments from every channel, what follows a payment
(approval, issuance), refunds, and ECPay's notifications.

Plain functions; the views, the API and the ``reconcile`` command only translate between their
inputs and these. Every change of an order's status goes through orders.services.transition.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sealpost.accounts.models import Role
from sealpost.orders.models import Channel, Order, Status
from sealpost.orders.services import record, transition
from sealpost.payments import ecpay, virtual_accounts
from sealpost.payments.models import Approval, CheckoutAttempt, Method, Payment, PaymentNotice, Refund

log = logging.getLogger(__name__)

# An order can be paid while it waits for its notice (the applicant paying online at once) or
# after the notice; a notice is sent while the order is submitted or under review.
PAYABLE = {Status.SUBMITTED, Status.UNDER_REVIEW, Status.AWAITING_PAYMENT}
NOTICE_FROM = {Status.SUBMITTED, Status.UNDER_REVIEW}
DEFAULT_DUE_DAYS = 5
# Who records payments, sends notices and refunds; auditors only read.
PAYMENT_STAFF = {Role.CLERK, Role.OFFICER}


class PaymentError(Exception):
    """A payment action that cannot be done; the message is for the person. ``field`` names the
    input at fault, when one is."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        if field:
            self.field = field


class AmountMismatch(PaymentError):
    field = "amount"


class ReferenceConflict(PaymentError):
    field = "reference"


class NotPayable(PaymentError):
    """The order cannot take a payment now (already paid, cancelled, rejected ...)."""


# --- settings ------------------------------------------------------------------------------------


def _setting(name: str, default=None):
    value = getattr(settings, name, None)
    if value in (None, ""):
        value = os.environ.get("SEALPOST_" + name)
    return default if value in (None, "") else value


def due_days() -> int:
    """Business days the applicant has to pay after the notice (PAYMENT_DUE_DAYS, default 5)."""
    return int(_setting("PAYMENT_DUE_DAYS", DEFAULT_DUE_DAYS))


def approval_required_for() -> set[str]:
    """Document types whose issuance waits for an officer's approval (APPROVAL_REQUIRED_FOR: a set,
    or a comma-separated string in the environment)."""
    value = _setting("APPROVAL_REQUIRED_FOR", set())
    if isinstance(value, str):
        value = [v for v in (part.strip() for part in value.split(",")) if v]
    return set(value)


def bank_name() -> str:
    """The bank that holds the virtual accounts, as printed on the notice (VIRTUAL_ACCOUNT_BANK)."""
    return str(_setting("VIRTUAL_ACCOUNT_BANK", ""))


def demo_available() -> bool:
    """The demonstration payment: only on a demonstration system without ECPay."""
    return bool(getattr(settings, "DEMO", False)) and not ecpay.is_configured()


def can_pay_online(order: Order) -> bool:
    return ecpay.is_configured() and order.status in PAYABLE and order.total > 0


def can_pay_demo(order: Order) -> bool:
    return demo_available() and order.status in PAYABLE


# --- the payment notice ----------------------------------------------------------------------


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
    return payment


def pay_demo(order: Order, actor=None) -> Payment:
    """The demonstration payment (no money changes hands); only where demo_available()."""
    if not demo_available():
        raise PaymentError(_("Demonstration payments are not available here."))
    return record_payment(order, order.total, Method.DEMO, f"DEMO-{order.number}", actor)


# --- after the payment: approval, issuance ---------------------------------------------------


def approval_types(order: Order) -> list[str]:
    """The order's document types that wait for an officer's approval."""
    required = approval_required_for()
    return sorted({d.document_type for d in order.documents.all()} & required)


def awaiting_approval():
    """Paid orders waiting for an officer's approval, oldest first."""
    return Order.objects.filter(status=Status.PAID, approval__approved_at__isnull=True, approval__isnull=False).order_by("approval__required_at")


def needs_approval(order: Order) -> bool:
    return Approval.objects.filter(order=order, approved_at__isnull=True).exists() and order.status == Status.PAID


def after_payment(order: Order, actor=None) -> None:
    """What follows a payment: wait for an officer where the registrar requires one for these
    documents, otherwise have the worker issue (the task ``issue_order_task``, enqueued when
    the payment is committed: recording a payment never waits for rendering and signing)."""
    order.refresh_from_db()
    if order.status != Status.PAID:
        return
    types = approval_types(order)
    if types:
        approval, created = Approval.objects.get_or_create(order=order, defaults={"document_types": types})
        if approval.pending:
            if created:
                record(order, "awaiting_approval", None, document_types=types)
            return
    enqueue_issue_on_commit(order)


def enqueue_issue_on_commit(order: Order) -> None:
    """Queue the issuance of a paid order for the worker once the transaction commits. Losing
    the enqueue loses nothing: the worker's sweeper (sweep_unissued) queues it again."""
    from sealpost.delivery.services import enqueue_task
    from sealpost.documents.tasks import issue_order_task

    order_id = order.pk
    transaction.on_commit(lambda: enqueue_task(issue_order_task, order_id))


def issue_paid(order_id: int, actor=None) -> str:
    """The issuance task's work: issue a paid order exactly once, however often it is run and by
    however many workers. An order no longer paid (issued, refunded ...) or waiting for an
    officer is left alone. A refusal (a hold, a name no font can draw) is recorded on the order
    as "issue_blocked" for the desk; an unexpected failure (a full disk, the database, the
    signing key) as "issue_failed", which the sweeper retries with backoff (issue_failed).
    Answers "issued", "blocked", "failed", "not paid", "awaiting approval" or "missing".

    Where the database locks rows (PostgreSQL), the order row stays locked while it is issued:
    a second run waits, then finds it issued. SQLite has no row lock, only the whole database's
    write lock, and holding that while documents are rendered and signed would stall every
    other writer (the web, the other workers) for as long; there the status is checked, and
    issue_order is idempotent by itself (one document per kind, enforced by the database; the
    order moves to issued once, under the write lock)."""
    from django.db import connection

    lock_row = connection.features.has_select_for_update
    try:
        with transaction.atomic() if lock_row else contextlib.nullcontext():
            order = Order.objects.select_for_update().filter(pk=order_id).first() if lock_row else \
                Order.objects.filter(pk=order_id).first()
            if order is None:
                return "missing"
            if order.status != Status.PAID:
                return "not paid"
            if needs_approval(order):
                return "awaiting approval"
            documents = issue(order, actor)
    except Exception as error:  # the database failed under us: nothing was kept, say why
        log.exception("issuing order id %s failed", order_id)
        order = Order.objects.filter(pk=order_id).first()
        if order is not None and order.status == Status.PAID:
            issue_failed(order, actor, error)
        return "failed"
    return "issued" if documents is not None else "blocked"


# Paid orders older than this with no issuance under way are queued again by the sweeper; an
# issuance task running for longer than the delivery lease is taken for one whose worker died.
UNISSUED_AFTER = datetime.timedelta(minutes=2)


def _issuance_under_way(now) -> set[int] | None:
    """Order ids with an issuance task waiting or running (database queue only; None where the
    queue cannot be inspected, and then the sweeper leaves issuance alone)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from sealpost.delivery.services import lease
    from sealpost.documents.tasks import issue_order_task

    if not isinstance(issue_order_task.get_backend(), DatabaseBackend):
        return None
    rows = DBTaskResult.objects.filter(task_path=issue_order_task.module_path).filter(
        Q(status="READY") | Q(status="RUNNING", started_at__gt=now - lease()))
    return {row["args"][0] for row in rows.values_list("args_kwargs", flat=True) if row.get("args")}


def sweep_unissued(now=None) -> int:
    """Queue again the issuance of paid orders that should have been issued by now: the enqueue
    was lost, or a worker died while issuing. Orders waiting for an officer, orders whose
    issuance was blocked (the desk deals with those) and orders whose task is still waiting or
    running are left alone. Answers how many were queued."""
    from sealpost.delivery.services import enqueue_task
    from sealpost.documents.tasks import issue_order_task

    now = now or timezone.now()
    under_way = _issuance_under_way(now)
    if under_way is None:
        return 0
    stale = (Order.objects.filter(status=Status.PAID, paid_at__lt=now - UNISSUED_AFTER)
             .exclude(approval__approved_at__isnull=True, approval__isnull=False)
             .exclude(events__kind="issue_blocked").values_list("pk", flat=True).distinct())
    count = 0
    for order_id in stale:
        if order_id not in under_way and _retry_due(order_id, now):
            enqueue_task(issue_order_task, order_id)
            count += 1
    return count


def issue_failed(order: Order, actor, error: Exception) -> None:
    """Record an unexpected failure to issue. The sweeper tries again after a backoff that
    doubles with each failure (as for e-mails); after DELIVERY_MAX_ATTEMPTS failures the order
    is blocked for the desk instead."""
    reason = f"{type(error).__name__}: {error}"[:300]
    failures = order.events.filter(kind="issue_failed").count() + 1
    if failures >= settings.DELIVERY_MAX_ATTEMPTS:
        record(order, "issue_blocked", actor, reason=reason, failures=failures)
    else:
        record(order, "issue_failed", actor, reason=reason, failures=failures)


def _retry_due(order_id: int, now) -> bool:
    """Whether an order whose issuance failed has waited out its backoff (orders that never
    failed are due at once)."""
    from sealpost.delivery.services import backoff
    from sealpost.orders.models import OrderEvent

    failed = OrderEvent.objects.filter(order_id=order_id, kind="issue_failed")
    last = failed.order_by("-at", "-id").values_list("at", flat=True).first()
    return last is None or last + backoff(failed.count()) <= now


def issue(order: Order, actor=None):
    """Issue the order's documents; on failure record why and answer None."""
    from sealpost.documents.services import IssueError, issue_order

    try:
        return issue_order(order, actor)  # which also schedules the delivery
    except IssueError as error:
        record(order, "issue_blocked", actor, reason=str(error))
    except Exception as error:  # rendering, signing, storage: the payment stands, the worker retries
        log.exception("issuing order %s after payment failed", order.number)
        issue_failed(order, actor, error)
    finally:
        order.refresh_from_db()
    return None


def approve(order: Order, officer) -> list | None:
    """An officer approves the issuance of a paid order that waits for approval, and it is issued.
    Approving again retries the issuance (after a hold was lifted, say)."""
    if getattr(officer, "role", None) != Role.OFFICER:
        raise PaymentError(_("Only a registrar officer can approve issuance."))
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        approval = Approval.objects.select_for_update().filter(order=locked).first()
        if approval is None:
            raise PaymentError(_("Order %(number)s does not wait for approval.") % {"number": locked.number})
        if locked.status != Status.PAID:
            raise PaymentError(_("Order %(number)s cannot be approved: it is %(status)s.") % {
                "number": locked.number, "status": locked.get_status_display()})
        if approval.pending:
            approval.approved_at = timezone.now()
            approval.approved_by = officer
            approval.save(update_fields=["approved_at", "approved_by"])
            record(locked, "approved", officer, document_types=approval.document_types)
    return issue(order, officer)


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
