"""An order's deadlines, counted in business days (sealpost.workdays).

The seed's promises: a payment notice within 1 business day of submission, the documents within
3 business days of payment, and WES's confirmation followed up 2 business days after upload.
"""

from __future__ import annotations

from django.utils import timezone

from sealpost.orders.models import Order, Status

PAYMENT_NOTICE_DAYS = 1
DISPATCH_DAYS = 3
WES_FOLLOWUP_DAYS = 2

WAITING_FOR_NOTICE = {Status.SUBMITTED, Status.UNDER_REVIEW}
WAITING_FOR_DISPATCH = {Status.PAID, Status.ISSUED}


def _after(moment, days: int):
    from sealpost.workdays.services import add_business_days

    return add_business_days(timezone.localdate(moment), days)


def update(order: Order) -> Order:
    """Set the order's deadlines from its dates and status (does not save)."""
    order.payment_notice_due = _after(order.created_at or timezone.now(), PAYMENT_NOTICE_DAYS)
    order.dispatch_due = _after(order.paid_at, DISPATCH_DAYS) if order.paid_at else None
    order.wes_followup_due = _after(order.wes_uploaded_at, WES_FOLLOWUP_DAYS) if order.wes_uploaded_at else None
    order.next_deadline = None
    if order.status in WAITING_FOR_NOTICE and not order.payment_notice_sent_at:
        order.next_deadline = order.payment_notice_due
    elif order.status in WAITING_FOR_DISPATCH:
        order.next_deadline = order.dispatch_due
    elif order.wes_uploaded_at and order.status != Status.COMPLETED:
        order.next_deadline = order.wes_followup_due
    return order


def recompute_open_orders() -> int:
    """After a closure is added or removed: every open order's deadlines again."""
    count = 0
    for order in Order.objects.exclude(status__in=[Status.COMPLETED, Status.REJECTED, Status.CANCELLED, Status.REFUNDED]).iterator():
        before = (order.payment_notice_due, order.dispatch_due, order.wes_followup_due, order.next_deadline)
        update(order)
        if before != (order.payment_notice_due, order.dispatch_due, order.wes_followup_due, order.next_deadline):
            order.save(update_fields=["payment_notice_due", "dispatch_due", "wes_followup_due", "next_deadline"])
            count += 1
    return count
