"""Issue 14, problem 10: the demonstration payment says it is one once ("Demonstration payment (no
money)"), not again with a DEMO flag beside it."""

from django.urls import reverse

from sealpost.payments import services
from sealpost.payments.models import Method


def test_a_demo_payment_is_named_once(applicant_client, place, settings):
    settings.DEMO = True
    order = place()
    services.record_payment(order, order.total, Method.DEMO, f"DEMO-{order.number}")
    page = applicant_client.get(reverse("portal:order", args=[order.number]), HTTP_ACCEPT_LANGUAGE="en")
    table = page.content.decode().split('id="payments"', 1)[1].split("</table>", 1)[0]
    assert "Demonstration payment (no money)" in table
    assert '<span class="flag">DEMO</span>' not in table
