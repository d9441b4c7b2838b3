"""The throwaway school the manual's pictures are taken in (``sealpost screenshots``).

Runs inside the screenshots child process, whose data folder is a temporary one: it builds the
demo school (the demo data module, as ``sealpost demo`` does) and then takes a few orders through
the real services so that every page the manual shows has something to show: a WES order paid,
issued, e-mailed and uploaded to the local WES stand-in; an order waiting for an officer's
approval; one waiting for payment; a form 2-07-3 with a hold; an applicant whose order is on
hold; a newcomer who has not linked a record yet.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

NEWCOMER = "newcomer@demo.sealpost.test"
HELD = "held.alumnus@demo.sealpost.test"


@dataclass
class World:
    """What the captures need to find: accounts by role, order numbers, a download link."""

    users: dict = field(default_factory=dict)  # role -> User
    orders: dict = field(default_factory=dict)  # key -> order number
    documents: dict = field(default_factory=dict)  # key -> Document
    link_url: str = ""  # the recipient's download link (from the e-mail)
    expired_link_url: str = ""
    recipient_email: Path | None = None  # the .eml a recipient received
    verification_code: str = ""
    wes_server: object = None


def _draft(student, user_email, documents, recipients, language, **extra):
    from sealpost.orders.models import ApplicantType
    from sealpost.orders.services import Draft

    return Draft(
        applicant_type=extra.pop("applicant_type", ApplicantType.ALUMNUS), documents=documents,
        name_zh=student.name_zh, name_en=student.name_en, phone=extra.pop("phone", "0912-345-678"),
        email=user_email, recipients=[(user_email, extra.pop("own_message", ""))] + recipients,
        language=language, **extra,
    )


def build() -> World:
    """Migrate, create the demo school and bring its orders into the states the manual shows."""
    from sealpost.accounts.models import Role, User
    from sealpost.demo.management.commands.demo import start_wes_stand_in
    # The demo data (sealpost.demo.school; it was sealpost.records.demo).
    from sealpost.demo.school import APPLICANT_EMAILS, DEMO_DOMAIN, create_demo_school
    from sealpost.orders.models import Channel, Order
    from sealpost.orders.services import place_order
    from sealpost.payments import services as payments
    from sealpost.records.models import Student

    call_command("migrate", interactive=False, verbosity=0)
    create_demo_school()
    world = World()
    users = {u.email: u for u in User.objects.filter(email__endswith=DEMO_DOMAIN).select_related("student")}
    alumnus, student, intl = (users[e] for e in APPLICANT_EMAILS)
    clerk, officer = users[f"clerk@{DEMO_DOMAIN}"], users[f"officer@{DEMO_DOMAIN}"]
    world.users.update(alumnus=alumnus, student=student, intl=intl, clerk=clerk, officer=officer)

    # The demo's orders: the alumnus's WES order and second order, the student's, the
    # international student's, and the form 2-07-3 keyed in for an alumnus with a hold.
    wes_order = Order.objects.filter(applicant=alumnus).exclude(wes_reference="").order_by("id").first()
    second = Order.objects.filter(applicant=alumnus, wes_reference="").order_by("id").first()
    student_order = Order.objects.filter(applicant=student).order_by("id").first()
    intl_order = Order.objects.filter(applicant=intl).order_by("id").first()
    form_order = Order.objects.filter(channel=Channel.FORM_2073).order_by("id").first()
    world.orders.update(wes=wes_order.number, approval=second.number, student=student_order.number,
                        intl=intl_order.number, form=form_order.number)

    # A third alumnus order in Chinese, paid at the counter: the Chinese documents' pictures.
    chinese = place_order(student=alumnus.student, applicant=alumnus, actor=alumnus, draft=_draft(
        alumnus.student, alumnus.email, [("transcript", "zh"), ("degree_certificate", "zh")],
        [("admission@grad.example.edu.tw", "報考碩士班，准考證號碼 115-0231")], "zh-hant"))
    world.orders["chinese"] = chinese.number

    # The clerk sends the payment notices (the 1-business-day promise), then payments come in.
    payments.send_payment_notices([wes_order, second, student_order, chinese], clerk)
    for order, method, reference in ((wes_order, "virtual_account", "TX2026000001"),
                                     (second, "counter", "R-115-000731"), (chinese, "counter", "R-115-000732")):
        order.refresh_from_db()
        payments.record_payment(order, order.total, method, reference, actor=clerk)

    # WES: the local SFTP stand-in, as `sealpost demo` starts it; then the worker issues, e-mails
    # and uploads what was paid (the second order waits for an officer: a rank certificate).
    world.wes_server = start_wes_stand_in(0)
    call_command("worker", batch=True, verbosity=0)

    # An applicant whose record has a hold (the form 2-07-3's student), ordering online.
    held_student = Student.objects.get(pk=form_order.student_id)
    held = User.objects.create_user(email=HELD, password=None, full_name=held_student.name_zh or held_student.name_en,
                                    role=Role.APPLICANT, email_verified=True, student=held_student)
    held_order = place_order(student=held_student, applicant=held, actor=held, draft=_draft(
        held_student, held.email, [("transcript", "en")], [], "en", applicant_type=form_order.applicant_type))
    world.orders["held"] = held_order.number
    world.users["held"] = held
    # A newcomer: registered and confirmed, no record linked yet.
    world.users["newcomer"] = User.objects.create_user(email=NEWCOMER, password=None, full_name="",
                                                       role=Role.APPLICANT, email_verified=True)

    # A typhoon day in the calendar, as an officer enters it.
    _typhoon_day(officer)

    wes_order.refresh_from_db()
    world.documents = {f"{d.document_type}-{d.language}": d for d in wes_order.issued_documents.all()}
    world.documents.update({f"{d.document_type}-{d.language}": d for d in chinese.issued_documents.all()})
    world.verification_code = world.documents["transcript-en"].verification_code
    world.recipient_email, world.link_url = _recipient_mail(wes_order, 2)
    world.expired_link_url = _expired_link(wes_order)
    return world


def _typhoon_day(officer) -> None:
    from sealpost.workdays import services as workdays

    day = timezone.localdate() - datetime.timedelta(days=21)
    while not workdays.is_business_day(day):
        day -= datetime.timedelta(days=1)
    workdays.close(day, "颱風停止上班（桃園市政府公告） / Typhoon day declared by the Taoyuan City Government", officer)


def _recipient_mail(order, position: int) -> tuple[Path | None, str]:
    """The e-mail a recipient of the order received, and the download link in it."""
    recipient = order.recipients.get(position=position)
    for path in sorted(Path(settings.EMAIL_FILE_PATH).glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if recipient.email in (message["To"] or ""):
            body = message.get_body(("plain",)).get_content()
            match = re.search(r"(https?://\S+/d/[^\s/]+/)", body)
            return path, match.group(1) if match else ""
    return None, ""


def _expired_link(order) -> str:
    """Recipient 3's link, made to have expired yesterday: the page a late recipient sees."""
    from sealpost.delivery.models import DownloadLink

    _path, url = _recipient_mail(order, 3)
    DownloadLink.objects.filter(delivery__order=order, delivery__recipient__position=3).update(
        expires_at=timezone.now() - datetime.timedelta(days=1))
    return url


def pdf_files(world: World) -> dict[str, bytes]:
    """Real issued PDFs (and a printed form 2-07-3) for the manual's pictures of documents."""
    from sealpost.orders import form2073
    from sealpost.orders.models import Order

    files = {}
    for key in ("transcript-en", "degree_certificate-en", "transcript-zh", "degree_certificate-zh"):
        document = world.documents.get(key)
        if document is not None and document.current_file is not None:
            files[key.replace("_", "-")] = document.current_file.read()
    files["form-2-07-3"] = form2073.render(Order.objects.get(number=world.orders["intl"]))
    return files


def stop(world: World) -> None:
    if world.wes_server is not None:
        world.wes_server.stop()
