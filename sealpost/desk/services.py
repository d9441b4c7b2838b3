"""What the desk does beyond the other apps' services: releasing a hold and resuming the orders
it stopped, and running one service over many orders for the bulk actions."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from sealpost.desk.queue import CLOSED
from sealpost.orders.models import Order, Status
from sealpost.orders.services import OrderError, record
from sealpost.records.models import Hold

log = logging.getLogger(__name__)


@dataclass
class Released:
    hold: Hold
    already: bool = False
    orders: list[Order] = field(default_factory=list)  # the student's open orders, told of the release
    issued: list[Order] = field(default_factory=list)  # paid orders the hold had stopped, now issued
    still_blocked: list[tuple[Order, str]] = field(default_factory=list)  # (order, why) when issuing failed
    awaiting_approval: list[Order] = field(default_factory=list)  # paid, but an officer must approve first


def release_hold(hold: Hold, actor, *, now=None) -> Released:
    """Release a hold, note it on each of the student's open orders, and issue the paid orders
    that the hold kept from being issued. Releasing twice changes nothing."""
    from sealpost.issuance.services import IssueError, issue_failed, issue_order

    with transaction.atomic():
        hold = Hold.objects.select_for_update().select_related("student").get(pk=hold.pk)
        if hold.released_at:
            return Released(hold=hold, already=True)
        hold.released_at = now or timezone.now()
        hold.save(update_fields=["released_at"])
        orders = list(Order.objects.filter(student=hold.student).exclude(status__in=CLOSED).order_by("created_at"))
        for order in orders:
            record(order, "hold_released", actor, reference=hold.reference, reason=hold.reason, office=hold.office)
    result = Released(hold=hold, orders=orders)
    # Outside the transaction: issuing renders and signs each document, which takes a moment,
    # and one order that cannot be issued must not undo the release.
    for order in orders:
        if order.status != Status.PAID:
            continue
        if waits_for_approval(order):  # an officer's approval issues it, not the release
            result.awaiting_approval.append(order)
            continue
        try:
            issue_order(order, actor)
        except IssueError as error:  # another hold, or a name no font can draw
            result.still_blocked.append((order, str(error)))
        except Exception as error:  # not the order's fault (the signing key, the disk): the worker retries
            log.exception("issuing order %s after a hold was released failed", order.number)
            issue_failed(order, actor, error)
            result.still_blocked.append((order, gettext("Issuing failed; it is tried again automatically")))
        else:
            order.refresh_from_db()
            result.issued.append(order)
    return result


def waits_for_approval(order: Order) -> bool:
    from sealpost.payments.services import needs_approval

    return needs_approval(order)


def last_issue_problem(order: Order) -> str:
    """Why the order was last kept from being issued, as recorded on it."""
    from django.utils.translation import gettext as _

    event = order.events.filter(kind="issue_blocked").order_by("-at", "-id").first()
    reason = (event.details or {}).get("reason", "") if event else ""
    return reason or _("The documents could not be issued.")


def person_facing_errors(*modules) -> tuple[type[Exception], ...]:
    """The exceptions whose message is meant for the person: the orders' and issuance's service
    errors, and those a colleague's service module defines or imports from sealpost (so that the
    desk need not know their names). Anything else is a bug and is not swallowed."""
    from sealpost.issuance.services import IssueError

    found = {OrderError, IssueError, PermissionDenied}
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Exception) and value.__module__.startswith("sealpost."):
                found.add(value)
    return tuple(found)


def each(orders, call, errors) -> tuple[list[Order], list[tuple[Order, str]]]:
    """Run ``call(order)`` for each order so that one refusal does not stop the others; the
    services keep their own transactions (issuing, which renders and signs, runs outside one).
    Returns (done, refused with the reason); the orders are reloaded after the call."""
    done, refused = [], []
    for order in orders:
        try:
            call(order)
        except errors as error:
            refused.append((order, str(error)))
        else:
            done.append(order)
        order.refresh_from_db()
    return done, refused


def as_counts(counts, single: str = "sent") -> dict[str, int]:
    """A service's counts as {name: number}, whatever shape they come in: a mapping (numbers or
    collections), a dataclass, a named tuple, or a single number (of orders done: ``single``)."""
    if counts is None:
        return {}
    if isinstance(counts, bool):
        return {single: int(counts)}
    if isinstance(counts, int):
        return {single: counts}
    if dataclasses.is_dataclass(counts) and not isinstance(counts, type):
        counts = dataclasses.asdict(counts)
    elif hasattr(counts, "_asdict"):
        counts = counts._asdict()
    if not isinstance(counts, Mapping):
        return {}
    result = {}
    for key, value in counts.items():
        if isinstance(value, bool):
            value = int(value)
        elif not isinstance(value, int):
            try:
                value = len(value)
            except TypeError:
                continue
        result[str(key)] = value
    return result
