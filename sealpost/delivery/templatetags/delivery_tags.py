from django import template

from sealpost.delivery.models import Delivery, WESSubmission

register = template.Library()


@register.inclusion_tag("delivery/recipient_status.html", takes_context=True)
def recipient_status(context, recipient, resend=False):
    """The status of the latest delivery to a recipient; staff may get a Resend button."""
    delivery = Delivery.objects.filter(recipient=recipient).order_by("-created_at", "-id").first()
    user = context.get("user")
    can_resend = bool(resend and delivery and getattr(user, "role", None) in ("clerk", "officer"))
    return {"delivery": delivery, "can_resend": can_resend, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("delivery/wes_status.html", takes_context=True)
def wes_status(context, order, staff=False):
    """An order's uploads to WES: every version with its details for staff (with the buttons for
    clerks and officers), the status alone for the applicant (who may record WES's confirmation)."""
    from sealpost.delivery.wes_submissions import status

    submissions = list(WESSubmission.objects.filter(order=order).order_by("-version")) if order.wes_reference else []
    user = context.get("user")
    return {
        "order": order, "submissions": submissions, "staff": staff, "status": status(order) if submissions else None,
        "can_act": bool(staff and getattr(user, "role", None) in ("clerk", "officer")),
        "can_confirm": any(s.state == WESSubmission.State.UPLOADED for s in submissions),
        "csrf_token": context.get("csrf_token"),
    }
