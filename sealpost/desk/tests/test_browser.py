"""The desk's work queue in a real browser (the system Chromium through Playwright): a clerk sees
the late orders first, ticks two, sends their payment notices in one go, and sees the summary and
the orders' new status."""

import os

import pytest
from django.conf import settings
from django.core import mail

from sealpost.desk.tests.helpers import days, place, set_fields
from sealpost.orders.models import Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("SEALPOST_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install the chromium package or set SEALPOST_CHROMIUM")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


def signed_in_page(browser, live_server, client, user, language="en"):
    client.force_login(user)
    context = browser.new_context(locale="en-US" if language == "en" else "zh-TW")
    host = live_server.url.split("://", 1)[1].split(":")[0]
    context.add_cookies([
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
         "domain": host, "path": "/"},
        {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "domain": host, "path": "/"},
    ])
    return context.new_page()


def test_queue_and_bulk_payment_notice(browser, live_server, client, clerk, student):
    # Placed oldest first in the opposite order of their deadlines.
    upcoming = set_fields(place(student, email="upcoming@example.com"), next_deadline=days(4))
    today = set_fields(place(student, email="today@example.com"), next_deadline=days(0))
    late = set_fields(place(student, email="late@example.com"), next_deadline=days(-2))
    later_late = set_fields(place(student, email="later-late@example.com"), next_deadline=days(-1))

    page = signed_in_page(browser, live_server, client, clerk)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/desk/")
    rows = page.locator("#orders tbody tr")
    assert [r.get_attribute("id") for r in rows.all()] == [
        f"order-{o.number}" for o in (late, later_late, today, upcoming)]
    assert rows.nth(0).locator(".flag.late").text_content() == "late"
    assert rows.nth(1).locator(".flag.late").is_visible()
    assert page.locator(f"#order-{today.number} .flag.due-today").text_content() == "due today"
    assert page.locator(f"#order-{upcoming.number} .flag").count() == 0

    assert page.locator("#select-all").is_visible()  # the script runs
    page.check(f"#select-{late.number}")
    page.check(f"#select-{today.number}")
    assert page.text_content("#bulk-count") == "Selected: 2"
    page.select_option("#bulk-action", "payment_notice")
    page.click("#bulk-submit")
    page.wait_for_load_state()
    page.locator(".messages li").first.wait_for()

    assert page.text_content(".messages li") == "Payment notices sent: 2"
    for order in (late, today):
        assert page.text_content(f"#order-{order.number} .status") == "Awaiting payment"
        order.refresh_from_db()
        assert order.status == Status.AWAITING_PAYMENT
    for order in (later_late, upcoming):
        assert page.text_content(f"#order-{order.number} .status") == "Submitted"
    assert sorted(m.to[0] for m in mail.outbox) == ["late@example.com", "today@example.com"]
    assert errors == []
    page.context.close()
