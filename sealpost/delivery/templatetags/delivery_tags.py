from django import template

from sealpost.delivery.models import Delivery

register = template.Library()


@register.inclusion_tag("delivery/recipient_status.html", takes_context=True)
def recipient_status(context, recipient, resend=False):
    """The status of the latest delivery to a recipient; staff may get a Resend button."""
    delivery = Delivery.objects.filter(recipient=recipient).order_by("-created_at", "-id").first()
    user = context.get("user")
    can_resend = bool(resend and delivery and getattr(user, "role", None) in ("clerk", "officer"))
    return {"delivery": delivery, "can_resend": can_resend, "csrf_token": context.get("csrf_token")}
