"""Every page, in both languages, against axe-core's WCAG 2.2 A/AA rules, and reflowing at a
phone's width and at 200 % zoom (issue 14).

PAGES names, for every URL pattern of the project (the resolver walked as in
sealpost/portal/tests/test_permissions.py) and for the error pages, either the states in which
the walk checks that page (empty, filled, with field errors, with a warning ...) or why it is not
a page (a file, JSON, an action that redirects). test_every_page_has_an_accessibility_check fails
when a URL pattern has no line here, so that a new page gets checked too; the walk fails when a
listed state was not reached (the line would be a promise the test does not keep).

The walk (test_every_page_passes_axe_and_reflows) opens each page in each state in one browser
context per language, runs axe-core with the WCAG tags below, and measures how far the page
scrolls sideways at 390 px and at 640 px (a 1280 px window at 200 % zoom). The site's CSP does
not let a test inject axe: the test browser bypasses it (the product's policy is unchanged).
"""

from __future__ import annotations

import time
from urllib.parse import urlparse

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from sealpost.accounts import services as account_services
from sealpost.conftest import PASSWORD
from sealpost.help import manual
from sealpost.portal.tests.test_permissions import ECPAY_TEST_MERCHANT, url_names
from sealpost.system.tests import a11y, a11y_world

NOT_A_PAGE = "not a page"  # a file, JSON, or an action answered by a redirect to a page checked here

PAGES: dict[str, tuple[str, ...] | tuple[str, str]] = {
    "set_language": (NOT_A_PAGE, "redirects back to the page"),
    "accounts:login": ("empty", "errors", "warning"),
    "accounts:login_code": ("empty", "errors"),
    "accounts:totp_setup": ("empty", "errors"),
    "accounts:totp_enrol": ("invalid link",),
    "accounts:logout": (NOT_A_PAGE, "redirects"),
    "accounts:register": ("empty", "errors"),
    "accounts:register_done": ("done",),
    "accounts:resend_verification": (NOT_A_PAGE, "redirects to sign-in"),
    "accounts:verify": ("invalid link",),
    "accounts:password_reset": ("empty", "errors"),
    "accounts:password_reset_done": ("done",),
    "accounts:password_reset_complete": ("done",),
    "accounts:password_reset_confirm": ("invalid link", "empty", "errors"),
    "accounts:link": ("empty", "errors", "linked"),
    "portal:home": ("anonymous", "signed in"),
    "portal:orders": ("empty", "filled"),
    "portal:order_new": ("empty", "filled", "errors"),
    "portal:order_confirm": ("filled", "warning"),
    "portal:order": ("submitted", "awaiting payment", "paid", "issued", "warning"),
    "portal:order_status": (NOT_A_PAGE, "JSON with the order page's status region, checked within portal:order"),
    "portal:order_cancel": (NOT_A_PAGE, "redirects to the order"),
    "portal:recipient_correct": (NOT_A_PAGE, "redirects to the order"),
    "portal:order_form_pdf": (NOT_A_PAGE, "PDF"),
    "portal:document_download": (NOT_A_PAGE, "PDF"),
    "portal:personal_data": ("page",),
    "portal:personal_data_download": (NOT_A_PAGE, "JSON"),
    "payments:ecpay_notify": (NOT_A_PAGE, "answers ECPay's server in plain text"),
    "payments:ecpay_return": ("not paid yet",),
    "payments:checkout": ("page",),
    "payments:demo_pay": (NOT_A_PAGE, "redirects to the order"),
    "payments:send_notice": (NOT_A_PAGE, "redirects to the order"),
    "payments:record": ("empty", "errors"),
    "payments:refund": (NOT_A_PAGE, "redirects to the order"),
    "payments:cancel": (NOT_A_PAGE, "redirects to the order"),
    "issuance:approve": (NOT_A_PAGE, "redirects to the order"),
    "delivery:link": ("documents", "expired"),
    "delivery:download": (NOT_A_PAGE, "PDF"),
    "delivery:resend": (NOT_A_PAGE, "redirects to the order"),
    "delivery:wes_confirm": (NOT_A_PAGE, "redirects to the order"),
    "delivery:wes_reupload": (NOT_A_PAGE, "redirects to the order"),
    "delivery:wes_retry": (NOT_A_PAGE, "redirects to the order"),
    "desk:orders": ("empty", "filled"),
    "desk:bulk": (NOT_A_PAGE, "redirects to the queue"),
    "desk:reports": ("page",),
    "desk:reports_csv": (NOT_A_PAGE, "CSV"),
    "desk:hold_release": (NOT_A_PAGE, "redirects to the order"),
    "desk:order_new": ("empty", "errors"),
    "desk:order": ("awaiting payment", "warning", "issued"),
    "desk:order_form_pdf": (NOT_A_PAGE, "PDF"),
    "desk:scanned_form": (NOT_A_PAGE, "the scanned file"),
    "desk:document_download": (NOT_A_PAGE, "PDF"),
    "desk:document_revoke": (NOT_A_PAGE, "redirects to the order"),
    "workdays:calendar": ("filled", "errors"),
    "workdays:remove": (NOT_A_PAGE, "redirects to the calendar"),
    "audit:trail": ("page",),
    "audit:check": ("checked",),
    "verify:index": ("empty", "errors", "file error"),
    "verify:hash": ("unknown",),
    "verify:code": ("valid", "revoked"),
    "verify:file": (NOT_A_PAGE, "an upload's answer again, by its address: verify/result.html, as checked for verify:code"),
    "documents:ca_certificate": (NOT_A_PAGE, "PEM file"),
    "documents:ca_crl": (NOT_A_PAGE, "CRL file"),
    "demo:mailbox": ("filled",),
    "demo:wes": ("empty",),
    "demo:message": ("message",),
    "help:index": ("page",),
    "help:page": ("every page",),
    "staff_help:index": ("page",),
    "staff_help:page": ("every page",),
    # The error pages, by status (not URL patterns).
    "error:403": ("page",),
    "error:404": ("page",),
    "error:429": ("page",),
    "error:500": ("page",),
}
API = (NOT_A_PAGE, "the JSON API and its generated documentation (Swagger UI), not the site's pages")


