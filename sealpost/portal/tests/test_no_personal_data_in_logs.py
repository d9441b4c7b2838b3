"""No personal data in the logs (issue 7): the main flows, with every logger at DEBUG, write no
national ID, name, birth date, e-mail address or recipient address, also when things go wrong
(a wrong national ID, a mail server refusing a recipient)."""

from __future__ import annotations

import datetime
import logging
import re
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from sealpost.accounts.models import User
from sealpost.accounts.tests.conftest import link_in
from sealpost.conftest import PASSWORD, add_grades
from sealpost.delivery import services as delivery_services
from sealpost.delivery.models import Delivery
from sealpost.documents.models import Document
from sealpost.orders.models import Order, Status
from sealpost.portal.tests.helpers import order_post

pytestmark = pytest.mark.django_db(transaction=True)

NATIONAL_ID = "F131104093"
BIRTH = datetime.date(1998, 3, 7)
EMAIL = "ta-wei.chen@example.com"
RECIPIENT = "admissions@grad.example.org"
REFUSED = "nobody@refusing.example.net"
SECRETS = [
    NATIONAL_ID, NATIONAL_ID.lower(), "F 131 104 093", "A123456789",  # the wrong one typed once
    "陳大偉", "CHEN, TA-WEI", "CHEN TA-WEI", "Chen Ta-wei",
    "1998-03-07", "1998/03/07", "19980307", "87/03/07",  # ROC year 87
    EMAIL, RECIPIENT, REFUSED, "0912-345-678", "0912345678",
]
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


class Everything(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        text = f"{record.name} {record.levelname} {record.getMessage()}"
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        if record.stack_info:
            text += "\n" + record.stack_info
        self.lines.append(text)


@pytest.fixture
def logs():
    """Every logger at DEBUG, everything to one handler on the root logger."""
    handler = Everything()
    root = logging.getLogger()
    saved = {}
    for name in list(logging.root.manager.loggerDict):
        logger = logging.getLogger(name)
        saved[name] = (logger.level, logger.propagate, logger.disabled)
        logger.setLevel(logging.DEBUG)
        logger.propagate = True
        logger.disabled = False
    root_level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(root_level)
        for name, (level, propagate, disabled) in saved.items():
            logger = logging.getLogger(name)
            logger.setLevel(level)
            logger.propagate = propagate
            logger.disabled = disabled


class RefusingBackend(EmailBackend):
    """The mail server refuses one address, as a real one does (the address is in the error)."""

    def send_messages(self, messages):
        for message in messages:
            if REFUSED in message.to:
                raise smtplib.SMTPRecipientsRefused({REFUSED: (550, f"5.1.1 <{REFUSED}>: Recipient address rejected".encode())})
        return super().send_messages(messages)


@pytest.fixture
def record(make_student):
    student = make_student(student_number="109501234", date_of_birth=BIRTH, national_id=NATIONAL_ID)
    return add_grades(student, 2)


def test_main_flows_log_no_personal_data(client, record, settings, logs, run_worker):
    settings.DEMO = True
    settings.EMAIL_BACKEND = "sealpost.portal.tests.test_no_personal_data_in_logs.RefusingBackend"
    settings.DELIVERY_MAX_ATTEMPTS = 1
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    # Register, confirm the address, sign in (once with a wrong password).
    assert client.post("/accounts/register/", {"email": EMAIL, "full_name": "陳大偉", "password1": PASSWORD,
                                               "password2": PASSWORD}).status_code == 302
    assert client.get(link_in(mail.outbox[0])).status_code == 302
    client.post("/accounts/login/", {"email": EMAIL, "password": "not the password"})
    client.post("/accounts/login/", {"email": EMAIL, "password": PASSWORD})
    user = User.objects.get(email=EMAIL)

    # Link the record: once with a wrong national ID, then right.
    details = {"student_number": "109501234", "date_of_birth": "1998-03-07"}
    client.post("/accounts/link/", {**details, "national_id": "A123456789"})
    client.post("/accounts/link/", {**details, "national_id": "f 131 104 093"})
    user.refresh_from_db()
    assert user.student == record

    # Order, with a recipient the mail server refuses.
    data = order_post(recipients=[(RECIPIENT, "WES Reference No. 1234567"), (REFUSED, "")],
                      phone="0912-345-678", email=EMAIL, documents=["transcript:en"])
    assert client.post("/orders/new/", data).status_code == 302
    assert client.post("/orders/new/confirm/", {"action": "submit"}).status_code == 302
    order = Order.objects.get()

    # Pay (demo), then the worker issues, signs and delivers.
    client.post(f"/payments/demo/{order.number}/")
    run_worker()
    order.refresh_from_db()
    assert order.status in (Status.ISSUED, Status.DELIVERED)
    document = Document.objects.get(order=order)
    assert Delivery.objects.filter(order=order, state=Delivery.State.FAILED).count() == 1
    sent = [m for m in mail.outbox if m.to == [RECIPIENT]]
    assert sent

    # The recipient downloads; the applicant downloads; anyone verifies by code, fingerprint and file.
    link = re.search(r"http://testserver(/d/[A-Za-z0-9_-]+/)", sent[0].body).group(1)
    assert client.get(link).status_code == 200
    pdf = client.get(f"/orders/{order.number}/documents/{document.verification_code}.pdf").content
    assert pdf.startswith(b"%PDF")
    assert client.get(f"/verify/{document.verification_code}/").status_code == 200
    assert client.post("/verify/", {"file": _upload(pdf)}).status_code == 200
    assert client.post("/verify/", {"file": _upload(pdf[:-200] + b"tampered")}).status_code == 200

    text = "\n".join(logs.lines)
    assert logs.lines, "nothing was logged: the capture is broken"
    for secret in SECRETS:
        assert secret.casefold() not in text.casefold(), f"{secret!r} in the logs:\n{_around(text, secret)}"
    assert not EMAIL_RE.search(text), _around(text, EMAIL_RE.search(text).group(0))


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("document.pdf", data, content_type="application/pdf")


def _around(text: str, needle: str) -> str:
    i = text.casefold().find(needle.casefold())
    return text[max(0, i - 300): i + 300]


def test_redaction_helper():
    from sealpost.privacy import redact

    assert redact("SMTPRecipientsRefused: {'a.b@c.example': (550, b'<a.b@c.example> no')}") == (
        "SMTPRecipientsRefused: {'<address>': (550, b'<<address>> no')}")



def test_wes_file_names_are_redacted():
    """A WES file name carries the holder's name; an SFTP error quoting it is logged without it."""
    from sealpost.delivery import wes
    from sealpost.privacy import redact

    error = wes.WESUnavailable("Upload of 1234567_CHEN_TA-WEI_transcript_en.pdf to WES broke off: EOF; "
                               "/inbox/1234567_CHEN_TA-WEI_transcript_en.pdf.part, 1234567_ORD-1_manifest.json")
    assert redact(error) == "Upload of <file> to WES broke off: EOF; /inbox/<file>, <file>"


def test_sql_with_its_parameters_is_never_logged(settings):
    """Django logs each SQL statement with its parameters at DEBUG when DEBUG is on; the
    configured level keeps that out even when SEALPOST_LOG_LEVEL=DEBUG."""
    assert settings.LOGGING["loggers"]["django.db.backends"]["level"] == "INFO"
    assert logging.getLogger("django.db.backends").getEffectiveLevel() >= logging.INFO
