from django import template

from sealpost.orders import events

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
