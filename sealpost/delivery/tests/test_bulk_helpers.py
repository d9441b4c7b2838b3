"""A mail backend whose server refuses everything (for tests of failed deliveries)."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPDataError(451, b"try again later")
