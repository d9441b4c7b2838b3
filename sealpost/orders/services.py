"""Placing, reviewing and cancelling orders; the rules for correcting their recipients."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from sealpost.documents import fonts
from sealpost.orders import fees, wes
from sealpost.orders.models import Channel, FeeLine, Order, OrderDocument, OrderEvent, Recipient, Status


class OrderError(Exception):
    """A request that the order's state does not allow; the message is for the person."""


@dataclass
class Draft:
    """An order as typed, before it is placed. Survives a JSON round trip (the session)."""

    applicant_type: str
    documents: list[tuple[str, str]]
    name_en: str
    phone: str
    email: str
    recipients: list[tuple[str, str]]
    name_zh: str = ""
    remarks: str = ""
    wes_reference: str = ""
    language: str = "zh-hant"

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Draft":
        data = dict(data)
        data["documents"] = [tuple(d) for d in data["documents"]]
        data["recipients"] = [tuple(r) for r in data["recipients"]]
        return cls(**data)

    @classmethod
    def from_forms(cls, form, formset, language: str) -> "Draft":
        data = form.cleaned_data
        return cls(
            applicant_type=data["applicant_type"],
            documents=[tuple(v.split(":", 1)) for v in data["documents"]],
            name_zh=data["name_zh"],
            name_en=data["name_en"],
            phone=data["phone"],
            email=data["email"],
            remarks=data["remarks"],
            wes_reference=data["wes_reference"],
            recipients=[(f.cleaned_data["email"], f.cleaned_data["message"]) for f in formset.forms if f.cleaned_data],
            language=language,
        )


@dataclass
class Review:
    """What the applicant sees before committing: fee, WES reference and warnings."""

    lines: list[fees.Line]
    total: int
    wes_reference: str
    wes_conflict: list[str]
    unsupported_characters: list[str] = field(default_factory=list)
    # Where the WES reference was found (orders.wes.Mention), and each place's number when places
    # disagree: "1234567 (from recipient 1's message)".
    wes_source: wes.Mention | None = None
    wes_places: list[wes.Mention] = field(default_factory=list)


def review(draft: Draft) -> Review:
    lines = fees.fee_lines(draft.documents, len(draft.recipients))
    found = wes.mentions(draft.wes_reference, draft.remarks, [m for _, m in draft.recipients])
    reference, conflict = wes.resolve(draft.wes_reference, draft.remarks, [m for _, m in draft.recipients])
    return Review(
        lines=lines,
        total=fees.total(lines),
        wes_reference=reference,
        wes_conflict=conflict,
        unsupported_characters=fonts.missing_characters(draft.name_zh),
        wes_source=wes.source(found),
        wes_places=wes.disagreeing(found),
    )


def record(order: Order, kind: str, actor=None, *, from_status: str = "", to_status: str = "", **details) -> OrderEvent:
    """Add an event to the order's history and to the audit trail. The trail's head row stays
    locked until the transaction ends: a transaction that also locks the order must lock it
    before calling this, never after (two workers deadlock otherwise: delivery/tests/test_lock_order.py)."""
    from sealpost.audit.services import record_order_event  # the trail sits below orders (docs/architecture.md)

    return record_order_event(OrderEvent.objects.create(
        order=order, kind=kind, actor=actor if getattr(actor, "pk", None) else None,
        from_status=from_status, to_status=to_status, details=details,
    ))


