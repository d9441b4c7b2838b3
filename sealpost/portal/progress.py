"""Where an order stands, in one sentence, for the applicant's order page and its status endpoint.

While the order moves without anyone having to act (paid and being issued, issued and being
e-mailed, being uploaded to WES) the page asks the endpoint every few seconds
(static/sealpost/order-status.js) and updates itself; once nothing moves by itself any more
(waiting for a payment, an officer's approval, a hold, or done) it stops asking.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from sealpost.delivery import services as delivery_services
from sealpost.delivery import wes_submissions
from sealpost.orders.models import Order, Status
from sealpost.payments import services as payment_services


@dataclass
class Progress:
    status: str
    status_label: str
    text: str
    in_progress: bool  # something happens without anyone acting: worth asking again soon
    state: str  # changes whenever what the page shows about the order changes
    wes: str | None = None
    wes_text: str = ""

    def as_json(self) -> dict:
        return {"status": self.status, "status_label": self.status_label, "text": self.text,
                "wes": self.wes, "wes_text": self.wes_text, "in_progress": self.in_progress, "state": self.state}


def wes_text(wes: str | None) -> str:
    return {
        "queued": _("WES: your documents are queued for upload."),
        "retrying": _("WES: the upload has not gone through yet; it is tried again automatically."),
        "failed": _("WES: the upload failed; the Registrar's Office will upload your documents again."),
        "uploaded": _("WES: your documents have been uploaded; WES confirms receipt to you by e-mail."),
        "confirmed": _("WES: receipt confirmed."),
    }.get(wes or "", "")


def progress(order: Order) -> Progress:
    status = order.status
    deliveries = delivery_services.current_deliveries(order) if status in delivery_services.DELIVERABLE else {}
    sent = sum(1 for d in deliveries.values() if d.state == d.State.SENT)
    recipients = order.recipients.count()
    wes = wes_submissions.status(order) if order.wes_reference else None
    wes_moving = wes in wes_submissions.IN_MOTION
    moving = False
    if status == Status.PAID:
        if payment_services.needs_approval(order):
            text = _("Payment received. The Registrar's Office approves these documents before they are issued.")
        elif order.events.filter(kind="issue_blocked").exists():
            text = _("Payment received, but the documents cannot be issued yet; the Registrar's Office will "
                     "contact you.")
        else:
            text, moving = _("Payment received. Your documents are being issued and signed."), True
    elif status == Status.ISSUED:
        text = _("Your documents are issued. The e-mails to your recipients are being sent: %(sent)d of "
                 "%(total)d sent.") % {"sent": sent, "total": recipients}
        moving = True
    elif status in (Status.DELIVERED, Status.COMPLETED):
        text = _("Your documents have been sent to every recipient.")
        moving = wes_moving
    elif status == Status.AWAITING_PAYMENT:
        text = _("Waiting for your payment: see the payment notice below.")
    elif status in (Status.SUBMITTED, Status.UNDER_REVIEW):
        text = _("The Registrar's Office is checking your order.")
    else:
        text = str(Status(status).label)
    state = f"{status}|{sent}/{recipients}|{wes or '-'}|{int(moving)}"
    return Progress(status=status, status_label=str(Status(status).label), text=text, in_progress=moving,
                    state=state, wes=wes, wes_text=wes_text(wes))
