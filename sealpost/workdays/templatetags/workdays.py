"""Deadlines in templates, for the desk's queue and the applicant's order page:

    {% load workdays %}
    {{ order|deadline_label }}: {% include "workdays/deadline.html" with due=order.next_deadline %}
"""

from django import template

from sealpost.orders import deadlines

register = template.Library()


@register.filter
def deadline_state(due_date):
    """"late", "due_today", "upcoming" or None (no deadline), against today's local date."""
    return deadlines.deadline_state(due_date)


@register.filter
def deadline_label(order) -> str:
    """What the order's next deadline is for ("Payment notice", …), or "" when it has none."""
    kind = deadlines.next_kind(order)
    return str(deadlines.KIND_LABELS[kind]) if kind else ""
