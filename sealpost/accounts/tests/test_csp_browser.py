"""The Content-Security-Policy in a real browser: the pages with scripts, the QR code of the
two-step enrolment, the payment form posted to ECPay and the API documentation run with no
violation reported by Chromium."""

import pytest
from django.core import mail

from sealpost.accounts.tests.conftest import link_in
from sealpost.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def watched(page):
    problems = []
    page.add_init_script(WATCH)
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def violations(page, problems):
    return problems + page.evaluate("window.__csp || []")


def test_public_pages_and_staff_enrolment(browser, live_server, clerk):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    problems = watched(page)
    for path in ("/", "/accounts/register/", "/accounts/password/reset/", "/verify/"):
        page.goto(live_server.url + path)
        assert violations(page, problems) == [], path
    assert page.locator("#by-hash").is_visible()  # verify.js ran: the in-browser check is offered

    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_email", clerk.email)
    page.fill("#id_password", PASSWORD)
    page.click("form.card button")
    page.wait_for_selector("#enrolment-sent")  # not set up yet: a set-up link was e-mailed
    [message] = [m for m in mail.outbox if "/accounts/totp/enrol/" in m.body]
    page.goto(live_server.url + link_in(message))
    page.wait_for_url("**/accounts/totp/setup/")
    box = page.locator("svg.segno").bounding_box()
    assert box and box["width"] > 50  # the QR code is drawn
    assert violations(page, problems) == []

    page.goto(live_server.url + "/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info", timeout=15000)
    assert violations(page, problems) == []

    # The watch works: an inline style is refused and reported.
    page.evaluate("document.body.appendChild(document.createElement('style')).textContent = 'p{color:red}'")
    page.wait_for_timeout(300)
    assert any("style-src" in v for v in violations(page, problems))
    context.close()


def test_order_form_desk_and_payment_form(browser, live_server, signed_in_page, applicant, clerk, settings):
    from sealpost.orders import services as order_services

    settings.ECPAY_MERCHANT_ID, settings.ECPAY_HASH_KEY, settings.ECPAY_HASH_IV = (
        "2000132", "5294y06JbISpM5x9", "v77hoKGq4kWxNNIS")
    page = signed_in_page(applicant)
    problems = watched(page)
    page.goto(live_server.url + "/orders/new/")
    page.check("input[value='transcript:en']")
    assert page.text_content("#fee-total") == "NT$50"  # order-form.js ran
    assert violations(page, problems) == []

    draft = order_services.Draft(
        applicant_type="alumnus", documents=[("transcript", "en")], name_en="CHEN, TA-WEI", name_zh="陳大偉",
        phone="0912345678", email=applicant.email, language="en", recipients=[(applicant.email, "")])
    order = order_services.place_order(student=applicant.student, draft=draft, applicant=applicant, actor=applicant)
    posted = []

    def ecpay(route):
        posted.append(route.request.method)
        route.fulfill(status=200, content_type="text/html", body="<p>ECPay</p>")

    page.route("https://payment-stage.ecpay.com.tw/**", ecpay)
    page.goto(f"{live_server.url}/payments/checkout/{order.number}/")
    page.wait_for_url("https://payment-stage.ecpay.com.tw/**")
    assert posted == ["POST"]  # checkout.js posted the form: form-action allows ECPay
    assert [p for p in problems if "form-action" in p] == []

    desk = signed_in_page(clerk)
    desk_problems = watched(desk)
    desk.goto(live_server.url + "/desk/")
    assert violations(desk, desk_problems) == []
