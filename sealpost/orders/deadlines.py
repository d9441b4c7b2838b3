"""An order's deadlines, counted in business days (sealpost.workdays).

The seed's promises: a payment notice within 1 business day of submission, the documents within
3 business days of payment, and WES's confirmation followed up 2 business days after upload.
Days are counted from the local (Asia/Taipei) date of the event; that date itself never counts.
See docs/deadlines.md.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from sealpost.orders.models import Order, Status

PAYMENT_NOTICE_DAYS = 1
DISPATCH_DAYS = 3
WES_FOLLOWUP_DAYS = 2

WAITING_FOR_NOTICE = {Status.SUBMITTED, Status.UNDER_REVIEW}
WAITING_FOR_DISPATCH = {Status.PAID, Status.ISSUED}
CLOSED_STATUSES = {Status.COMPLETED, Status.REJECTED, Status.CANCELLED, Status.REFUNDED}

DEADLINE_FIELDS = ["payment_notice_due", "dispatch_due", "wes_followup_due", "next_deadline"]

# What the next deadline is for, for the desk and the applicant's page.
KIND_LABELS = {
    "payment_notice": gettext_lazy("Payment notice"),
    "dispatch": gettext_lazy("Dispatch of the documents"),
    "wes_followup": gettext_lazy("WES confirmation follow-up"),
}


class _Counter:
    """Counts business days against one reading of the registrar's calendar, remembering the
    answers: many orders share a submission or payment date."""

    def __init__(self, overrides: dict | None = None):
        from sealpost.workdays import services as workdays

        self._add = workdays.add_business_days
        self.overrides = workdays.load_overrides() if overrides is None else overrides
        self._memo: dict[tuple[datetime.date, int], datetime.date] = {}

    def after(self, moment, days: int) -> datetime.date:
        start = timezone.localdate(moment) if isinstance(moment, datetime.datetime) else moment
        key = (start, days)
        if key not in self._memo:
            self._memo[key] = self._add(start, days, self.overrides)
        return self._memo[key]


def next_kind(order: Order) -> str | None:
    """Which deadline the order is waiting on: "payment_notice", "dispatch", "wes_followup" or None."""
    if order.status in WAITING_FOR_NOTICE and not order.payment_notice_sent_at:
        return "payment_notice"
    if order.status in WAITING_FOR_DISPATCH:
        return "dispatch"
    if order.wes_uploaded_at and order.status not in CLOSED_STATUSES:
        return "wes_followup"
    return None


def _apply(order: Order, counter: _Counter) -> Order:
    order.payment_notice_due = counter.after(order.created_at or timezone.now(), PAYMENT_NOTICE_DAYS)
    order.dispatch_due = counter.after(order.paid_at, DISPATCH_DAYS) if order.paid_at else None
    order.wes_followup_due = counter.after(order.wes_uploaded_at, WES_FOLLOWUP_DAYS) if order.wes_uploaded_at else None
    order.next_deadline = {
        "payment_notice": order.payment_notice_due,
        "dispatch": order.dispatch_due,
        "wes_followup": order.wes_followup_due,
    }.get(next_kind(order))
    return order


def update(order: Order, overrides: dict | None = None) -> Order:
    """Set the order's deadlines from its dates and status (does not save). ``overrides``: the
    registrar's calendar already read (workdays.services.load_overrides); read here otherwise."""
    return _apply(order, _Counter(overrides))


def calendar_changed(sender, **kwargs) -> int:
    """The registrar's calendar changed (sealpost.workdays.signals.calendar_changed, connected in
    orders.apps): every open order's deadlines again, in the transaction of the change."""
    return recompute_open_orders()


def recompute_open_orders(overrides: dict | None = None) -> int:
    """After a closure or an extra working day is added or removed: every open order's deadlines
    again. Returns how many orders had a deadline moved.

    The calendar is read once (or taken from ``overrides``) and the changed rows are written in
    bulk, so the cost in queries does not grow with the number of orders. The open orders are
    locked first and the calendar read after, so that a concurrent change of status (which
    locks the order too, in orders.services.transition) or another change to the calendar is
    never overwritten with deadlines counted from stale data.
    """
    with transaction.atomic():
        orders = list(
            Order.objects.select_for_update()
            .exclude(status__in=CLOSED_STATUSES)
            .only("pk", "status", "created_at", "payment_notice_sent_at", "paid_at", "wes_uploaded_at", *DEADLINE_FIELDS)
        )
        if not orders:
            return 0
        counter = _Counter(overrides)
        changed = []
        for order in orders:
            before = tuple(getattr(order, f) for f in DEADLINE_FIELDS)
            _apply(order, counter)
            if before != tuple(getattr(order, f) for f in DEADLINE_FIELDS):
                changed.append(order)
        if changed:
            Order.objects.bulk_update(changed, DEADLINE_FIELDS, batch_size=500)
        return len(changed)


def deadline_state(due_date: datetime.date | None, today: datetime.date | None = None) -> str | None:
    """For the desk's flags and the applicant's page: "late" (the day has passed), "due_today",
    "upcoming", or None when there is no deadline. ``today`` defaults to the local date."""
    if due_date is None:
        return None
    today = timezone.localdate() if today is None else today
    if due_date < today:
        return "late"
    if due_date == today:
        return "due_today"
    return "upcoming"
