"""Removing the personal data of finished orders once the retention period is over
(`sealpost shred`; PDPA: delete when the purpose ends). Whether an order was shredded is the
orders' to say (orders.events.is_shredded): the portal asks it.

An order is due when it is finished (delivered, completed, rejected, cancelled or refunded),
nothing is still being sent for it, and nothing happened to it (no event) for
settings.RETENTION_DAYS days. Shredding it:

removes
    the applicant's names, phone, e-mail, remarks, WES reference and the characters of the name
    kept for staff, the scanned form 2-07-3 (file and field); every recipient's e-mail and
    message; the recipients' download links; error texts of e-mail and WES attempts (they may
    quote an address) and the names of the files uploaded to WES (they carry the name); the raw
    payment notification or bank line; the text of refund reasons; the free text in the order's
    history (reasons, old and new addresses: only the safe details the audit trail keeps stay);
    the stored signed PDF files of the order's documents (every version); with the embedded
    default's local mailbox, the copies of the e-mails sent to the recipients;
keeps
    the order's number, type, channel, status, dates, deadlines, fees and amounts, documents
    ordered (type and language), the number of recipients, deliveries (when sent and first
    downloaded), payments (method, amount, reference), the order's history without free text;
    for each issued document its verification code, type, language, date of issue, signature
    level, revocation, and the SHA-256 of every file issued (so that a verifier holding the file
    or its code still gets "issued by us on ..., unchanged" or "revoked"); the holder's name only
    as the verification page shows it, partly masked (陳*偉, CHEN, T*-W**);
    the student record (the registrar's academic record, not the order's) and the account;
    the audit trail, untouched, with one more entry per order: ``order.shredded``.

Idempotent: a shredded order carries a "shredded" event and is never picked again. Each order
is shredded in its own transaction, its files deleted last in it, so that a crash leaves each
order either untouched (it is picked again next time) or done.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from sealpost.orders.events import SHREDDED, is_shredded
from sealpost.orders.models import Order, OrderEvent, Recipient, Status

log = logging.getLogger(__name__)

FINISHED = (Status.DELIVERED, Status.COMPLETED, Status.REJECTED, Status.CANCELLED, Status.REFUNDED)


@dataclass
class ShredReport:
    cutoff: datetime.datetime
    dry_run: bool = False
    orders: int = 0
    recipients: int = 0
    links: int = 0
    files: int = 0
    scanned_forms: int = 0
    documents: int = 0
    numbers: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "orders": self.orders, "recipients": self.recipients, "documents": self.documents,
            "files": self.files, "links": self.links, "scanned_forms": self.scanned_forms,
        }


def retention_days() -> int:
    return int(getattr(settings, "RETENTION_DAYS", 365))


def due(now: datetime.datetime | None = None, days: int | None = None):
    """The orders whose personal data is to be removed now."""
    from sealpost.delivery.models import Delivery, WESSubmission

    days = retention_days() if days is None else days
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    busy_delivery = Delivery.objects.filter(  # a revoked delivery is never sent: it keeps nothing busy
        order=OuterRef("pk"), state__in=[Delivery.State.QUEUED, Delivery.State.SENDING], revoked_at__isnull=True)
    busy_wes = WESSubmission.objects.filter(
        order=OuterRef("pk"), state__in=[WESSubmission.State.QUEUED, WESSubmission.State.UPLOADING])
    shredded = OrderEvent.objects.filter(order=OuterRef("pk"), kind=SHREDDED)
    return (
        Order.objects.filter(status__in=FINISHED, created_at__lt=cutoff)
        .annotate(last_event=Max("events__at"))
        .filter(Q(last_event__isnull=True) | Q(last_event__lt=cutoff))
        .exclude(Exists(shredded)).exclude(Exists(busy_delivery)).exclude(Exists(busy_wes))
        .order_by("created_at", "id")
    ), cutoff


def shred(*, dry_run: bool = False, now: datetime.datetime | None = None, days: int | None = None,
          actor="system") -> ShredReport:
    """Remove the personal data of every order that is due (module docstring); report counts."""
    orders, cutoff = due(now, days)
    report = ShredReport(cutoff=cutoff, dry_run=dry_run)
    for order_id in list(orders.values_list("pk", flat=True)):
        counts = _count(order_id) if dry_run else _shred_one(order_id, actor, cutoff)
        if counts is None:
            continue
        report.orders += 1
        report.numbers.append(counts.pop("number"))
        for key, value in counts.items():
            setattr(report, key, getattr(report, key) + value)
    if not dry_run and report.orders:
        log.info("shredded the personal data of %d orders finished before %s", report.orders, cutoff.date())
    return report


def _count(order_id: int) -> dict:
    from sealpost.delivery.models import DownloadLink
    from sealpost.documents.models import Document, DocumentFile

    order = Order.objects.get(pk=order_id)
    return {
        "number": order.number,
        "recipients": Recipient.objects.filter(order=order).count(),
        "links": DownloadLink.objects.filter(delivery__order=order).count(),
        "documents": Document.objects.filter(order=order).count(),
        "files": DocumentFile.objects.filter(document__order=order).count(),
        "scanned_forms": 1 if order.scanned_form else 0,
    }


def _shred_one(order_id: int, actor, cutoff) -> dict | None:
    from sealpost.audit.services import _order_event_details
    from sealpost.delivery.models import Delivery, DownloadLink, WESSubmission
    from sealpost.documents import storage
    from sealpost.documents.models import Document, DocumentFile
    from sealpost.documents.verification import mask_name_en, mask_name_zh
    from sealpost.orders import services
    from sealpost.payments.models import Payment, Refund

    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        # Checked again under the lock: something may have happened to it since it was picked.
        if order is None or order.status not in FINISHED or is_shredded(order):
            return None
        last = order.events.order_by("-at").values_list("at", flat=True).first()
        if last is not None and last >= cutoff:
            return None
        counts = _count(order_id)

        scanned = order.scanned_form.name if order.scanned_form else ""
        Order.objects.filter(pk=order.pk).update(
            name_zh="", name_en="", phone="", email="", remarks="", wes_reference_input="", wes_reference="",
            wes_conflict=[], unsupported_characters="", scanned_form="",
        )
        Recipient.objects.filter(order=order).update(email="", message="")
        DownloadLink.objects.filter(delivery__order=order).delete()
        Delivery.objects.filter(order=order).update(last_error="")
        WESSubmission.objects.filter(order=order).update(files=[], last_error="")
        Payment.objects.filter(order=order).update(raw={})
        Refund.objects.filter(order=order).update(reason="")
        for event in OrderEvent.objects.filter(order=order).exclude(details={}):
            kept = _order_event_details(event.details)
            if kept != event.details:
                OrderEvent.objects.filter(pk=event.pk).update(details=kept)
        for document in Document.objects.filter(order=order):
            Document.objects.filter(pk=document.pk).update(
                holder_name_zh=mask_name_zh(document.holder_name_zh), holder_name_en=mask_name_en(document.holder_name_en))

        # The order's history and the audit trail ("order.shredded") say when; the counts are
        # in the command's report.
        services.record(order, SHREDDED, actor if getattr(actor, "pk", None) else None)

        # Files last: were the transaction to fail after this, the order is picked again and
        # deleting a file that is gone already is a no-op.
        store = _document_storage()
        for sha256 in DocumentFile.objects.filter(document__order=order).values_list("sha256", flat=True):
            store.delete(storage.name_for(sha256))
        if scanned:
            order.scanned_form.storage.delete(scanned)
        _delete_mailbox_copies(order)
    return counts


def _delete_mailbox_copies(order) -> None:
    """With the embedded default's local mailbox (no SMTP server), the e-mails to the
    recipients are kept as files named by a hash of their Message-ID: remove them too."""
    import hashlib

    from sealpost.delivery import mailbox
    from sealpost.delivery.models import Delivery

    if getattr(settings, "EMAIL_BACKEND", "") != "sealpost.delivery.mailbox.MailboxBackend":
        return
    folder = mailbox.mailbox_dir()
    if not folder.is_dir():
        return
    for message_id in Delivery.objects.filter(order=order).values_list("message_id", flat=True):
        digest = hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()[:16]
        for path in folder.glob(f"*-{digest}.eml"):
            path.unlink(missing_ok=True)


def _document_storage():
    from django.core.files.storage import storages

    return storages["documents"]
