"""Correcting a recipient's address, with what it means for the e-mails already sent.

Before issuance nothing has been sent: only the address changes, and the documents go to the new
one when they are issued. Afterwards every delivery of that recipient is revoked (revoked_at):
its link answers "no longer works" at once, and one still waiting, retrying or being sent is never
sent (again) (services._claim, services.send_delivery). One new delivery, with its own Message-ID
and link, goes to the new address through the usual claim: sent once however often its task runs.

Submitting the same correction twice changes nothing the second time: the order's row is locked,
so two submissions are taken one after the other, and the second finds the address already
corrected. A correction to the address the recipient already has changes nothing either.

A send in flight (claimed by a worker) when the correction comes: if the worker has not read the
recipient yet it finds the delivery revoked and stops; if it has, the message goes to the old
address with a link that no longer works. Either way the new address gets one e-mail, and the
applicant is told that the link sent to the old address no longer works.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sealpost.delivery import services
from sealpost.delivery.models import Delivery
from sealpost.orders.models import Order, Recipient
from sealpost.orders.services import record, recipient_to_correct

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Correction:
    position: int
    old: str
    new: str
    links_stopped: int = 0  # links that went (or were going) to the old address: they no longer work
    redelivery: Delivery | None = None  # the e-mail to the new address, when the old one had any

    @property
    def changed(self) -> bool:
        return self.old != self.new

    def message(self) -> str:
        """What happened, for the applicant, in the active language."""
        values = {"position": self.position, "old": self.old, "new": self.new, "email": self.new,
                  "count": self.links_stopped}
        if not self.changed:
            return _("Recipient %(position)d already has the address %(new)s: nothing was changed.") % values
        if self.redelivery is None:  # nothing was sent yet
            return _("Recipient %(position)d now receives the documents at %(email)s.") % values
        if not self.links_stopped:
            return _("Recipient %(position)d: nothing had reached %(old)s; the documents are being sent to "
                     "%(new)s.") % values
        return ngettext(
            "Recipient %(position)d: the link sent to %(old)s no longer works; the documents are being sent to "
            "%(new)s.",
            "Recipient %(position)d: the %(count)d links sent to %(old)s no longer work; the documents are being sent "
            "to %(new)s.", self.links_stopped) % values


def correct_recipient(order: Order, position: int, email: str, actor) -> Correction:
    """Give recipient `position` the address `email` (module docstring). Raises OrderError when
    the order's state or the other recipients do not allow it, Recipient.DoesNotExist when there
    is no such recipient."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        recipient, email = recipient_to_correct(order, position, email)
        old = recipient.email
        if old == email:
            return Correction(position, old, email)
        # The delivery rows before the audit trail's head (taken by record), as a failing send
        # takes them: the other way round the two could wait for each other.
        stopped, fresh = _revoke_and_redeliver(order, recipient, actor)
        recipient.email = email
        recipient.save(update_fields=["email"])
        details = {"links_stopped": stopped, "message_id": fresh.message_id} if fresh else {}
        record(order, "recipient_corrected", actor, position=position, old=old, new=email, **details)
        if fresh:
            services.enqueue_on_commit(fresh.pk)
    if fresh:  # never the addresses: no personal data in the log
        log.info("order %s: recipient %s corrected, %s link(s) stopped, delivery %s scheduled",
                 order.number, position, stopped, fresh.pk)
    return Correction(position, old, email, stopped, fresh)


def _revoke_and_redeliver(order: Order, recipient: Recipient, actor) -> tuple[int, Delivery | None]:
    """Revoke the recipient's deliveries and schedule one to its (new) address; answers how many
    of the revoked ones went, or may have gone, out, and the new delivery. Nothing when none was
    scheduled yet: the first delivery will read the new address."""
    live = list(Delivery.objects.select_for_update().filter(recipient=recipient, revoked_at__isnull=True))
    if not live:
        return 0, None
    # Locked, so no worker claims one meanwhile: "sending" may be with the mail server now, and a
    # hand-over that was never answered may have reached it.
    stopped = sum(d.state in (Delivery.State.SENT, Delivery.State.SENDING) or d.handed_over_at is not None
                  for d in live)
    Delivery.objects.filter(pk__in=[d.pk for d in live]).update(revoked_at=timezone.now(), next_attempt_at=None)
    return stopped, services._create(order, recipient, actor=actor)
