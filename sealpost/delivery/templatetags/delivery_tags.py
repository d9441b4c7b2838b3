from django import template

from sealpost.delivery.models import Delivery, WESSubmission

register = template.Library()


def _latest_deliveries(context, order_id) -> dict:
    """{recipient id: its latest delivery} for an order, read once per page: the order pages
    show every recipient, and one query per recipient made them slower (bench/web.py)."""
    pages = context.render_context.setdefault("sealpost_latest_deliveries", {})  # this render only
    if order_id not in pages:
        latest = {}
        for delivery in Delivery.objects.filter(recipient__order_id=order_id).order_by("created_at", "id"):
            latest[delivery.recipient_id] = delivery  # the last one wins: the latest
        pages[order_id] = latest
    return pages[order_id]


@register.inclusion_tag("delivery/recipient_status.html", takes_context=True)
def recipient_status(context, recipient, resend=False):
    """The status of the latest delivery to a recipient; staff may get a Resend button."""
    delivery = _latest_deliveries(context, recipient.order_id).get(recipient.pk)
    user = context.get("user")
    can_resend = bool(resend and delivery and getattr(user, "role", None) in ("clerk", "officer"))
    return {"delivery": delivery, "can_resend": can_resend, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("delivery/wes_status.html", takes_context=True)
def wes_status(context, order, staff=False):
    """An order's uploads to WES: every version with its details for staff (with the buttons for
    clerks and officers), the status alone for the applicant (who may record WES's confirmation)."""
    from sealpost.delivery.wes_submissions import status_of

    submissions = list(WESSubmission.objects.filter(order=order).order_by("-version")) if order.wes_reference else []
    user = context.get("user")
    from django.conf import settings

    return {
        "order": order, "submissions": submissions, "staff": staff,
        "status": status_of(submissions[0]) if submissions else None,
        "registrar_email": getattr(settings, "REGISTRAR_EMAIL", ""),
        "can_act": bool(staff and getattr(user, "role", None) in ("clerk", "officer")),
        "can_confirm": any(s.state == WESSubmission.State.UPLOADED for s in submissions),
        "csrf_token": context.get("csrf_token"),
    }
