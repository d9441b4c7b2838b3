"""Issue 14, problem 10: the signed-in home page shows what a signed-in person needs (link a
student record when none is linked, else order and follow orders), not the "register, then link"
steps; the order form states the English-name rule once, next to the field."""

import pytest
from django.urls import reverse
from django.utils import translation

REGISTER_STEP = "Register, then link your student record with your student number, date of birth and national ID."


def said(language, text):
    with translation.override(language):
        return translation.gettext(text)


def test_the_signed_out_home_page_explains_registering(client, db):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert REGISTER_STEP in page and 'href="/accounts/register/"' in page and 'id="next-step"' not in page


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_signed_in_and_linked_the_home_page_offers_ordering(applicant_client, language):
    page = applicant_client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    step = page.split('id="next-step"', 1)[1].split("</div>", 1)[0]
    assert f'href="{reverse("portal:order_new")}"' in step and f'href="{reverse("portal:orders")}"' in step
    assert said(language, REGISTER_STEP) not in page
    assert f'href="{reverse("accounts:link")}"' not in page


def test_signed_in_without_a_record_the_home_page_asks_to_link_one(client, make_user):
    client.force_login(make_user(email="new.person@example.com"))
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    step = page.split('id="next-step"', 1)[1].split("</div>", 1)[0]
    assert f'href="{reverse("accounts:link")}"' in step
    assert f'href="{reverse("portal:order_new")}"' not in step
    assert REGISTER_STEP not in page


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_the_english_name_rule_is_stated_once_next_to_the_field(applicant_client, language):
    page = applicant_client.get(reverse("portal:order_new"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert page.count(said(language, "It must match your passport.")) == 0
    assert page.count(said(language, "Please fill in your English name.")) == 0
    field = page.split('id="field-name_en"', 1)[1].split("</div>\n</div>", 1)[0]
    from sealpost.orders.forms import OrderForm

    with translation.override(language):
        rule = str(OrderForm.base_fields["name_en"].help_text)
    assert rule in field and page.count(rule) == 1
