"""The newcomer's whole path in a real browser (the system Chromium through Playwright): place
an order for two recipients, pay with the demonstration method, read the e-mail to recipient 2
in the demo mailbox, follow its link, download the signed PDF and verify it on /verify/."""


import pytest
from django.conf import settings

from sealpost.delivery import mailbox
from sealpost.orders.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECOND = "admissions@grad.example.edu"




@pytest.fixture
def demo_site(settings, tmp_path, live_server):
    settings.DEMO = True
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.EMAIL_FILE_PATH = settings.DATA_DIR / "mailbox"
    settings.EMAIL_BACKEND = "sealpost.delivery.mailbox.MailboxBackend"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.BASE_URL = live_server.url
    return live_server


def test_order_pay_read_the_mail_download_and_verify(browser, demo_site, client, applicant):
    url = demo_site.url
    client.force_login(applicant)
    context = browser.new_context(locale="en-US", accept_downloads=True)
    host = url.split("://", 1)[1].split(":")[0]
    context.add_cookies([
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
         "domain": host, "path": "/"},
        {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "domain": host, "path": "/"},
    ])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # The order: an English transcript for the applicant and a second recipient.
    page.goto(f"{url}/orders/new/")
    page.check("input[value='transcript:en']")
    assert page.input_value("#id_recipients-0-email") == applicant.email
    page.click("#add-recipient")
    page.fill("#id_recipients-1-email", SECOND)
    page.fill("#id_phone", "+886 912 345 678")
    page.click("#review-order")
    page.wait_for_url("**/orders/new/confirm/")
    page.click("#submit-order")
    page.wait_for_url("**/orders/SP*/")
    order = Order.objects.get()

    # Payment with the demonstration button issues the documents and sends the e-mails.
    page.click("#pay-demo")
    page.wait_for_url(f"**/orders/{order.number}/")
    document = order.issued_documents.get()

    # The mailbox: one delivery e-mail to each recipient, exactly once.
    deliveries = [m for m in mailbox.list_messages() if ".delivery@" in m.message_id]
    assert sorted(m.to[0] for m in deliveries) == sorted([applicant.email, SECOND])
    assert all(len(m.to) == 1 for m in deliveries)

    page.goto(f"{url}/mailbox/")
    row = page.locator("tr.mail", has=page.locator(f"td:text-is('{SECOND}')"))
    row.locator("a").first.click()
    page.wait_for_url("**/mailbox/*/")
    assert page.text_content("#mail-to") == SECOND
    assert document.verification_code in page.text_content("#mail-body")

    # The link in the e-mail opens the download page; the PDF downloads.
    page.locator("#mail-body a[href*='/d/']").first.click()
    page.wait_for_url("**/d/*/")
    with page.expect_download() as info:
        page.locator(f"a[href$='{document.verification_code}.pdf']").click()
    pdf = info.value.path()
    with open(pdf, "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    # Anyone can check the file: it is valid.
    page.goto(f"{url}/verify/")
    page.set_input_files("#verify-file", pdf)
    page.click("#by-file button[type=submit]")
    page.wait_for_selector("#verdict")
    assert page.get_attribute("#verdict", "data-status") == "valid"
    assert errors == []
    context.close()
