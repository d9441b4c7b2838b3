"""Orders in templates: event labels, amounts, and deadlines (the desk's queue and the
applicant's order page)::

    {% load orders %}
    {{ order|deadline_label }}: {% include "orders/deadline.html" with due=order.next_deadline %}
"""

from django import template

from sealpost.orders import deadlines, events, wes

register = template.Library()


@register.filter
def event_label(kind: str) -> str:
    return events.label(kind)


@register.filter
def ntd(amount) -> str:
    """NT$1,234"""
    return f"NT${int(amount or 0):,}"


@register.filter
def cut_type(value: str) -> str:
    """'transcript:en' -> 'transcript'"""
    return str(value).split(":", 1)[0]


@register.filter
def deadline_state(due_date):
    """"late", "due_today", "upcoming" or None (no deadline), against today's local date."""
    return deadlines.deadline_state(due_date)


@register.filter
def deadline_label(order) -> str:
    """What the order's next deadline is for ("Payment notice", …), or "" when it has none."""
    kind = deadlines.next_kind(order)
    return str(deadlines.KIND_LABELS[kind]) if kind else ""


@register.inclusion_tag("orders/wes_reference.html")
def wes_reference(order=None, review=None):
    """The WES reference with where it was found, "1234567 (from recipient 1's message)", and
    each place's number when places disagree: for a placed order, or for the draft's review on
    the confirmation page."""
    if review is not None:  # the confirmation page lists disagreeing places in its warning
        return {"reference": review.wes_reference, "source": review.wes_source, "places": []}
    found = wes.of_order(order) if order.wes_reference else []
    return {"reference": order.wes_reference, "source": wes.source(found), "places": wes.disagreeing(found)}
