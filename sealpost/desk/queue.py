"""The desk's work queue: which orders are still open, how their deadlines stand, and what the
clerk must check before issuing (holds on the record, an order that does not match the record)."""

from __future__ import annotations

import datetime
import unicodedata

from django.db.models import Exists, F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from sealpost.orders.deadlines import deadline_state
from sealpost.orders.models import ApplicantType, Order, Status
from sealpost.records.models import Hold, StudentStatus

CLOSED = {Status.COMPLETED, Status.CANCELLED, Status.REJECTED, Status.REFUNDED}
# An order the applicant can still be waiting on: a hold stops it before issuance.
BEFORE_ISSUANCE = {Status.SUBMITTED, Status.UNDER_REVIEW, Status.AWAITING_PAYMENT, Status.PAID}

def open_orders():
    return Order.objects.exclude(status__in=CLOSED)


def with_hold_flag(orders):
    """Annotate ``on_hold``: the student's record has a hold that has not been released."""
    holds = Hold.objects.filter(student=OuterRef("student"), released_at__isnull=True)
    return orders.annotate(on_hold=Exists(holds))


def with_wes_state(orders):
    """Annotate ``wes_state`` and ``wes_retry_at``: the state of the order's latest upload to WES
    (None without one) and when it is tried again (None: no automatic retry left)."""
    from sealpost.delivery.models import WESSubmission

    latest = WESSubmission.objects.filter(order=OuterRef("pk")).order_by("-version")
    return orders.annotate(wes_state=Subquery(latest.values("state")[:1]),
                           wes_retry_at=Subquery(latest.values("next_attempt_at")[:1]))


def wes_failed(orders):
    """Orders whose latest upload to WES failed (retrying or given up): the queue's WES filter."""
    return with_wes_state(orders).filter(wes_state="failed")


def by_deadline(orders):
    """The queue's order: the nearest deadline first, orders without one last, then the oldest."""
    return orders.order_by(F("next_deadline").asc(nulls_last=True), "created_at", "id")


def _latin_key(name: str) -> str:
    # Case, spacing and punctuation vary between the passport, the record and what people type
    # ("CHEN, TA-WEI", "Chen Ta-wei"): compare only the letters and digits, in order.
    return "".join(c for c in unicodedata.normalize("NFKC", name).casefold() if c.isalnum())


def _han_key(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


def mismatches(order: Order) -> list[str]:
    """Why the order does not match the student record, one sentence each, for the clerk."""
    student = order.student
    found = []
    if _latin_key(order.name_en) != _latin_key(student.name_en):
        found.append(_("The English name %(order)s differs from the name on record, %(record)s.") % {
            "order": order.name_en, "record": student.name_en or "—"})
    if order.name_zh.strip() and _han_key(order.name_zh) != _han_key(student.name_zh):
        found.append(_("The Chinese name %(order)s differs from the name on record, %(record)s.") % {
            "order": order.name_zh, "record": student.name_zh or "—"})
    ordered_as = ApplicantType(order.applicant_type).label if order.applicant_type in ApplicantType.values else order.applicant_type
    record_status = StudentStatus(student.status).label if student.status in StudentStatus.values else student.status
    if order.applicant_type == ApplicantType.ALUMNUS and student.status != StudentStatus.GRADUATED:
        found.append(_("Ordered as %(type)s, but the student record says %(status)s.") % {
            "type": ordered_as, "status": record_status})
    elif order.applicant_type in (ApplicantType.CURRENT, ApplicantType.INTERNATIONAL) and student.status != StudentStatus.CURRENT:
        found.append(_("Ordered as %(type)s, but the student record says %(status)s.") % {
            "type": ordered_as, "status": record_status})
    if order.applicant_type == ApplicantType.INTERNATIONAL and not student.international:
        found.append(_("Ordered as an international student, but the student record is not marked international."))
    elif order.applicant_type == ApplicantType.CURRENT and student.international:
        found.append(_("Ordered as a current student, but the student record is marked international."))
    return found


def deadlines(order: Order, today: datetime.date | None = None) -> list[dict]:
    """The order's three deadlines for the detail page: what is due, when, whether it is done."""
    today = today or timezone.localdate()
    dispatched = order.dispatched_at or (
        order.events.filter(kind="issued").values_list("at", flat=True).first()
        if order.status in {Status.ISSUED, Status.DELIVERED, Status.COMPLETED} else None)
    # Paid before any notice was sent (online at once, or at the counter): no notice is needed.
    paid_first = bool(order.paid_at) and not order.payment_notice_sent_at
    rows = [
        {"key": "payment_notice", "label": _("Payment notice"), "due": order.payment_notice_due,
         "done_at": order.paid_at if paid_first else order.payment_notice_sent_at,
         "done": bool(order.payment_notice_sent_at or paid_first),
         "done_label": _("not needed: paid") if paid_first else _("sent")},
        {"key": "dispatch", "label": _("Dispatch of the documents"), "due": order.dispatch_due,
         "done_at": dispatched, "done": bool(dispatched), "done_label": _("dispatched")},
        {"key": "wes_followup", "label": _("WES confirmation follow-up"), "due": order.wes_followup_due,
         "done_at": None, "done": bool(order.wes_followup_due) and order.status == Status.COMPLETED,
         "done_label": _("completed")},
    ]
    closed = order.status in CLOSED
    for row in rows:
        row["state"] = None if (row["done"] or closed) else deadline_state(row["due"], today)
        row["next"] = bool(order.next_deadline and row["due"] == order.next_deadline and not row["done"])
    return [row for row in rows if row["due"] or row["done"]]
