"""Placing an order in a real browser (the system Chromium through Playwright), once in
English and once in Chinese, with four recipients added through the page's script."""


import pytest

from sealpost.orders.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]







RECIPIENTS = [
    ("ta-wei.chen@example.com", "WES Reference No. 1234567"),
    ("admissions@grad.example.edu", "ASUID 1234567890"),
    ("registrar@uni.example.ac.uk", ""),
    ("hr@employer.example.com", "Application ID A-778"),
]


@pytest.mark.parametrize("language, expect_text", [("en", "Check your order"), ("zh-hant", "送出前請確認")])
def test_place_order_with_four_recipients(signed_in_page, live_server, applicant, language, expect_text):
    page = signed_in_page(applicant, language)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/orders/new/")
    assert page.locator(".remove-recipient").first.is_hidden()  # the script runs: one row cannot be removed
    assert page.locator("html").get_attribute("lang") == ("en" if language == "en" else "zh-Hant-TW")

    page.check("input[value='transcript:en']")
    page.check("input[value='transcript:zh']")
    assert errors == []
    assert page.text_content("#fee-total") == "NT$100"

    # Recipient 1 is the applicant's own address; three more rows come from the script.
    assert page.input_value("#id_recipients-0-email") == applicant.email
    for _ in range(3):
        page.click("#add-recipient")
    assert page.locator(".recipient-row").count() == 4
    assert page.text_content("#fee-total") == "NT$140"  # recipients 3 and 4 at NT$20
    for i, (email, message) in enumerate(RECIPIENTS):
        page.fill(f"#id_recipients-{i}-email", email)
        page.fill(f"#id_recipients-{i}-message", message)

    # Remove a fifth row again to show removal keeps the numbering whole.
    page.click("#add-recipient")
    page.locator(".recipient-row").nth(4).locator(".remove-recipient").click()
    assert page.locator(".recipient-row").count() == 4
    assert page.input_value("[name=recipients-TOTAL_FORMS]") == "4"

    page.fill("#id_phone", "+886 912 345 678")
    page.click("#review-order")
    page.wait_for_url("**/orders/new/confirm/")
    assert expect_text in page.text_content("h1")
    assert page.text_content("#fee-total") == "NT$140"
    assert page.text_content("#wes-reference").strip() == "1234567"
    assert page.text_content("#name-en-preview") == "CHEN, TA-WEI"

    assert errors == []
    page.click("#submit-order")
    page.wait_for_url("**/orders/SP*/")
    order = Order.objects.get()
    assert page.text_content("#order-number") == order.number
    assert [(r.email, r.message) for r in order.recipients.all()] == RECIPIENTS
    assert order.total == 140 and order.wes_reference == "1234567" and order.language == language
    page.context.close()
