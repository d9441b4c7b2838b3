"""Store staff TOTP secrets encrypted under SEALPOST_TOTP_KEY (sealpost.accounts.encryption).

The column is widened (a Fernet token of a 32-character secret is 140 characters), every secret
stored in clear is encrypted, and the field then encrypts and decrypts by itself. Run
`sealpost migrate` with the key every process will have: on several machines, set
SEALPOST_TOTP_KEY before migrating (docs/operations.md). Reversible: going back decrypts.
"""

from django.db import migrations, models

import sealpost.accounts.encryption


def encrypt_clear_secrets(apps, schema_editor):
    """Encrypt every secret still in clear. Between the two AlterFields the historical field is a
    plain CharField, so the values read and written here are the column's own."""
    from sealpost.accounts.encryption import encrypt

    users = apps.get_model("accounts", "User").objects.using(schema_editor.connection.alias)
    for pk, secret in users.exclude(totp_secret="").values_list("pk", "totp_secret"):
        users.filter(pk=pk).update(totp_secret=encrypt(secret))


def decrypt_secrets(apps, schema_editor):
    from sealpost.accounts.encryption import decrypt

    users = apps.get_model("accounts", "User").objects.using(schema_editor.connection.alias)
    for pk, stored in users.exclude(totp_secret="").values_list("pk", "totp_secret"):
        users.filter(pk=pk).update(totp_secret=decrypt(stored))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_normalise_emails"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="totp_secret",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.RunPython(encrypt_clear_secrets, decrypt_secrets),
        migrations.AlterField(
            model_name="user",
            name="totp_secret",
            field=sealpost.accounts.encryption.EncryptedSecretField(blank=True, max_length=255),
        ),
    ]
