"""The payment panels of the order pages, and how payment works, said the same everywhere:

    {% load payments %}{% payment_panel order %}        on the applicant's order page
    {% load payments %}{% desk_payment_panel order %}   on the desk's order page
    {% load payments %}{% payment_flow %}               the home page, the confirmation page
    {% load payments %}{% payment_flow order %}         an order not paid yet (online where it can)
"""

from django import template

from sealpost.payments import services

register = template.Library()


def _context(context, order) -> dict:
    return {
        "order": order,
        "request": context.get("request"),
        "user": context.get("user"),
        "csrf_token": context.get("csrf_token"),
        "institution_name": context.get("institution_name", ""),
        "bank_name": services.bank_name(),
        **services.payment_summary(order),
    }


@register.inclusion_tag("payments/order_panel.html", takes_context=True)
def payment_panel(context, order):
    return _context(context, order)


@register.inclusion_tag("payments/desk_panel.html", takes_context=True)
def desk_payment_panel(context, order):
    user = context.get("user")
    role = getattr(user, "role", None)
    data = _context(context, order)
    data.update({
        "can_act": role in services.PAYMENT_STAFF,
        "can_approve": role == "officer",
        "notice_due": order.status in services.NOTICE_FROM and data["notice"] is None,
        "refundable": services.refundable(order),
        "can_cancel_refund": order.status == "paid",
    })
    return data


@register.inclusion_tag("payments/flow.html")
def payment_flow(order=None):
    """The one description of how payment works (docs/payments.md, "The flow"): a notice within
    1 business day; online payment at once where the registrar offers it; the documents within
    3 business days of payment."""
    if order is None:
        online = services.online_payment_offered()
    else:
        online = services.can_pay_online(order) or services.can_pay_demo(order)
    return {"online": online}
