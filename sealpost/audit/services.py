"""Writing the audit trail and checking that it is intact.

What goes in an entry: who (the account, and the staff member's e-mail and role at the time),
what (an action such as "order.paid"), on what (an order number, a verification code, an
account number) and a few details. No other personal data: never names, national IDs, birth
dates, phone numbers, recipients' e-mail addresses or free text that people typed. The trail
cannot be edited, so whatever is written here stays for good.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sealpost.audit.models import GENESIS, HEAD_ID, AuditEntry, AuditHead, digest

# What the trail records, and how it reads on the desk. Order events not listed here are
# recorded as "order.<kind>" and read as in the order's history.
ACTIONS = {
    "order.submitted": gettext_lazy("Order submitted"),
    "order.under_review": gettext_lazy("Order taken under review"),
    "order.awaiting_payment": gettext_lazy("Payment notice sent"),
    "order.paid": gettext_lazy("Order paid"),
    "order.issued": gettext_lazy("Order issued"),
    "order.delivered": gettext_lazy("Order delivered"),
    "order.completed": gettext_lazy("Order completed"),
    "order.rejected": gettext_lazy("Order rejected"),
    "order.cancelled": gettext_lazy("Order cancelled"),
    "order.refunded": gettext_lazy("Order refunded"),
    "order.recipient_corrected": gettext_lazy("Recipient address corrected"),
    "payment.recorded": gettext_lazy("Payment recorded"),
    "document.issued": gettext_lazy("Document issued"),
    "document.downloaded": gettext_lazy("Document downloaded"),
    "document.revoked": gettext_lazy("Document revoked"),
    "staff.signed_in": gettext_lazy("Staff signed in"),
    "staff.sign_in_failed": gettext_lazy("Staff sign-in failed"),
    "account.locked": gettext_lazy("Sign-in paused after repeated failures"),
    "personal_data.exported": gettext_lazy("Personal data exported (access request)"),
}


OBJECT_TYPES = {
    "order": gettext_lazy("Order"),
    "document": gettext_lazy("Document"),
    "payment": gettext_lazy("Payment"),
    "user": gettext_lazy("Account"),
}


def object_type_label(object_type: str) -> str:
    return str(OBJECT_TYPES.get(object_type, object_type))


# How the actions of a kind not listed in ACTIONS read, by prefix: the audit trail sits at the
# bottom (every area writes to it) and imports none of them, so an area that records actions of
# its own kinds registers here how they read (the orders app, in OrdersConfig.ready: "order."
# followed by the kind of an order event reads as in the order's history, orders.events.label).
LABELS_BY_PREFIX: dict[str, Callable[[str], object]] = {}


def register_labels(prefix: str, label: Callable[[str], object]) -> None:
    """Have the actions "<prefix><kind>" not in ACTIONS read as ``label(kind)``."""
    LABELS_BY_PREFIX[prefix] = label


def action_label(action: str) -> str:
    if action in ACTIONS:
        return str(ACTIONS[action])
    for prefix, label in LABELS_BY_PREFIX.items():
        if action.startswith(prefix):
            return str(label(action.removeprefix(prefix)))
    return action


# --- writing ------------------------------------------------------------------------------


def plain(value):
    """A value as plain JSON (dicts, lists, str, int, bool, None) that reads back from any
    database exactly as it was hashed. Floats and decimals become strings (PostgreSQL's jsonb
    would print 1e20 back as 100000000000000000000), times ISO 8601."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str.__str__(value)  # a plain str, also for TextChoices members
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((plain(v) for v in value), key=repr)
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return value.astimezone(datetime.timezone.utc).isoformat()
    if isinstance(value, (datetime.date, datetime.time, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (float, decimal.Decimal, Promise)):
        return str(value)
    return str(value)


def describe_actor(actor) -> tuple[int | None, str]:
    """The account id and the label kept with an entry. Staff are named by e-mail and role;
    an applicant only by role and account id (their address is personal data that the trail
    could never erase). A string names a system actor ("ecpay", "worker")."""
    if isinstance(actor, str):
        return None, actor[:200]
    pk = getattr(actor, "pk", None)
    if pk is None:
        return None, "system"
    role = str.__str__(getattr(actor, "role", "") or "user")
    if getattr(actor, "is_staff_member", False):
        return pk, f"{actor.email} ({role})"[:200]
    return pk, role


def _advance_head(using: str) -> tuple[int, str]:
    """Take the lock on the head row and the next number. The UPDATE comes first: it locks
    the row on PostgreSQL (waiting for any other appender to commit) and takes the write lock
    on SQLite before anything is read, so two workers never read the same head."""
    heads = AuditHead.objects.using(using)
    if not heads.filter(pk=HEAD_ID).update(seq=F("seq") + 1):
        last = AuditEntry.objects.using(using).order_by("-seq").values_list("seq", "hash").first()
        try:
            with transaction.atomic(using=using):
                heads.create(pk=HEAD_ID, seq=last[0] if last else 0, hash=last[1] if last else GENESIS)
        except IntegrityError:
            pass  # created by another worker meanwhile
        heads.filter(pk=HEAD_ID).update(seq=F("seq") + 1)
    head = heads.get(pk=HEAD_ID)
    return head.seq, head.hash


def append(action: str, *, actor=None, object_type: str = "", object_id: str = "", **details) -> AuditEntry:
    """Add one entry to the trail and return it.

    Called inside a transaction, the entry is part of it: written if the change it records is
    committed, gone (and its number free again) if that is rolled back. Appends are serialised
    by a lock on the head row held until the end of the transaction, so call this after
    locking the rows you change, and keep the transaction short.

    details must not carry personal data (see the module's docstring)."""
    actor_id, actor_label = describe_actor(actor)
    details = plain(details)
    using = router.db_for_write(AuditEntry)
    with transaction.atomic(using=using):
        seq, prev_hash = _advance_head(using)
        entry = AuditEntry(
            seq=seq, at=timezone.now(), actor_id=actor_id, actor_label=actor_label, action=action,
            object_type=object_type, object_id=str(object_id)[:64], details=details, prev_hash=prev_hash,
        )
        entry.hash = entry.compute_hash()
        entry.save(using=using)
        AuditHead.objects.using(using).filter(pk=HEAD_ID).update(hash=entry.hash)
    return entry


# Details of order events copied into the trail; the values of any others (reasons typed by
# people, old and new e-mail addresses, characters of a name) are left out and only their
# names noted under "withheld".
ORDER_EVENT_DETAILS = {
    "amount", "channel", "code", "codes", "demo", "document_types", "documents", "due_date", "links_stopped",
    "method", "office", "payment", "position", "reference", "references", "rtn_code", "trade_no", "virtual_account",
}


def _order_event_details(details: dict) -> dict:
    kept, withheld = {}, []
    for key, value in (details or {}).items():
        values = value if isinstance(value, (list, tuple)) else [value]
        safe = key in ORDER_EVENT_DETAILS and all(
            v is None or isinstance(v, (bool, int)) or (isinstance(v, str) and "@" not in v and len(v) <= 100)
            for v in values
        )
        if safe:
            kept[key] = value
        else:
            withheld.append(key)
    if withheld:
        kept["withheld"] = sorted(withheld)
    return kept


def record_order_event(event):
    """The audit entries for an order event (sealpost.orders.services.record calls this for
    every event, in the same transaction). Returns the event."""
    with transaction.atomic(using=router.db_for_write(AuditEntry)):  # an event's entries: all or none
        _record_order_event(event)
    return event


def _record_order_event(event) -> None:
    order = event.order
    details = dict(event.details or {})
    actor = event.actor
    if event.kind == "document_revoked":
        append("document.revoked", actor=actor, object_type="document", object_id=details.get("code", ""),
               order=order.number, **_order_event_details({k: v for k, v in details.items() if k != "code"}))
        return
    transition = {k: v for k, v in (("from", event.from_status), ("to", event.to_status)) if v}
    append(f"order.{event.kind}", actor=actor, object_type="order", object_id=order.number,
           **transition, **_order_event_details(details))
    # The documents issued and the payment recorded, each under its own code, so that
    # filtering by a verification code or a payment shows its whole story.
    if event.kind == "issued":
        for code in details.get("documents") or []:
            append("document.issued", actor=actor, object_type="document", object_id=code, order=order.number)
    if event.kind == "paid" and details.get("payment"):
        append("payment.recorded", actor=actor, object_type="payment", object_id=details["payment"], order=order.number,
               **_order_event_details({k: v for k, v in details.items() if k in {"amount", "method", "reference", "demo"}}))


def document_downloaded(document, *, actor=None, via: str, **details) -> AuditEntry:
    """A signed file handed out: via "portal" (the applicant), "desk" (staff) or a
    recipient's link. Name a recipient by position, never by address."""
    if not getattr(actor, "is_authenticated", True):
        actor = None
    order_number = document.order.number if document.order_id else ""
    return append("document.downloaded", actor=actor, object_type="document", object_id=document.verification_code,
                  via=via, order=order_number, **details)


# --- checking -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """The answer of verify_chain. ok: the chain is intact; count: entries checked;
    first_broken: the number of the first entry that is wrong or missing; reason: one of
    REASONS; at and action: of that entry (for a gap: of the entry after the missing one)."""

    ok: bool
    count: int
    first_broken: int | None = None
    reason: str = ""
    at: datetime.datetime | None = None
    action: str = ""
    last_hash: str = GENESIS

    @property
    def message(self) -> str:
        if self.ok:
            return _("Intact: %(count)d entries.") % {"count": self.count}
        explain = str(REASONS.get(self.reason, self.reason))
        if self.reason == "gap":
            return _("Broken: entry %(seq)d is missing; the next entry is from %(at)s (%(action)s). %(why)s") % {
                "seq": self.first_broken, "at": self._when(), "action": self.action, "why": explain}
        if self.first_broken is None:
            return _("Broken: %(why)s") % {"why": explain}
        if self.at is None:
            return _("Broken at entry %(seq)d. %(why)s") % {"seq": self.first_broken, "why": explain}
        return _("Broken at entry %(seq)d from %(at)s (%(action)s). %(why)s") % {
            "seq": self.first_broken, "at": self._when(), "action": self.action, "why": explain}

    def _when(self) -> str:
        return timezone.localtime(self.at).isoformat(timespec="seconds") if self.at else ""


REASONS = {
    "hash_mismatch": gettext_lazy("Hash mismatch: the entry was changed after it was written."),
    "prev_hash_mismatch": gettext_lazy(
        "Previous-hash mismatch: the entry does not follow the one before it (an entry before it was "
        "rewritten, or this one was inserted)."),
    "gap": gettext_lazy("Gap in the numbers: an entry was removed."),
    "tail_missing": gettext_lazy("The last entries were removed: the trail ends before the number it reached."),
    "head_mismatch": gettext_lazy("The last entry is not the one the trail ended with: it was replaced."),
    "head_missing": gettext_lazy("The record of the last entry is missing, so removed entries at the end cannot be ruled out."),
}

_FIELDS = ("seq", "at", "actor_id", "actor_label", "action", "object_type", "object_id", "details", "prev_hash", "hash")


def verify_chain(*, chunk_size: int = 2000) -> Result:
    """Recompute every entry's hash and follow the chain from the first entry to the last,
    streaming (memory does not grow with the trail). Reads no more than the entries that were
    committed when it started, so that it can run while others append."""
    using = router.db_for_read(AuditEntry)
    head = AuditHead.objects.using(using).filter(pk=HEAD_ID).values_list("seq", "hash").first()
    rows = AuditEntry.objects.using(using).order_by("seq")
    if head is not None:
        rows = rows.filter(seq__lte=head[0])
    expected, prev_hash, count = 1, GENESIS, 0
    for row in rows.values_list(*_FIELDS).iterator(chunk_size=chunk_size):
        entry = dict(zip(_FIELDS, row))
        stored = entry.pop("hash")
        seq, at, action = entry["seq"], entry["at"], entry["action"]
        if seq != expected:
            return Result(False, count, expected, "gap", at, action, prev_hash)
        if digest(**entry) != stored:
            return Result(False, count, seq, "hash_mismatch", at, action, prev_hash)
        if entry["prev_hash"] != prev_hash:
            return Result(False, count, seq, "prev_hash_mismatch", at, action, prev_hash)
        count += 1
        expected, prev_hash = seq + 1, stored
        last_at, last_action = at, action
    if head is None:
        if count:
            return Result(False, count, None, "head_missing", last_hash=prev_hash)
        return Result(True, 0)
    if count < head[0]:
        return Result(False, count, count + 1, "tail_missing", last_hash=prev_hash)
    if head[1] != prev_hash:
        return Result(False, count, count, "head_mismatch", last_at, last_action, prev_hash)
    return Result(True, count, last_hash=prev_hash)
