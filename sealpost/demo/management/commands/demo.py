"""`sealpost demo`: the whole system on its embedded default, for a first look.

Brings the database up to date, creates the demo school once, prints where to go and how to
sign in, then serves the site.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run sealpost on its embedded default with demo data (what `./dev start` runs)."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="Prepare and print the logins, then stop.")

    def handle(self, *args, no_serve=False, **options):
        from sealpost.documents.fonts import covered_codepoints
        from sealpost.records.demo import create_demo_school, demo_logins

        call_command("migrate", interactive=False, verbosity=0)
        create_demo_school()
        covered_codepoints()  # read the fonts once now rather than on the first order
        sample = issued_sample()
        url = settings.BASE_URL
        parts = urlsplit(url)
        style = self.style
        self.stdout.write("")
        self.stdout.write(style.SUCCESS(f"sealpost is ready at {url}/"))
        self.stdout.write(f"  Data folder: {settings.DATA_DIR}")
        self.stdout.write(f"  E-mails are written to: {settings.EMAIL_FILE_PATH}")
        self.stdout.write("")
        self.stdout.write(style.MIGRATE_HEADING("Demo sign-ins (password, then for staff a code from `.venv/bin/sealpost totp EMAIL`):"))
        for role, email, password, student_number in demo_logins():
            extra = f"  (student {student_number})" if student_number else ""
            self.stdout.write(f"  {role:<10} {email:<32} {password}{extra}")
        if sample:
            self.stdout.write(style.MIGRATE_HEADING("A signed demo document to verify:"))
            self.stdout.write(f"  {url}/verify/{sample.verification_code}/")
            self.stdout.write("")
        if no_serve:
            return
        addrport = f"{parts.hostname or '127.0.0.1'}:{parts.port or 8000}"
        call_command("runserver", addrport, use_reloader=False, use_threading=True)


def issued_sample():
    """One issued document in the demo school, so that verification has something to show:
    the demo alumnus's first order, paid with the demonstration method on first start."""
    from sealpost.documents.models import Document
    from sealpost.orders.models import Order, Status
    from sealpost.payments.models import Method
    from sealpost.payments.services import record_payment
    from sealpost.records.demo import APPLICANT_EMAILS

    document = Document.objects.order_by("id").first()
    if document:
        return document
    order = Order.objects.filter(applicant__email=APPLICANT_EMAILS[0], status=Status.SUBMITTED).order_by("id").first()
    if order is None or order.student.active_holds().exists():
        return None
    record_payment(order, order.total, Method.DEMO, f"DEMO-{order.number}")  # issues the documents
    return Document.objects.filter(order=order).order_by("id").first()
