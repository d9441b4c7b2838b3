"""Issuing an order's documents, and revoking a document."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sealpost.documents import storage
from sealpost.documents.models import Document, DocumentFile
from sealpost.orders.models import Order, Status
from sealpost.orders.services import record, transition


class IssueError(Exception):
    """Issuance cannot go on; the message says why, for the person who asked."""


ISSUABLE = {Status.PAID, Status.ISSUED}


def issue_order(order: Order, actor=None, *, now=None) -> list[Document]:
    """Render, sign and store every document of a paid order. Issuing again returns the
    documents already issued and makes none twice."""
    from sealpost.documents import rendering, signing

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
            issued_by=actor if getattr(actor, "pk", None) else None, demo=signing.is_demo(),
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
    # does the scheduling of the e-mails to the recipients (idempotent).
    from sealpost.delivery.services import schedule_on_commit

    schedule_on_commit(order)
    return documents


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
