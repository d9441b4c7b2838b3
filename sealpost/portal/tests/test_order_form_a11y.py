"""The order form for everyone (issue 14), in a real browser: it reflows on a phone and at 200 %
zoom without controls on top of each other, the fee box never covers the focused field, an
order is placed, paid and followed with the keyboard alone, a failed submit leads to a summary
of the errors linked to the fields, and what the script changes without a page load is said to
screen readers."""

import pytest

from sealpost.orders.models import Order, Status
from sealpost.system.tests import a11y

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": a11y.PHONE, "zoom": a11y.ZOOMED, "desktop": a11y.DESKTOP}


@pytest.fixture
def demo(settings):
    settings.DEMO = True  # the demonstration payment: paying needs no ECPay
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def open_form(browser, live_server, applicant, demo):
    visitors = []

    def open_(language="en", size="desktop", rows=1):
        visitor = a11y.Visitor(browser, live_server.url, language).as_user(applicant)
        visitors.append(visitor)
        visitor.page.set_viewport_size(SIZES[size])
        visitor.goto("/orders/new/")
        for _ in range(rows - 1):
            visitor.page.click("#add-recipient")
        return visitor.page

    yield open_
    for visitor in visitors:
        assert visitor.errors == []
        visitor.close()


def press_tab_until(page, selector: str, limit: int = 80, key: str = "Tab"):
    """Press Tab (or Shift+Tab) until the element ``selector`` has the focus, as a keyboard user
    would; fails if it never gets it."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector} never got the focus by {key}")


def focus_is_visible(page) -> bool:
    """The focused element draws an outline (or a ring) at least 2 px wide."""
    return page.evaluate("""() => {
        const s = getComputedStyle(document.activeElement);
        return (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== "none";
    }""")


def row_layout(page) -> list[dict]:
    return page.evaluate("""() => [...document.querySelectorAll("#recipient-rows .recipient-row")].map(row => {
        const width = el => el.getBoundingClientRect().width;
        return {row: width(row), message: width(row.querySelector("textarea")),
                email: width(row.querySelector("input[type=email]")),
                label: width(row.querySelector(".recipient-message label"))};
    })""")


@pytest.mark.parametrize("size", ["phone", "zoom"])
def test_the_order_form_reflows_without_overlapping_controls(open_form, size):
    page = open_form(size=size, rows=3)
    for state in ("as opened", "with errors"):
        assert a11y.sideways(page) == 0, f"{state}: the page scrolls sideways: {a11y.too_wide(page)}"
        assert a11y.overlaps(page, "#order-form") == [], state
        for row in row_layout(page):
            # Before: labels one word a line beside a 30 px textarea, the Remove button over them.
            assert row["message"] >= row["row"] * 0.6 and row["label"] >= row["row"] * 0.6, (state, row)
            assert row["email"] >= row["row"] * 0.6, (state, row)
        if state == "as opened":
            page.fill("#id_name_en", "")
            page.fill("#id_recipients-1-email", "not an address")
            page.click("#review-order")
            page.wait_for_selector("#error-summary")


@pytest.mark.parametrize("size, language", [("desktop", "en"), ("desktop", "zh-hant"), ("phone", "en")])
def test_the_fee_box_never_covers_the_focused_field(open_form, size, language):
    page = open_form(language=language, size=size, rows=3)
    page.check("input[value='transcript:en']")
    page.check("input[value='transcript:zh']")
    stops = a11y.tab_through(page, stop_selector="#review-order")
    assert len(stops) > 20 and stops[-1]["name"].startswith("button#review-order")
    covered = [stop["name"] for stop in stops if stop["covered"] > 0]
    assert covered == [], f"{len(covered)} of {len(stops)} tab stops partly under a sticky box: {covered}"


def test_order_pay_and_follow_with_the_keyboard_alone(open_form, applicant):
    page = open_form()
    keyboard = page.keyboard
    # The skip link is the first stop and leads past the header to the content.
    keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link" and focus_is_visible(page)
    keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"

    press_tab_until(page, "input[value='transcript:en']")
    assert focus_is_visible(page)
    keyboard.press("Space")
    assert page.text_content("#fee-total") == "NT$50"
    press_tab_until(page, "#add-recipient")
    keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "id_recipients-1-email"  # the new row
    keyboard.type("admissions@grad.example.edu")
    keyboard.press("Tab")
    keyboard.type("WES Reference No. 1234567")
    press_tab_until(page, "#id_phone")
    keyboard.type("0912 345 678")
    press_tab_until(page, "#review-order")
    assert focus_is_visible(page)
    with page.expect_navigation():
        keyboard.press("Enter")
    assert "/orders/new/confirm/" in page.url

    press_tab_until(page, "#submit-order")
    with page.expect_navigation():
        keyboard.press("Enter")
    order = Order.objects.get()
    assert page.text_content("#order-number") == order.number

    press_tab_until(page, "#pay-demo")
    assert focus_is_visible(page)
    with page.expect_navigation():
        keyboard.press("Enter")
    order.refresh_from_db()
    assert order.status == Status.PAID

    # Following the order: My orders in the header, then the order.
    press_tab_until(page, "a[href='/orders/']", key="Shift+Tab")
    with page.expect_navigation():
        keyboard.press("Enter")
    press_tab_until(page, f"a[href='/orders/{order.number}/']")
    with page.expect_navigation():
        keyboard.press("Enter")
    assert page.text_content("#order-status") == "Paid"


@pytest.mark.parametrize("language, heading", [("en", "There is a problem"), ("zh-hant", "請修正以下問題")])
def test_a_failed_submit_leads_to_a_summary_linked_to_the_fields(open_form, language, heading):
    page = open_form(language=language, rows=2)
    assert page.evaluate("document.getElementById('order-form').noValidate")  # no browser bubble in English
    page.fill("#id_name_en", "")
    page.fill("#id_phone", "")
    page.fill("#id_recipients-1-email", "not an address")
    page.focus("#id_recipients-1-email")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the browser sends the form: the server answers with the errors
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.text_content("#error-summary h2").strip() == heading
    links = page.eval_on_selector_all("#error-summary a", "links => links.map(a => a.getAttribute('href'))")
    assert set(links) >= {"#id_documents_0", "#id_name_en", "#id_phone", "#id_recipients-1-email"}
    # Each field in error says so: its aria-describedby names its error (and help) shown in the page.
    for target in links:
        described = page.get_attribute(target, "aria-describedby") or page.evaluate(
            "t => document.querySelector(t).closest('[role=group]').getAttribute('aria-describedby')", target)
        ids = described.split()
        assert any(i.endswith("_error") for i in ids), (target, ids)
        assert all(page.locator(f"[id='{i}']").count() == 1 for i in ids), (target, ids)
    page.click("#error-summary a[href='#id_name_en']")
    assert page.evaluate("document.activeElement.id") == "id_name_en"


def test_rows_added_and_removed_keep_the_focus_in_place_and_are_announced(open_form):
    page = open_form(rows=1)
    page.check("input[value='transcript:en']")
    page.wait_for_function("document.getElementById('order-form-status').textContent === 'Total: NT$50'")
    page.focus("#add-recipient")
    page.keyboard.press("Enter")
    page.focus("#add-recipient")
    page.keyboard.press("Enter")
    assert page.locator(".recipient-row").count() == 3
    page.wait_for_function("document.getElementById('order-form-status').textContent.startsWith('Recipient 3 added.')")
    assert page.text_content("#order-form-status") == "Recipient 3 added. Total: NT$70"
    # Each row is a group named by its number, and so is its Remove button.
    assert page.locator("[role=group][aria-labelledby='id_recipients-2-title']").count() == 1
    assert page.text_content("#id_recipients-2-title .visually-hidden") == "Recipient 3"

    page.fill("#id_recipients-2-email", "third@example.com")
    page.locator(".recipient-row").nth(1).locator(".remove-recipient").focus()
    page.keyboard.press("Enter")
    # Before: the focus fell back to the top of the page.
    assert page.evaluate("document.activeElement.id") == "id_recipients-1-email"
    assert page.input_value("#id_recipients-1-email") == "third@example.com"  # the row that moved up
    page.wait_for_function("document.getElementById('order-form-status').textContent.startsWith('Recipient 2 removed.')")
    assert page.text_content("#order-form-status") == "Recipient 2 removed. Total: NT$50"
    page.locator(".recipient-row").nth(1).locator(".remove-recipient").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "add-recipient"  # the last row: what comes next
