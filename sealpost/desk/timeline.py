"""An order's full history for staff: every event with its time, who, the change of status and its
details in words."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sealpost.documents.types import DocumentType
from sealpost.orders import events
from sealpost.orders.models import Channel, Order, Status
from sealpost.orders.templatetags.orders import ntd

# Kinds the orders app does not name (yet); other unknown kinds read as their words.
EXTRA_LABELS = {
    "hold_released": gettext_lazy("Hold on the student record released"),
}

DETAIL_LABELS = {
    "reason": gettext_lazy("Reason"),
    "position": gettext_lazy("Recipient"),
    "old": gettext_lazy("Before"),
    "new": gettext_lazy("After"),
    "links_stopped": gettext_lazy("Links to the old address stopped"),
    "references": gettext_lazy("WES reference numbers"),
    "characters": gettext_lazy("Characters"),
    "channel": gettext_lazy("Channel"),
    "code": gettext_lazy("Verification code"),
    "documents": gettext_lazy("Documents"),
    "reference": gettext_lazy("Reference"),
    "office": gettext_lazy("Office"),
    "amount": gettext_lazy("Amount"),
    "method": gettext_lazy("Method"),
    "error": gettext_lazy("Error"),
    "virtual_account": gettext_lazy("Virtual account"),
    "due_date": gettext_lazy("Due date"),
    "document_types": gettext_lazy("Documents"),
    "recipient": gettext_lazy("Recipient"),
    "recipients": gettext_lazy("Recipients"),
    "message_id": gettext_lazy("Message ID"),
    "payment": gettext_lazy("Payment"),
    "version": gettext_lazy("Version"),
    "files": gettext_lazy("Files"),
    "by": gettext_lazy("By"),
    "action": gettext_lazy("Action"),
    "demo": gettext_lazy("Demonstration"),
    "delivery": gettext_lazy("Delivery"),
    "problem": gettext_lazy("Problem"),
    "trade_no": gettext_lazy("ECPay trade number"),
    "rtn_code": gettext_lazy("ECPay result code"),
    "message": gettext_lazy("Message"),
    "notification": gettext_lazy("Notification"),
    "failures": gettext_lazy("Failures"),
    "hold": gettext_lazy("Hold"),
    "uncertain": gettext_lazy("Uncertain hand-over"),
}

# Words some details hold, in the reader's language.
VALUE_LABELS = {
    "by": {"applicant": gettext_lazy("the applicant"), "staff": gettext_lazy("staff")},
    "action": {"held": gettext_lazy("held for staff"), "resent": gettext_lazy("sent again")},
    "uncertain": {"found": gettext_lazy("found in the mailbox")},
}


@dataclass
class Entry:
    at: object
    label: str
    actor: str
    from_status: str
    to_status: str
    details: list[tuple[str, str]]


def event_label(kind: str) -> str:
    label = events.label(kind)
    if label != kind:
        return str(label)
    if kind in EXTRA_LABELS:
        return str(EXTRA_LABELS[kind])
    if kind in Status.values:
        return str(Status(kind).label)
    return kind.replace("_", " ").capitalize()


def status_label(value: str) -> str:
    return str(Status(value).label) if value in Status.values else value


def _text(key: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key in VALUE_LABELS and isinstance(value, str) and value in VALUE_LABELS[key]:
        return str(VALUE_LABELS[key][value])
    if key == "problem" and isinstance(value, str):
        from sealpost.delivery.models import WES_PROBLEMS

        return str(WES_PROBLEMS.get(value, value))
    if key == "channel" and value in Channel.values:
        return str(Channel(value).label)
    if key == "amount" and isinstance(value, int):
        return ntd(value)
    if key == "method" and isinstance(value, str):
        from sealpost.payments.models import Method

        return str(Method(value).label) if value in Method.values else value
    if key == "document_types" and isinstance(value, list):
        return ", ".join(str(DocumentType(v).label) if v in DocumentType.values else str(v) for v in value)
    if isinstance(value, (list, tuple)):
        return ", ".join(_text("", v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(k, v)}" for k, v in value.items())
    return str(value)


def actor_text(actor) -> str:
    if actor is None:
        return _("System")
    role = actor.get_role_display()
    return f"{actor.email} ({role})"


def timeline(order: Order) -> list[Entry]:
    entries = []
    for event in order.events.select_related("actor").order_by("at", "id"):
        details = [(str(DETAIL_LABELS.get(key, key.replace("_", " ").capitalize())), _text(key, value))
                   for key, value in (event.details or {}).items()]
        entries.append(Entry(
            at=event.at, label=event_label(event.kind), actor=actor_text(event.actor),
            from_status=status_label(event.from_status) if event.from_status else "",
            to_status=status_label(event.to_status) if event.to_status else "",
            details=details,
        ))
    return entries
