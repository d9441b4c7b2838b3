"""Issue 14, problem 7: the WES reference is asked for in one place (its own field), one rule says
which place wins (the field, then the remarks, then the recipients' messages, read leniently),
and the confirmation and the order page say where the number used came from, with a warning
naming each place when they disagree."""

import html

import pytest
from django.urls import reverse
from django.utils import translation

from sealpost.orders.forms import OrderForm, RecipientForm
from sealpost.orders.models import Order
from sealpost.portal.tests.helpers import order_post

CONFIRM = "/orders/new/confirm/"


def said(language, text, **values):
    with translation.override(language):
        return translation.gettext(text) % values if values else translation.gettext(text)


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_the_reference_is_shown_with_where_it_came_from(applicant_client, language):
    applicant_client.post(reverse("portal:order_new"), order_post())  # in recipient 1's message only
    page = html.unescape(applicant_client.get(CONFIRM, HTTP_ACCEPT_LANGUAGE=language).content.decode())
    where = said(language, "from recipient %(position)d's message", position=1)
    assert '<span id="wes-reference">1234567</span>' in page and f"({where})" in page
    applicant_client.post(CONFIRM, {"action": "submit"})
    order = Order.objects.get()
    page = applicant_client.get(reverse("portal:order", args=[order.number]), HTTP_ACCEPT_LANGUAGE=language)
    assert f"({where})" in html.unescape(page.content.decode())


def test_the_field_wins_and_each_disagreeing_place_is_named(applicant_client, clerk):
    applicant_client.post(reverse("portal:order_new"), order_post(
        wes_reference="7654321", remarks="WES ref# 7654321",
        recipients=[("ta-wei.chen@example.com", ""), ("wes@example.org", "WES Reference No. 1234567")]))
    page = html.unescape(applicant_client.get(CONFIRM, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert '<span id="wes-reference">7654321</span>' in page
    assert "(from the WES reference number field)" in page
    warning = page.split('id="wes-warning"', 1)[1].split("</div>", 1)[0]
    assert "7654321 (from the WES reference number field)" in warning
    assert "1234567 (from recipient 2's message)" in warning
    assert "7654321 is used" in warning
    applicant_client.post(CONFIRM, {"action": "submit"})
    order = Order.objects.get()
    assert order.wes_reference == "7654321"
    applicant_client.force_login(clerk)  # the same client, now the registrar's clerk
    desk = html.unescape(applicant_client.get(reverse("desk:order", args=[order.number]),
                                          HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "1234567 (from recipient 2's message)" in desk and "7654321 is used" in desk


def test_the_form_asks_for_the_reference_in_one_place(applicant_client):
    with translation.override("en"):
        assert "WES" not in str(RecipientForm.base_fields["message"].help_text)
        assert "1234567" in str(OrderForm.base_fields["wes_reference"].help_text)
        page = applicant_client.get(reverse("portal:order_new"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("WES Reference No.") == 0  # no message or paragraph invites it elsewhere
