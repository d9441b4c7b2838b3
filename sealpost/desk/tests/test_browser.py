"""The desk's work queue in a real browser (the system Chromium through Playwright): a clerk sees
the late orders first, ticks two, sends their payment notices in one go, and sees the summary and
the orders' new status."""


import pytest
from django.core import mail

from sealpost.desk.tests.helpers import days, place, set_fields
from sealpost.orders.models import Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]







def test_queue_and_bulk_payment_notice(signed_in_page, live_server, clerk, student):
    # Placed oldest first in the opposite order of their deadlines.
    upcoming = set_fields(place(student, email="upcoming@example.com"), next_deadline=days(4))
    today = set_fields(place(student, email="today@example.com"), next_deadline=days(0))
    late = set_fields(place(student, email="late@example.com"), next_deadline=days(-2))
    later_late = set_fields(place(student, email="later-late@example.com"), next_deadline=days(-1))
    mail.outbox.clear()  # the applicants' receipts of their orders (payments.receipts)

    page = signed_in_page(clerk)
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
