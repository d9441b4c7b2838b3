"""Staff TOTP secrets are stored encrypted under SEALPOST_TOTP_KEY (finding 1): a copy of the
database alone does not give the second factor. On SQLite and PostgreSQL alike."""

from importlib import import_module

import pyotp
import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from sealpost.accounts import services
from sealpost.accounts.models import User

MIGRATION = import_module("sealpost.accounts.migrations.0003_totp_secret_encrypted")


def stored(user) -> str:
    """The column as the database holds it (what a copy of the database shows)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT totp_secret FROM accounts_user WHERE id = %s", [user.pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_stored_secret_is_not_the_secret_and_codes_still_verify(clerk):
    secret = services.enrol_totp(clerk)
    column = stored(clerk)
    assert column and secret not in column and secret.lower() not in column.lower()

    fresh = User.objects.get(pk=clerk.pk)
    assert fresh.totp_secret == secret
    assert services.verify_totp(fresh, pyotp.TOTP(secret).at(timezone.now()))


@pytest.mark.django_db
def test_without_the_key_no_code_verifies_and_nothing_is_lost(clerk, settings, caplog):
    secret = services.enrol_totp(clerk)
    column, key = stored(clerk), settings.TOTP_KEY
    settings.TOTP_KEY = "another installation's key"
    user = User.objects.get(pk=clerk.pk)  # pages that show the clerk keep working
    assert not services.verify_totp(user, pyotp.TOTP(secret).at(timezone.now()))  # sign-in fails closed
    assert "SEALPOST_TOTP_KEY" in caplog.text and secret not in caplog.text
    user.full_name = "王美玲"
    user.save()
    assert stored(clerk) == column  # written back as it was

    settings.TOTP_KEY = key  # the right key is back: so is the secret
    assert User.objects.get(pk=clerk.pk).totp_secret == secret


def state_before_encryption():
    """The models as the migration's RunPython sees them: after its first AlterField, the secret
    a plain CharField (so the clear value is written and read as it is)."""
    state = MigrationLoader(connection).project_state(MIGRATION.Migration.dependencies)
    MIGRATION.Migration.operations[0].state_forwards("accounts", state)
    return state.apps


@pytest.mark.django_db
def test_the_migration_encrypts_a_secret_stored_in_clear(clerk, applicant):
    secret = pyotp.random_base32()
    apps = state_before_encryption()
    old_user = apps.get_model("accounts", "User")
    old_user.objects.filter(pk=clerk.pk).update(totp_secret=secret, totp_confirmed=True)
    assert stored(clerk) == secret  # as an installation before the migration holds it

    MIGRATION.encrypt_clear_secrets(apps, connection.schema_editor())

    assert secret not in stored(clerk)
    assert stored(applicant) == ""  # no secret stays no secret
    migrated = User.objects.get(pk=clerk.pk)
    assert migrated.totp_secret == secret
    assert services.verify_totp(migrated, pyotp.TOTP(secret).at(timezone.now()))

    MIGRATION.decrypt_secrets(apps, connection.schema_editor())  # and back, for a downgrade
    assert stored(clerk) == secret