@transaction.atomic
def place_order(*, student, draft: Draft, applicant=None, actor=None, channel=Channel.ONLINE, scanned_form=None) -> Order:
    result = review(draft)
    order = Order(
        applicant=applicant,
        student=student,
        applicant_type=draft.applicant_type,
        channel=channel,
        name_zh=draft.name_zh,
        name_en=draft.name_en,
        phone=draft.phone,
        email=draft.email,
        remarks=draft.remarks,
        language=draft.language,
        wes_reference_input=draft.wes_reference,
        wes_reference=result.wes_reference,
        wes_conflict=result.wes_conflict,
        unsupported_characters="".join(result.unsupported_characters),
        total=result.total,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    # A random number may collide with an existing one; try another in that rare case.
    for _attempt in range(5):
        if not Order.objects.filter(number=order.number).exists():
            break
        order.number = Order._meta.get_field("number").default()
    if scanned_form:
        # Stored under the order number: the uploaded file name may carry personal data.
        scanned_form.name = order.number + Path(scanned_form.name).suffix.lower()
        order.scanned_form = scanned_form
    order.save()
    OrderDocument.objects.bulk_create(
        [OrderDocument(order=order, document_type=t, language=lang) for t, lang in draft.documents]
    )
    Recipient.objects.bulk_create(
        [Recipient(order=order, position=i, email=e, message=m) for i, (e, m) in enumerate(draft.recipients, 1)]
    )
    FeeLine.objects.bulk_create(
        [FeeLine(order=order, kind=l.kind, code=l.code, language=l.language, quantity=l.quantity,
                 unit_amount=l.unit_amount, amount=l.amount) for l in result.lines]
    )
    from sealpost.orders import deadlines

    deadlines.update(order)
    order.save()
    record(order, "submitted", actor, to_status=Status.SUBMITTED, channel=channel)
    if result.wes_conflict:
        record(order, "wes_conflict", None, references=result.wes_conflict)
    if result.unsupported_characters:
        record(order, "unsupported_characters", None, characters="".join(result.unsupported_characters))
    transaction.on_commit(lambda: _announce(order))
    return order


def _announce(order: Order) -> None:
    """Tell the areas above (orders.signals.order_placed) that the order is placed; a receiver's
    error is logged, never raised into the request that placed the order."""
    import logging

    from sealpost.orders.signals import order_placed
    from sealpost.privacy import redact

    for receiver, result in order_placed.send_robust(sender=Order, order=order):
        if isinstance(result, Exception):  # the error's words may quote an address: redacted
            logging.getLogger(__name__).error("order %s: %s failed: %s", order.number,
                                              getattr(receiver, "__qualname__", receiver), redact(result))


# The life of an order (DESIGN.md). Every change of status goes through transition().
TRANSITIONS = {
    Status.SUBMITTED: {Status.UNDER_REVIEW, Status.AWAITING_PAYMENT, Status.PAID, Status.REJECTED, Status.CANCELLED},
    Status.UNDER_REVIEW: {Status.AWAITING_PAYMENT, Status.PAID, Status.REJECTED, Status.CANCELLED},
    Status.AWAITING_PAYMENT: {Status.PAID, Status.CANCELLED, Status.REJECTED},
    Status.PAID: {Status.ISSUED, Status.REFUNDED},
    Status.ISSUED: {Status.DELIVERED, Status.COMPLETED},
    Status.DELIVERED: {Status.COMPLETED},
    Status.COMPLETED: set(),
    Status.REJECTED: set(),
    Status.CANCELLED: set(),
    Status.REFUNDED: set(),
}


def transition(order: Order, to_status: str, actor=None, *, kind: str = "", **details) -> Order:
    """Move an order to another status, record who did it, and bring its deadlines up to date.
    Call inside a transaction; the order row is locked for the change."""
    from sealpost.orders import deadlines

    locked = Order.objects.select_for_update().get(pk=order.pk)
    if to_status not in TRANSITIONS[Status(locked.status)]:
        raise OrderError(_("Order %(number)s cannot go from %(from)s to %(to)s.") % {
            "number": locked.number, "from": locked.get_status_display(), "to": Status(to_status).label})
    previous = locked.status
    locked.status = to_status
    deadlines.update(locked)
    locked.save()
    record(locked, kind or to_status, actor, from_status=previous, to_status=to_status, **details)
    order.__dict__.update({f.attname: getattr(locked, f.attname) for f in Order._meta.concrete_fields})
    return order


CANCELLABLE = {Status.SUBMITTED, Status.UNDER_REVIEW, Status.AWAITING_PAYMENT}
# Until the order is closed: once e-mails went out, a correction stops the old links and sends
# the documents to the new address (sealpost.delivery.recipients).
CORRECTABLE = {Status.SUBMITTED, Status.UNDER_REVIEW, Status.AWAITING_PAYMENT, Status.PAID, Status.ISSUED,
               Status.DELIVERED}


def can_cancel(order: Order) -> bool:
    return order.status in CANCELLABLE


def can_correct_recipients(order: Order) -> bool:
    return order.status in CORRECTABLE


@transaction.atomic
def cancel_order(order: Order, actor, reason: str = "") -> Order:
    if not can_cancel(Order.objects.select_for_update().get(pk=order.pk)):
        raise OrderError(_("This order can no longer be cancelled: it has been paid or closed."))
    return transition(order, Status.CANCELLED, actor, kind="cancelled", reason=reason)


def recipient_to_correct(order: Order, position: int, email: str) -> tuple[Recipient, str]:
    """The recipient at this position and its new address, normalised; OrderError when the
    order is closed or another recipient has that address (Recipient.DoesNotExist for no such
    position). Call with the order's row locked. The correction itself, with what it does to
    e-mails already sent, is sealpost.delivery.recipients.correct_recipient."""
    if not can_correct_recipients(order):
        raise OrderError(_("Recipients can no longer be corrected: the order is closed."))
    recipient = order.recipients.get(position=position)
    email = email.strip().lower()
    if order.recipients.exclude(pk=recipient.pk).filter(email=email).exists():
        raise OrderError(_("This address is already a recipient; each recipient needs a different e-mail address."))
    return recipient, email
