import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from sealpost.accounts import services
from sealpost.accounts.models import User


class Command(BaseCommand):
    help = "Print the current one-time sign-in code of a staff member (for demonstrations)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES], default=None,
                            help="Language of the output (default: the shell's locale, LANG; else Chinese).")

    def handle(self, email, language=None, **options):
        with translation.override(language or shell_language()):
            self.print_code(email)

    def print_code(self, email):
        user = User.objects.with_email(email).first()
        if user is None or not user.is_staff_member:
            raise CommandError(f"No staff account with the address {email}.")
        if not user.totp_confirmed:  # someone at the server's command line: no set-up link needed
            secret = services.enrol_totp(user)
            self.stdout.write(f"secret: {secret}")
            self.stdout.write(f"uri: {services.totp_uri(user)}")
        # Labelled, in the chosen language; the code is the last word of the line, after a space
        # whatever the language, for scripts (`… totp EMAIL | awk '{print $NF}'`).
        label = _("Current code for %(email)s:") % {"email": user.email}
        self.stdout.write(f"{label} {services.current_totp(user)}")


def shell_language() -> str:
    """The language of the shell's locale (LC_ALL, LC_MESSAGES, LANG: "en_US.UTF-8" → "en",
    "zh_TW.UTF-8" → "zh-hant"), or the site's default when it names none we speak."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").split(".", 1)[0].replace("_", "-").lower()
        if value.startswith("en"):
            return "en"
        if value.startswith("zh"):
            return "zh-hant"
    return settings.LANGUAGE_CODE
