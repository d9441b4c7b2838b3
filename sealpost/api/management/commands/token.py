"""``sealpost token EMAIL [--label L] [--days N]``: issue an API bearer token for a user.

Only the token is written to standard output, so that a script can capture it::

    TOKEN=$(sealpost token clerk@registrar.example.edu --label "queue sync" --days 90)

Everything else (whom it is for, when it expires) goes to standard error. The token is shown
this once: only its SHA-256 is stored.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sealpost.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Issue a bearer token for the JSON API and print it (only the token) on standard output."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The e-mail address of the user the token acts as.")
        parser.add_argument("--label", default="", help="What the token is for (at most 100 characters).")
        parser.add_argument(
            "--days", type=int, default=None,
            help="Days until the token expires; by default it does not expire.",
        )

    def handle(self, *args, email, label, days, **options):
        try:
            user = User.objects.with_email(email).get()
        except User.DoesNotExist:
            raise CommandError(f"No user has the e-mail address {email}.")
        if not user.is_active:
            raise CommandError(f"The account {user.email} is disabled; a token for it would be refused.")
        if len(label) > 100:
            raise CommandError("The label may be at most 100 characters long.")
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        expires_at = timezone.now() + timedelta(days=days) if days is not None else None
        token = ApiToken.issue(user, label=label, expires_at=expires_at)
        until = f"until {timezone.localtime(expires_at):%Y-%m-%d %H:%M %Z}" if expires_at else "with no expiry"
        self.stderr.write(f"Token for {user.email} ({user.get_role_display()}) {until}. It is shown only now.")
        self.stdout.write(token)