def entry(name: str) -> tuple:
    return API if name.startswith("api:") else PAGES[name]


def test_every_page_has_an_accessibility_check():
    names = set(url_names())
    missing = sorted(n for n in names if not n.startswith("api:") and n not in PAGES)
    assert not missing, f"URL patterns without a line in PAGES (say in which states the walk checks them): {missing}"
    stale = sorted(n for n in PAGES if n not in names and not n.startswith("error:"))
    assert not stale, f"PAGES lines for URL patterns that no longer exist: {stale}"


EXPECTED = {(name, state) for name, states in PAGES.items() if states[0] != NOT_A_PAGE for state in states}


class Walk:
    def __init__(self, visitor: a11y.Visitor):
        self.v = visitor
        self.page = visitor.page
        self.reached: set[tuple[str, str]] = set()
        self.results: list[tuple[str, str, dict]] = []  # (name, state, what was found) per page checked
        self.problems: list[str] = []  # a form that did not send, a page in a state PAGES does not list

    def check(self, state: str, name: str | None = None, *, response=None):
        page = self.page
        page.wait_for_load_state()
        path = urlparse(page.url).path
        if name is None:
            try:
                name = resolve(path).view_name
            except Resolver404:
                name = "?"
        if (name, state) not in EXPECTED:
            self.problems.append(f"{path}: {name} [{state}] is not in PAGES")
            return
        if response is not None:
            assert response.status == int(name.split(":")[1]), f"{path}: {response.status}"
        problems = {"path": path, "axe": a11y.axe(page)}
        for label, size in (("390px", a11y.PHONE), ("200%", a11y.ZOOMED)):
            page.set_viewport_size(size)
            problems[label] = a11y.sideways(page)
            if problems[label] > 0:
                problems[label + " wide"] = a11y.too_wide(page)
        page.set_viewport_size(a11y.DESKTOP)
        self.reached.add((name, state))
        self.results.append((name, state, problems))

    def go(self, path: str, state: str, name: str | None = None):
        response = self.v.goto(path)
        self.check(state, name, response=response if name else None)

    def submit(self, selector: str = "main form button:not([type=button])"):
        """Press a form's button and wait for the answer; a form the browser refuses to send (its
        own validation bubble) is a problem reported with the rest, and the walk goes on."""
        try:
            with self.page.expect_navigation(timeout=5000):
                self.page.locator(selector).first.click()
        except PlaywrightTimeout:
            self.problems.append(f"{urlparse(self.page.url).path}: pressing {selector} sent nothing")


