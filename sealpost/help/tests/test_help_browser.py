"""The manual tried as a new user would, in Chromium: a first-time alumnus, in either language,
finds from the help alone how to order for WES; the order form's help link leads to its page."""

from __future__ import annotations

import pytest
from django.conf import settings

from sealpost.help import manual

LOCALES = {"zh-hant": "zh-TW", "en": "en-US"}


def pictures_load(page) -> bool:
    """Every picture of the page's article is served as a PNG (they load lazily, as one scrolls)."""
    sources = page.eval_on_selector_all("article img", "imgs => imgs.map(img => img.src)")
    assert sources
    for src in sources:
        response = page.request.get(src)
        if response.status != 200 or response.headers.get("content-type") != "image/png":
            return False
    return True


def _page(browser, live_server, language):
    context = browser.new_context(locale=LOCALES[language])
    host = live_server.url.split("://", 1)[1].split(":")[0]
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "domain": host, "path": "/"}])
    return context.new_page()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", manual.LANGUAGES)
def test_a_first_time_alumnus_finds_how_to_order_for_wes_from_the_help_alone(browser, live_server, language):
    ordering = manual.find(language, "applicant", "order-alumni")
    wes = manual.find(language, "applicant", "wes")
    page = _page(browser, live_server, language)
    page.goto(live_server.url + "/")

    page.click("#nav-help")  # "Help" in the header, on the home page, not signed in
    page.locator("#help-contents a", has_text=ordering.title).click()
    page.wait_for_url("**/help/order-alumni/")
    steps = page.inner_text("article")
    for needed in ("1234567", "NT$20", "CHEN, TA-WEI"):  # the WES number, the fee, the passport name
        assert needed in steps
    assert pictures_load(page), "a picture of the ordering page did not load"

    page.locator(f"article a[href='{wes.url}']").first.click()  # "more on WES", from the steps
    page.wait_for_url("**/help/wes/")
    text = page.inner_text("article")
    assert "WES Reference Number" in text and "1234567" in text  # get the number first, then give it
    assert "1234567_CHEN_TA-WEI_SP7K2M9QXR_transcript_en.pdf" in text  # what WES receives
    assert pictures_load(page)
    # The language switch keeps the page.
    page.locator(".lang-switch button").click()
    page.wait_for_url("**/help/wes/")
    other = "en" if language == "zh-hant" else "zh-hant"
    assert page.inner_text("h1") == manual.find(other, "applicant", "wes").title
    page.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", manual.LANGUAGES)
def test_the_order_forms_help_link_opens_the_page_that_explains_it(signed_in_page, live_server, applicant, language):
    page = signed_in_page(applicant, language)
    page.goto(live_server.url + "/orders/new/")
    page.click("a.help-link")
    page.wait_for_url("**/help/order-alumni/")
    assert page.inner_text("h1") == manual.find(language, "applicant", "order-alumni").title
    page.context.close()
