"""After the payment: an officer's approval where the registrar requires one, else the hand-off
to issuance.

Payments sit below issuance (docs/architecture.md) and do not import it: a paid order's
issuance is started by name, by queueing the task ISSUE_TASK through sealpost.tasks when the
payment commits. The issuance app does the rest (issuance.services.issue_paid: exactly once,
retried with backoff, swept up when lost), and an officer's approval issues there too
(issuance.services.approve).
"""

from __future__ import annotations

from sealpost import tasks
from sealpost.orders.models import Order, Status
from sealpost.orders.services import record
from sealpost.payments.models import Approval
from sealpost.payments.rules import approval_required_for

# The issuance task, by name (sealpost.tasks). Also the name kept with each queued task in the
# task queue's table: see docs/operations.md before renaming it.
ISSUE_TASK = "sealpost.issuance.tasks.issue_order_task"


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
    documents, otherwise have the worker issue (the task ISSUE_TASK, enqueued when the payment
    is committed: recording a payment never waits for rendering and signing)."""
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
    the enqueue loses nothing: the worker's sweeper (issuance.services.sweep_unissued) queues it
    again."""
    tasks.enqueue_on_commit(ISSUE_TASK, order.pk)
