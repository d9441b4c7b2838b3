"""Issue 14, problem 4: payment is described one way everywhere. The flow (docs/payments.md, "The
flow"): the Registrar's Office sends a payment notice within 1 business day; where the registrar
offers online payment (ECPay, or the demonstration payment), the applicant may pay at once
without waiting for it; once paid, the documents are sent within 3 business days. An order paid
before any notice needs none, and the desk does not show the notice as still to come."""

import pytest
from django.urls import reverse
from django.utils import translation

from sealpost.orders.models import Status
from sealpost.payments import services
from sealpost.payments.models import Method

NOTICE = "Within 1 business day the Registrar's Office checks your order and e-mails you a payment notice with the amount, the ways to pay and the date to pay by."
ONLINE = "You can also pay online on your order's page straight away, without waiting for the notice."
SENT = "Once your payment is received, your documents are sent within 3 business days."
OTHER_WORDS = [  # the descriptions that contradicted each other
    "You pay after the Registrar's Office has checked your order; you will receive a payment notice.",
    "You can also pay online now, and your documents are issued at once.",
]


def said(language, text):
    with translation.override(language):
        return translation.gettext(text)


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_home_confirmation_and_order_page_say_the_same(applicant_client, place, settings, language):
    settings.DEMO = True  # online payment offered (the demonstration payment stands in for ECPay)
    from sealpost.portal.tests.helpers import order_post

    applicant_client.post(reverse("portal:order_new"), order_post())
    pages = {
        "home": applicant_client.get("/", HTTP_ACCEPT_LANGUAGE=language),
        "confirmation": applicant_client.get("/orders/new/confirm/", HTTP_ACCEPT_LANGUAGE=language),
        "order": applicant_client.get(reverse("portal:order", args=[place().number]), HTTP_ACCEPT_LANGUAGE=language),
    }
    for name, response in pages.items():
        page = response.content.decode()
        for sentence in (NOTICE, ONLINE, SENT):
            assert said(language, sentence) in page, (name, sentence)
        for sentence in OTHER_WORDS:
            assert said(language, sentence) not in page, (name, sentence)


def test_without_online_payment_the_flow_does_not_offer_it(applicant_client, place):
    page = applicant_client.get(reverse("portal:order", args=[place().number]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert NOTICE in page and SENT in page and ONLINE not in page


def test_an_order_paid_before_any_notice_shows_no_notice_to_come_on_the_desk(clerk_client, place, settings):
    settings.DEMO = True
    order = place()
    services.record_payment(order, order.total, Method.DEMO, f"DEMO-{order.number}")
    order.refresh_from_db()
    assert order.status in (Status.PAID, Status.ISSUED) and order.payment_notice_sent_at is None
    page = clerk_client.get(reverse("desk:order", args=[order.number]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = page.split('id="deadline-payment_notice"', 1)[1].split("</tr>", 1)[0]
    assert "upcoming" not in row and "late" not in row and "due today" not in row
    assert "not needed: paid" in row