@pytest.fixture
def world(make_user, make_student, applicant, settings, tmp_path, live_server):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.DEMO = True
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.EMAIL_FILE_PATH = settings.DATA_DIR / "mailbox"
    settings.EMAIL_BACKEND = "sealpost.delivery.mailbox.MailboxBackend"
    settings.BASE_URL = live_server.url
    settings.ROOT_URLCONF = "sealpost.system.tests.a11y_urls"
    for setting, value in ECPAY_TEST_MERCHANT.items():
        setattr(settings, setting, value)
    world = a11y_world.build(make_user, make_student, applicant)
    world.users["fresh"] = make_user(student=make_student(), email="fresh.applicant@example.com")
    return world


def walk_public(w: Walk, world):
    users, docs = world.users, world.documents
    w.v.as_user(None)
    w.go("/", "anonymous")
    w.go("/accounts/login/", "empty")
    w.submit()
    w.check("errors")
    w.page.fill("#id_email", users["unverified"].email)
    w.page.fill("#id_password", PASSWORD)
    w.submit()
    w.check("warning")
    w.go("/accounts/register/", "empty")
    w.submit()
    w.check("errors")
    w.go("/accounts/register/done/", "done")
    uid = urlsafe_base64_encode(force_bytes(users["applicant"].pk))
    w.go(f"/accounts/verify/{uid}/bad-token/", "invalid link")
    w.go(f"/accounts/totp/enrol/{uid}/bad-token/", "invalid link")
    w.go("/accounts/password/reset/", "empty")
    w.submit()
    w.check("errors")
    w.go("/accounts/password/reset/sent/", "done")
    w.go("/accounts/password/reset/done/", "done")
    w.go(f"/accounts/password/reset/{uid}/bad-token/", "invalid link")
    w.go(f"/accounts/password/reset/{uid}/{default_token_generator.make_token(users['applicant'])}/", "empty")
    w.submit()
    w.check("errors")

    # Staff sign-in: the code page, and the set-up of two-step sign-in from the e-mailed link.
    w.v.with_session(a11y_world.half_signed_in(users["clerk"]))
    w.go("/accounts/login/code/", "empty")
    w.page.fill("#id_code", "000000")
    w.submit()
    w.check("errors")
    new_clerk, client = users["new_clerk"], Client()
    uid = urlsafe_base64_encode(force_bytes(new_clerk.pk))
    client.get(f"/accounts/totp/enrol/{uid}/{account_services.totp_enrolment_token.make_token(new_clerk)}/")
    client.post("/accounts/login/", {"email": new_clerk.email, "password": PASSWORD})
    w.v.with_session(client)
    w.go("/accounts/totp/setup/", "empty")
    w.page.fill("#id_code", "000000")
    w.submit()
    w.check("errors")

    w.v.as_user(None)
    w.go("/verify/", "empty")
    w.page.fill("#verify-code", "nonsense")
    w.submit("#by-code button")
    w.check("errors")
    w.page.set_input_files("#verify-file", files=[{"name": "empty.pdf", "mimeType": "application/pdf", "buffer": b""}])
    w.submit("#by-file button")
    w.check("file error")
    w.go("/verify/hash/" + "0" * 64 + "/", "unknown")
    w.go(f"/verify/{docs['valid'].verification_code}/", "valid")
    w.go(f"/verify/{docs['revoked'].verification_code}/", "revoked")
    w.go(f"/d/{world.tokens['link']}/", "documents")
    w.go(f"/d/{world.tokens['expired']}/", "expired")
    w.go("/mailbox/", "filled")
    w.go("/mailbox/wes/", "empty")
    w.page.goto(w.v.base_url + "/mailbox/")
    w.page.locator("#mailbox a").first.click()
    w.check("message")
    walk_manual(w, "applicant", "/help/")
    w.go("/no-such-page/", "page", "error:404")
    w.go("/a11y-500/", "page", "error:500")


def walk_manual(w: Walk, audience: str, index: str):
    w.go(index, "page")
    language = "en" if w.v.language == "en" else "zh-hant"
    for page in manual.pages(language, audience):
        w.go(page.url, "every page")


