"""sealpost export-personal-data (--email ADDRESS | --student-number NUMBER) [-o FILE]

For an access request made on paper (PDPA articles 3 and 10): everything held about one
applicant, as the applicant's own "My personal data" page gives it (sealpost.portal.
personal_data), written as JSON to FILE (mode 0600) or to standard output. The export is
recorded in the audit trail (``personal_data.exported``, by account or student record id)."""

import os

from django.core.management.base import BaseCommand, CommandError

from sealpost.accounts.models import User
from sealpost.audit import services as audit
from sealpost.portal import personal_data
from sealpost.records.models import Student


class Command(BaseCommand):
    help = "Export all personal data held about one applicant as JSON (an access request made on paper)."

    def add_arguments(self, parser):
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--email", help="the applicant's account e-mail address")
        who.add_argument("--student-number", help="the student number (also without an account)")
        parser.add_argument("-o", "--output", help="write to this file (created with mode 0600) instead of standard output")
        parser.add_argument("--staff", default="", help="who answers the request (noted in the audit trail), e.g. your e-mail")

    def handle(self, *args, **options):
        user = student = None
        if options["email"]:
            user = User.objects.with_email(options["email"]).first()
            if user is None:
                raise CommandError("No account has this e-mail address.")
            if user.is_staff_member:
                raise CommandError("This is a staff account, not an applicant's.")
            student = user.student
        else:
            student = Student.objects.filter(student_number=options["student_number"].strip()).first()
            if student is None:
                raise CommandError("No student record has this number.")
            user = User.objects.filter(student=student).first()
        data = personal_data.collect(user=user, student=student)
        text = personal_data.dumps(data) + "\n"
        actor = f"staff: {options['staff']}" if options["staff"] else "system"
        if user is not None:
            audit.append("personal_data.exported", actor=actor, object_type="user", object_id=user.pk, via="command")
        else:
            audit.append("personal_data.exported", actor=actor, object_type="student", object_id=student.pk, via="command")
        if options["output"]:
            fd = os.open(options["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(fd, 0o600)  # also when the file existed
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            self.stderr.write(f"written to {options['output']}: {len(data['orders'])} orders")
        else:
            self.stdout.write(text, ending="")
