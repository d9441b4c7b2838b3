"""Issuing an order's documents, and what surrounds it: the issuance task's work (exactly once,
retried with backoff, swept up when lost), an officer's approval that issues, and revoking a
document.

Issuance sits above payments and below delivery (docs/architecture.md). A payment starts it by
name (payments.approval.enqueue_issue_on_commit queues ``issuance.tasks.issue_order_task``
through sealpost.tasks); it ends by sending ``issuance.signals.documents_issued``, on which the
delivery app schedules the e-mails and the WES upload. The rendering, signing and storing are
the documents app's engine (documents.rendering, documents.signing, documents.storage).
"""

from __future__ import annotations

import contextlib
import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sealpost import tasks
from sealpost.accounts.models import Role
from sealpost.documents import storage
from sealpost.documents.models import Document, DocumentFile
from sealpost.issuance.signals import documents_issued
from sealpost.orders.models import Order, OrderEvent, Status
from sealpost.orders.services import record, transition
from sealpost.payments.approval import ISSUE_TASK, needs_approval
from sealpost.payments.models import Approval
from sealpost.payments.rules import PaymentError

log = logging.getLogger(__name__)


class IssueError(Exception):
    """Issuance cannot go on; the message says why, for the person who asked."""


ISSUABLE = {Status.PAID, Status.ISSUED}


# --- issuing ----------------------------------------------------------------------------------


def issue_order(order: Order, actor=None, *, now=None) -> list[Document]:
    """Render, sign and store every document of a paid order. Issuing again returns the
    documents already issued and makes none twice."""
    from sealpost.documents import keys, rendering, signing

    order = Order.objects.select_related("student").get(pk=order.pk)
    if order.status not in ISSUABLE:
        raise IssueError(_("Order %(number)s cannot be issued: it is %(status)s.") % {
            "number": order.number, "status": order.get_status_display()})
    holds = list(order.student.active_holds())
    if holds:
        raise IssueError(_("Order %(number)s is on hold: %(reasons)s.") % {
            "number": order.number, "reasons": "; ".join(h.reason for h in holds)})
    issued_at = (now or timezone.now()).replace(microsecond=0)
    documents = []
    for wanted in order.documents.all():
        existing = Document.objects.filter(order=order, document_type=wanted.document_type, language=wanted.language).first()
        if existing:
            documents.append(existing)
            continue
        document = Document(
            order=order, student=order.student, document_type=wanted.document_type, language=wanted.language,
            holder_name_zh=order.name_zh, holder_name_en=order.name_en, issued_at=issued_at,
            issued_by=actor if getattr(actor, "pk", None) else None, demo=keys.is_demo(),
            signature_level="B-LTA" if settings.SIGNATURE_LTA else "B-LT",
        )
        try:
            data = rendering.document_data(document)
            pdf = rendering.render(document.document_type, document.language, data)
        except rendering.MissingGlyphs as missing:
            raise IssueError(_("Order %(number)s cannot be issued: no document font can draw %(chars)s in the name.") % {
                "number": order.number, "chars": ", ".join(missing.described())}) from missing
        signed = signing.sign(pdf, lta=settings.SIGNATURE_LTA)
        sha256 = storage.put(signed)
        try:
            with transaction.atomic():
                document.save()
                DocumentFile.objects.create(document=document, sha256=sha256, size=len(signed))
        except IntegrityError:  # issued by another worker meanwhile: keep theirs
            document = Document.objects.get(order=order, document_type=wanted.document_type, language=wanted.language)
        documents.append(document)
    with transaction.atomic():
        if Order.objects.select_for_update().get(pk=order.pk).status == Status.PAID:
            transition(order, Status.ISSUED, actor, kind="issued", documents=[d.verification_code for d in documents])
    # Every way of issuing (payment, approval, a released hold, the command) ends here, and so
    # does the scheduling of the e-mails to the recipients and of the WES upload (idempotent):
    # the delivery app listens (signals.documents_issued).
    documents_issued.send(sender=Order, order=order)
    return documents


def issue(order: Order, actor=None):
    """Issue the order's documents; on failure record why and answer None."""
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


# --- the issuance task: exactly once, retried, swept up ---------------------------------------


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

    issue_order_task = tasks.resolve(ISSUE_TASK)
    if not isinstance(issue_order_task.get_backend(), DatabaseBackend):
        return None
    rows = DBTaskResult.objects.filter(task_path=issue_order_task.module_path).filter(
        Q(status="READY") | Q(status="RUNNING", started_at__gt=now - tasks.lease()))
    return {row["args"][0] for row in rows.values_list("args_kwargs", flat=True) if row.get("args")}


def sweep_unissued(now=None) -> int:
    """Queue again the issuance of paid orders that should have been issued by now: the enqueue
    was lost, or a worker died while issuing. Orders waiting for an officer, orders whose
    issuance was blocked (the desk deals with those) and orders whose task is still waiting or
    running are left alone. Answers how many were queued."""
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
            tasks.enqueue(ISSUE_TASK, order_id)
            count += 1
    return count


def _retry_due(order_id: int, now) -> bool:
    """Whether an order whose issuance failed has waited out its backoff (orders that never
    failed are due at once)."""
    failed = OrderEvent.objects.filter(order_id=order_id, kind="issue_failed")
    last = failed.order_by("-at", "-id").values_list("at", flat=True).first()
    return last is None or last + tasks.backoff(failed.count()) <= now


# --- an officer's approval --------------------------------------------------------------------


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


# --- revoking ---------------------------------------------------------------------------------


@transaction.atomic
def revoke(document: Document, actor, reason: str) -> Document:
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.is_revoked:
        return document
    reason = reason.strip()
    if not reason:
        raise IssueError(_("Give the reason for revoking the document."))
    document.revoked_at = timezone.now()
    document.revoked_reason = reason[:300]
    document.revoked_by = actor if getattr(actor, "pk", None) else None
    document.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
    if document.order_id:
        record(document.order, "document_revoked", actor, code=document.verification_code, reason=document.revoked_reason)
    return document