def walk_applicant(w: Walk, world):
    users, orders = world.users, world.orders
    applicant = users["applicant"]
    w.v.as_user(applicant)
    w.go("/", "signed in")
    w.go("/orders/", "filled")
    w.go("/my-data/", "page")
    for key, state in (("submitted", "submitted"), ("awaiting", "awaiting payment"), ("approval", "paid"),
                       ("issued", "issued")):
        w.go(f"/orders/{orders[key].number}/", state)
    w.go(f"/payments/ecpay/return/{orders['awaiting'].number}/", "not paid yet")
    w.page.route("**/payments/checkout.js", lambda route: route.fulfill(body="", content_type="text/javascript"))
    w.go(f"/payments/checkout/{orders['awaiting'].number}/", "page")
    w.page.unroute("**/payments/checkout.js")
    w.go("/accounts/link/", "linked")

    # The order form: as it opens, with field errors, filled in by the page's script, then checked.
    page = w.page
    w.go("/orders/new/", "empty")
    page.fill("#id_name_en", "")
    page.fill("#id_recipients-0-email", "not an address")
    w.submit("#review-order")
    w.check("errors")
    w.v.goto("/orders/new/")
    page.check("input[value='transcript:en']")
    page.check("input[value='transcript:zh']")
    for _ in range(3):
        page.click("#add-recipient")
    for i, email in enumerate(["ta-wei.chen@example.com", "admissions@grad.example.edu", "a@uni.example.ac.uk", "hr@example.com"]):
        page.fill(f"#id_recipients-{i}-email", email)
        page.fill(f"#id_recipients-{i}-message", "WES Reference No. 1234567" if i == 0 else "Application ID A-778")
    page.fill("#id_phone", "+886 912 345 678")
    w.check("filled")
    w.submit("#review-order")
    w.check("filled")
    w.submit("button[value=edit]")
    page.fill("#id_recipients-1-message", "WES ref 7654321")
    w.submit("#review-order")
    w.check("warning")
    w.go("/desk/", "page", "error:403")

    w.v.as_user(users["held"])
    w.go(f"/orders/{orders['held'].number}/", "warning")
    w.v.as_user(users["fresh"])
    w.go("/orders/", "empty")
    w.v.as_user(users["newcomer"])
    w.go("/accounts/link/", "empty")
    w.submit()
    w.check("errors")


def walk_desk(w: Walk, world):
    orders = world.orders
    w.v.as_user(world.users["officer"])
    w.go("/desk/", "filled")
    w.go("/desk/?q=no-such-order", "empty")
    w.go("/desk/reports/", "page")
    w.go(f"/desk/orders/{orders['awaiting'].number}/", "awaiting payment")
    w.go(f"/desk/orders/{orders['approval'].number}/", "warning")
    w.go(f"/desk/orders/{orders['issued'].number}/", "issued")
    w.go(f"/payments/desk/{orders['awaiting'].number}/record/", "empty")
    w.submit("#record-submit")
    w.check("errors")
    w.go("/desk/orders/new/", "empty")
    w.page.fill("#id_name_en", "")
    w.submit("#review-order")
    w.check("errors")
    w.go("/desk/calendar/", "filled")
    w.submit("#add button")
    w.check("errors")
    w.go("/desk/audit/", "page")
    w.submit("form[action$='/check/'] button")
    w.check("checked")
    walk_manual(w, "staff", "/desk/help/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_every_page_passes_axe_and_reflows(browser, live_server, world, settings, language):
    started = time.monotonic()
    visitor = a11y.Visitor(browser, live_server.url, language, with_axe=True)
    w = Walk(visitor)
    try:
        walk_public(w, world)
        walk_applicant(w, world)
        walk_desk(w, world)
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "verify_ip": "1/10m"}
        w.v.as_user(None)
        code = world.documents["valid"].verification_code
        w.v.goto(f"/verify/{code}/")
        w.go(f"/verify/{code}/", "page", "error:429")
    finally:
        visitor.close()
    missed = sorted(EXPECTED - w.reached)
    report = [*w.problems, *(f"{name} [{state}]: not reached" for name, state in missed)]
    for name, state, problems in w.results:
        line = []
        if problems["axe"]:
            line.append(f"axe: {a11y.describe(problems['axe'])}")
        for label in ("390px", "200%"):
            if problems[label] > 0:
                line.append(f"scrolls {problems[label]}px sideways at {label} ({', '.join(problems[label + ' wide'])})")
        if line:
            report.append(f"{name} [{state}] {problems['path']}: " + " | ".join(line))
    print(f"\n{language}: {len(w.results)} pages ({len(w.reached)} page states) in {time.monotonic() - started:.1f}s")
    assert not report, f"{len(report)} problems in {len(w.results)} pages:\n" + "\n".join(report)
    assert visitor.errors == []
