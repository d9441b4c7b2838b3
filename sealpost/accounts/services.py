"""Accounts: registration and e-mail verification, staff one-time codes, linking a student record.

Plain functions; the views only translate between HTTP and these.
"""

from __future__ import annotations

import datetime
import logging

import pyotp
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from sealpost.accounts.models import STAFF_ROLES, User
from sealpost.records import nationalid
from sealpost.records.models import Student

log = logging.getLogger(__name__)


# --- e-mail -----------------------------------------------------------------------------------


def institution_name() -> str:
    zh = (translation.get_language() or "").startswith("zh")
    return settings.INSTITUTION_NAME_ZH if zh else settings.INSTITUTION_NAME_EN


def email_context() -> dict:
    return {
        "base_url": settings.BASE_URL,
        "institution_name": institution_name(),
        "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }


def send_account_mail(user: User, name: str, context: dict | None = None) -> None:
    """Send accounts/email/<name>_subject.txt and _body.txt to the user, in the user's language."""
    with translation.override(user.language):
        context = {**email_context(), "user": user, **(context or {})}
        subject = " ".join(render_to_string(f"accounts/email/{name}_subject.txt", context).split())
        body = render_to_string(f"accounts/email/{name}_body.txt", context)
    send_mail(subject, body, None, [user.email])


# --- registration and verification --------------------------------------------------------------


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """Like a password reset token, but void once the address is verified (so it works once)."""

    key_salt = "sealpost.accounts.services.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.email_verified}"


email_verification_token = EmailVerificationTokenGenerator()


def signed_link(user: User, generator: PasswordResetTokenGenerator, url_name: str) -> str:
    """The absolute address of a one-time link for the user (uid and token in the path)."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = generator.make_token(user)
    return settings.BASE_URL + reverse(url_name, kwargs={"uidb64": uidb64, "token": token})


def user_of_link(uidb64: str) -> User | None:
    """The user a link's uid names, or None for a uid that is not one."""
    try:
        return User.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None


def verification_link(user: User) -> str:
    return signed_link(user, email_verification_token, "accounts:verify")


def send_verification(user: User) -> None:
    send_account_mail(user, "verify", {"link": verification_link(user)})


@sensitive_variables("password")
def register(email: str, password: str, full_name: str, language: str) -> User | None:
    """Create an unverified applicant and send the verification e-mail.

    An address that already has an account gets no new account and the same outcome for the
    caller; its owner is told by e-mail instead (a new link if still unverified). Returns the
    new user, or None when the address was taken.

    Both ways do the same work, so that the time taken does not tell either: one password hash
    (the new account's, or one thrown away) and one e-mail. The address is compared in its
    canonical form (sealpost.accounts.addresses): "ſtudent@…" is taken when "student@…" is.
    """
    existing = User.objects.with_email(email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(email, password, full_name=full_name.strip(), language=language)
        except IntegrityError:  # registered at the same moment (the password is hashed by now)
            existing = User.objects.with_email(email).get()
        else:
            send_verification(user)
            return user
    else:
        make_password(password)  # the hash a new account would cost (its result is not kept)
    if existing.email_verified or existing.is_staff_member:
        send_account_mail(existing, "account_exists")
    else:
        send_verification(existing)
    return None


def verify_email(uidb64: str, token: str) -> User | None:
    """Mark the address verified if the link is genuine, unexpired and unused; else None."""
    user = user_of_link(uidb64)
    if user is None or user.email_verified or not email_verification_token.check_token(user, token):
        return None
    user.email_verified = True
    user.save(update_fields=["email_verified"])
    return user


def may_sign_in(user: User) -> bool:
    """Applicants sign in only once their address is verified (staff are created verified)."""
    return user.email_verified or user.is_staff_member


# --- one-time codes for staff ------------------------------------------------------------------


# A staff member sets up the app only with both factors of their own: the password, then a link
# e-mailed to the account's address (signed, expiring after PASSWORD_RESET_TIMEOUT, used once).
# Knowing the password alone no longer lets anyone enrol their own phone on a new staff account.


class TotpEnrolmentTokenGenerator(PasswordResetTokenGenerator):
    """Like a password reset token, but void once used: using it gives the account a new secret,
    and the secret (with whether enrolment is confirmed) is part of what the token signs."""

    key_salt = "sealpost.accounts.services.TotpEnrolmentTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.totp_confirmed}{user.totp_secret}"


totp_enrolment_token = TotpEnrolmentTokenGenerator()


def send_totp_enrolment(user: User) -> None:
    """E-mail a staff member who gave the right password but has no app set up the set-up link."""
    link = signed_link(user, totp_enrolment_token, "accounts:totp_enrol")
    send_account_mail(user, "totp_enrol", {"link": link})


def totp_enrolment_user(uidb64: str, token: str) -> User | None:
    """The staff member a genuine, unexpired and unused set-up link is for, or None. The link
    stays unused: start_totp_enrolment uses it, once the password is given too."""
    user = user_of_link(uidb64)
    return user if user is not None and _enrolment_link_good(user, token) else None


def start_totp_enrolment(user: User, token: str) -> bool:
    """Use the set-up link: give the user a new, unconfirmed secret (which voids the link). False,
    and nothing changes, if the link is not a good one for this user."""
    if not _enrolment_link_good(user, token):
        return False
    _new_secret(user, confirmed=False)
    return True


def _enrolment_link_good(user: User, token: str) -> bool:
    return (user.is_active and user.is_staff_member and not user.totp_confirmed
            and totp_enrolment_token.check_token(user, token))


def enrol_totp(user: User) -> str:
    """Set up a new secret, confirmed at once, with no link: for the demonstration staff and the
    `sealpost totp` command (someone at the server's command line). Answers the secret."""
    _new_secret(user, confirmed=True)
    return user.totp_secret


def _new_secret(user: User, *, confirmed: bool) -> None:
    user.totp_secret = pyotp.random_base32()
    user.totp_confirmed = confirmed
    user.last_totp_step = 0
    user.save(update_fields=["totp_secret", "totp_confirmed", "last_totp_step"])


def totp_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=f"sealpost {institution_name()}")


def verify_totp(user: User, code: str, now: datetime.datetime | None = None) -> bool:
    """Accept a code from the current 30-second step or one either side, each step only once."""
    code = "".join((code or "").split())
    if not user.totp_secret or len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(user.totp_secret)
    current = totp.timecode(now or timezone.now())
    for step in (current - 1, current, current + 1):
        if pyotp.utils.strings_equal(code, totp.generate_otp(step)):
            # Conditional update: of two requests with the same code, only one wins.
            won = User.objects.filter(pk=user.pk, last_totp_step__lt=step).update(last_totp_step=step)
            if won:
                user.last_totp_step = step
            return bool(won)
    return False


def confirm_totp(user: User, code: str) -> bool:
    """Finish enrolment with a first valid code."""
    if not verify_totp(user, code):
        return False
    user.totp_confirmed = True
    user.save(update_fields=["totp_confirmed"])
    return True


def current_totp(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).now()


def create_staff(email: str, role: str, password: str, full_name: str = "") -> User:
    if role not in STAFF_ROLES:
        raise ValueError(role)
    return User.objects.create_user(email, password, role=role, full_name=full_name, email_verified=True)


# --- linking a student record ------------------------------------------------------------------


class LinkError(Exception):
    """The record could not be linked; the message is for the person."""


@sensitive_variables("student_number", "date_of_birth", "national_id")
def link_student(user: User, student_number: str, date_of_birth: datetime.date, national_id: str) -> Student:
    """Link the record whose number, birth date and national ID all match.

    The ID is compared only as its keyed hash and never stored or logged. A failure says nothing
    about which of the three was wrong.
    """
    student = Student.objects.filter(
        student_number__iexact=student_number.strip(),
        date_of_birth=date_of_birth,
        national_id_hash=nationalid.keyed_hash(national_id),
    ).first()
    if student is None:
        log.info("student link failed for user %s", user.pk)
        raise LinkError(
            _("We could not find a student record matching these details. Check them and try again.")
        )
    taken = LinkError(
        _("This student record is already linked to another account. Please contact the registrar's office.")
    )
    if User.objects.filter(student=student).exclude(pk=user.pk).exists():
        log.warning("student record %s already linked; user %s tried to link it", student.pk, user.pk)
        raise taken
    user.student = student
    user.full_name = user.full_name or student.name_zh or student.name_en
    try:
        with transaction.atomic():
            user.save(update_fields=["student", "full_name"])
    except IntegrityError:  # linked by someone else at the same moment
        user.refresh_from_db(fields=["student", "full_name"])
        raise taken
    log.info("user %s linked student record %s", user.pk, student.pk)
    return student
