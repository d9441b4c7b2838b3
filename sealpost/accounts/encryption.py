"""Staff TOTP secrets, stored encrypted under a key from the configuration.

A copy of the database alone (a backup, a dump, a stolen file) must not give anyone the second
factor: the column holds a Fernet token (AES-128-CBC with HMAC-SHA256, from `cryptography`) made
with a key derived by HKDF-SHA256 from settings.TOTP_KEY (SEALPOST_TOTP_KEY, or the generated
`totp-key` file in the data folder, kept like the ID-hash key). Python code sees the clear
secret: ``user.totp_secret`` is encrypted on its way to the database and decrypted on its way
back. An empty value (no secret) is stored empty.

A secret the configured key cannot decrypt (the key was changed or lost, or machines generated
keys of their own) reads as empty, so that no code verifies and that staff member's sign-in
fails closed, and the error is logged; every other page keeps working, and saving the account
writes the stored token back as it was, so nothing is lost once the right key is back.

Fernet tokens are randomised, so the column cannot be filtered on by value (only on "").
"""

from __future__ import annotations

import base64
import functools
import logging

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    # SEALPOST_TOTP_KEY may be any string (the generated one is 64 URL-safe characters): HKDF
    # turns it into the 32 bytes a Fernet key is.
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"sealpost totp secret").derive(key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(secret: str) -> str:
    return _fernet(settings.TOTP_KEY).encrypt(secret.encode()).decode("ascii") if secret else ""


class UnreadableSecret(str):
    """A stored secret the configured key cannot decrypt: empty to the code that reads it, and
    its stored token kept for writing back unchanged."""

    stored: str

    def __new__(cls, stored: str):
        value = super().__new__(cls, "")
        value.stored = stored
        return value


def decrypt(stored: str) -> str:
    """The clear secret; ImproperlyConfigured if the configured key cannot decrypt it."""
    if not stored:
        return ""
    try:
        return _fernet(settings.TOTP_KEY).decrypt(stored.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError) as error:
        raise ImproperlyConfigured(
            "A staff member's stored TOTP secret cannot be decrypted: SEALPOST_TOTP_KEY (or the data "
            "folder's totp-key file) is not the key it was stored with, and that staff member cannot "
            "sign in until the key is restored (docs/configuration.md)."
        ) from error


class EncryptedSecretField(models.CharField):
    """A CharField whose value is stored encrypted (see the module's docstring)."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        try:
            return decrypt(value)
        except ImproperlyConfigured as error:
            log.error("%s", error)
            return UnreadableSecret(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if isinstance(value, UnreadableSecret):
            return value.stored
        return None if value is None else encrypt(value)
