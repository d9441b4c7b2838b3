"""People who sign in: applicants, and registrar staff in one of three roles."""

import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sealpost.accounts.addresses import normalise_email
from sealpost.accounts.encryption import EncryptedSecretField


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    CLERK = "clerk", _("Registrar clerk")
    OFFICER = "officer", _("Registrar officer")
    AUDITOR = "auditor", _("Auditor")


STAFF_ROLES = {Role.CLERK, Role.OFFICER, Role.AUDITOR}


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        """Addresses are stored, and looked up, in one canonical form (sealpost.accounts.addresses)."""
        return normalise_email(email)

    def with_email(self, email):
        """The account with this address, in any form that normalises to it (at most one)."""
        return self.filter(email=normalise_email(email))

    def _create(self, email, password, **fields):
        email = self.normalize_email(email)
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=email, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("role", Role.APPLICANT)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(role=Role.OFFICER, is_superuser=True, email_verified=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username):
        # Exact on the canonical form: never the database's own case-insensitive match, which
        # folds different characters on SQLite and on PostgreSQL than the sign-in lockout does.
        return self.with_email(username).get()


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.APPLICANT)
    is_active = models.BooleanField(default=True)
    email_verified = models.BooleanField(default=False)
    language = models.CharField(max_length=10, default="zh-hant")
    # The student record this applicant proved to be theirs (student number, birth date, ID).
    student = models.OneToOneField(
        "records.Student", null=True, blank=True, on_delete=models.SET_NULL, related_name="account"
    )
    # Time-based one-time passwords for staff: the secret is set at enrolment and confirmed
    # by a first valid code; last_totp_step stops a code from being used twice. The secret is
    # stored encrypted under SEALPOST_TOTP_KEY (sealpost.accounts.encryption).
    totp_secret = EncryptedSecretField(max_length=255, blank=True)
    totp_confirmed = models.BooleanField(default=False)
    last_totp_step = models.BigIntegerField(default=0)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")

    def __str__(self):
        return self.email

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES

    # Django admin is not used; is_staff only answers the contrib code that asks.
    @property
    def is_staff(self) -> bool:
        return self.is_staff_member


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user, label="", expires_at=None) -> str:
        token = "sp_" + secrets.token_urlsafe(32)
        cls.objects.create(user=user, digest=cls.digest_of(token), label=label, expires_at=expires_at)
        return token
