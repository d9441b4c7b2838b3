import secrets

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sealpost.accounts import services
from sealpost.accounts.models import Role, User

STAFF_ROLES = [Role.CLERK, Role.OFFICER, Role.AUDITOR]


class Command(BaseCommand):
    help = "Create a registrar staff account (clerk, officer or auditor)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=[r.value for r in STAFF_ROLES])
        parser.add_argument("--password", help="without it, a random password is made and printed")
        parser.add_argument("--name", default="")

    def handle(self, email, role, password, name, **options):
        if User.objects.with_email(email).exists():
            raise CommandError(f"An account with the address {email} already exists.")
        if password:
            try:
                password_validation.validate_password(password, User(email=email, full_name=name))
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
        else:
            password = secrets.token_urlsafe(12)
            self.stdout.write(f"password: {password}")
        user = services.create_staff(email, role, password, full_name=name)
        self.stdout.write(f"created {role} {user.email}; signing in with the password e-mails {user.email} "
                          "a link to set up the one-time code")
