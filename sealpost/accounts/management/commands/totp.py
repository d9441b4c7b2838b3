from django.core.management.base import BaseCommand, CommandError

from sealpost.accounts import services
from sealpost.accounts.models import User


class Command(BaseCommand):
    help = "Print the current one-time sign-in code of a staff member (for demonstrations)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, email, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None or not user.is_staff_member:
            raise CommandError(f"No staff account with the address {email}.")
        if not user.totp_confirmed:
            secret = services.start_totp_enrolment(user)
            user.totp_confirmed = True
            user.save(update_fields=["totp_confirmed"])
            self.stdout.write(f"secret: {secret}")
            self.stdout.write(f"uri: {services.totp_uri(user)}")
        self.stdout.write(services.current_totp(user))
