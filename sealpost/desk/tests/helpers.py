"""Helpers for the desk's tests: orders placed through the orders service, fixed situations."""

import datetime

from django.test import Client
from django.utils import timezone

from sealpost.orders import services
from sealpost.orders.models import Order

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def place(student, applicant=None, **fields) -> Order:
    draft = services.Draft(
        applicant_type=fields.pop("applicant_type", "alumnus"),
        documents=fields.pop("documents", [("transcript", "en")]),
        name_en=fields.pop("name_en", "CHEN, TA-WEI"), phone="0912345678",
        email=fields.pop("email", "a@example.com"),
        recipients=fields.pop("recipients", [("a@example.com", "")]), **fields,
    )
    return services.place_order(student=student, draft=draft, applicant=applicant)


def set_fields(order: Order, **fields) -> Order:
    """Change an order's fields directly (deadlines, dates, status), as a fixed test situation."""
    Order.objects.filter(pk=order.pk).update(**fields)
    order.refresh_from_db()
    return order


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
