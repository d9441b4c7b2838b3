"""The pictures of the manual: which page, as whom, what part of it, and what to do first.

Each shot is taken in both languages and saved as sealpost/help/static/help/<language>/<name>.png.
A shot without ``url`` goes on with the page the one before it left (the order form is filled
in step by step, reviewed and submitted). ``select`` names the part to keep: one CSS selector or
several, whose boxes are joined; none keeps the top of the page, header included.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Shot:
    name: str
    who: str | None  # a key of World.users; None: not signed in
    url: str | None  # formatted with the World's orders, code and links; None: stay on the page
    select: tuple[str, ...] = ()
    height: int = 1000  # at most this many pixels high
    before: Callable | None = None  # before(page) runs once the page is open
    after: Callable | None = None  # after(page) runs once the picture is taken


# --- steps on the order form (the fields' ids are Django's) -----------------------------------


def _choose_documents(page):
    page.check("input[name=documents][value='transcript:en']")
    page.check("input[name=documents][value='degree_certificate:en']")


def _fill_recipients(page):
    page.click("#add-recipient")
    page.wait_for_selector("#id_recipients-1-email")
    page.fill("#id_recipients-1-email", "gradadmissions@university.example.edu")
    page.fill("#id_recipients-1-message", "Application ID: 2027-FA-058812")
    page.click("#add-recipient")
    page.wait_for_selector("#id_recipients-2-email")
    page.fill("#id_recipients-2-email", "admissions@college.example.ca")
    page.fill("#id_recipients-2-message", "Applicant ID 300118274")


def _fill_applicant(page):
    page.fill("#id_phone", "0912-345-678")
    page.fill("#id_wes_reference", "1234567")


def _review(page):
    with page.expect_navigation():
        page.click("#review-order")


def _submit(page):
    with page.expect_navigation():
        page.click("#submit-order")


def _tick_two(page):
    boxes = page.locator(".select-order")
    for i in range(min(2, boxes.count())):
        boxes.nth(i).check()
    page.select_option("#bulk-action", "payment_notice")


def _download_first(page):
    """The recipient downloads the transcript: the applicant's page then says so."""
    link = page.locator("a.button[href$='.pdf']").first
    if link.count():
        page.request.get(page.url.split("/d/", 1)[0] + link.get_attribute("href"))


TOP = ()  # the top of the page, header included

APPLICANT_SHOTS = [
    Shot("home", None, "/", TOP, 900),
    Shot("register", None, "/accounts/register/", ("main",)),
    Shot("sign-in", None, "/accounts/login/", ("main",)),
    Shot("link-record", "newcomer", "/accounts/link/", ("main",), 1100),
    # A recipient's side first: their download is then shown on the applicant's order page.
    Shot("recipient-link", None, "{link}", ("main",), after=_download_first),
    Shot("link-expired", None, "{expired_link}", ("main",)),
    Shot("verify", None, "/verify/", ("main",), 1300),
    Shot("verify-valid", None, "/verify/{code}/", ("main",), 1100),
    # The alumnus orders for WES, step by step.
    Shot("order-form-start", "alumnus", "/orders/new/", ("main > h1", "#order-form > section:nth-of-type(2)"),
         before=_choose_documents),
    Shot("order-form-recipients", "alumnus", None, ("#recipients",), before=_fill_recipients),
    Shot("order-form-applicant", "alumnus", None, ("#order-form > section:nth-of-type(4)", ".fee-box"), 1200,
         before=_fill_applicant),
    Shot("order-confirm", "alumnus", None, ("main",), 1500, before=_review),
    Shot("order-submitted", "alumnus", None, ("main > ul.messages", "#payment"), 1500, before=_submit),
    Shot("orders-list", "alumnus", "/orders/", TOP, 700),
    Shot("order-payment-notice", "student", "/orders/{student}/", ("#payment",)),
    Shot("order-deadline", "intl", "/orders/{intl}/", ("#next-deadline",)),
    Shot("order-issued", "alumnus", "/orders/{wes}/", ("#issued-documents", "#wes", "#recipients"), 1200),
    Shot("order-history", "alumnus", "/orders/{wes}/", ("main > section.card:last-of-type",), 900),
    Shot("order-awaiting-approval", "alumnus", "/orders/{approval}/", ("#payment",)),
    Shot("order-hold", "held", "/orders/{held}/", ("main > h1", "#hold-notice")),
    Shot("personal-data", "alumnus", "/my-data/", ("main",)),
]

STAFF_SHOTS = [
    Shot("desk-queue", "clerk", "/desk/", TOP, 1000),
    Shot("desk-bulk", "clerk", "/desk/", (".bulk-bar", "#orders thead", "#orders tbody tr:nth-child(3)"),
         before=_tick_two),
    Shot("desk-order-hold", "clerk", "/desk/orders/{form}/", ("main > h1", "#holds"), 900),
    Shot("desk-order-summary", "clerk", "/desk/orders/{form}/", ("main > section.card:nth-of-type(1)",), 900),
    Shot("desk-deadlines", "clerk", "/desk/orders/{wes}/", ("#deadlines",)),
    Shot("desk-payment-unpaid", "clerk", "/desk/orders/{intl}/", ("#payment",)),
    Shot("desk-record-payment", "clerk", "/payments/desk/{intl}/record/", ("main",)),
    Shot("desk-approval", "officer", "/desk/orders/{approval}/", ("#payment",), 1100),
    Shot("desk-issued", "officer", "/desk/orders/{wes}/", ("#issued-documents",), 1100),
    Shot("desk-recipients-wes", "clerk", "/desk/orders/{wes}/", ("section.card:has(form[action*='/d/resend/'])", "#wes"), 1100),
    Shot("desk-timeline", "clerk", "/desk/orders/{wes}/", ("#timeline",), 1000),
    Shot("desk-key-in", "clerk", "/desk/orders/new/", ("main > h1", "#order-form > section:nth-of-type(1)")),
    Shot("desk-reports", "clerk", "/desk/reports/", ("main",), 1100),
    Shot("desk-calendar", "officer", "/desk/calendar/", ("main",), 1000),
    Shot("desk-audit", "officer", "/desk/audit/", ("main",), 900),
]

SHOTS = APPLICANT_SHOTS + STAFF_SHOTS

# The documents: real issued PDFs, first page (the key of scenario.pdf_files, then the file name).
DOCUMENT_PICTURES = {
    "en": {"transcript-en": "document-transcript", "degree-certificate-en": "document-degree-certificate",
           "form-2-07-3": "document-form-2-07-3"},
    "zh-hant": {"transcript-zh": "document-transcript", "degree-certificate-zh": "document-degree-certificate",
                "form-2-07-3": "document-form-2-07-3"},
}
