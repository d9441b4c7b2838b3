"""Store every account's address in its canonical form (NFKC, case-folded: see
sealpost.accounts.addresses), the form sign-in, registration, password reset and the lockout now
look addresses up in, exactly.

Accounts were stored lower-cased (ASCII and Unicode lower case), so most addresses do not change.
Two accounts whose addresses are one in canonical form ("student@…" and "ſtudent@…") cannot both
have it: such a group is left as it is and reported (account numbers only) for the registrar to
resolve; if one of them already has the canonical form it keeps it, and the others can no longer
be signed in to until resolved. Nothing is merged or deleted.
"""

import logging
import unicodedata
from collections import defaultdict

from django.db import migrations

log = logging.getLogger(__name__)


def canonical(address):
    # A copy of sealpost.accounts.addresses.normalise_email as it was when this was written
    # (a migration must not change when the code does).
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", address or "").casefold()).strip()


def normalise_stored_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    groups = defaultdict(list)
    for pk, email in User.objects.using(schema_editor.connection.alias).values_list("pk", "email").order_by("pk"):
        groups[canonical(email)].append((pk, email))
    collisions = []
    for key, accounts in groups.items():
        if len(accounts) > 1:
            collisions.append(sorted(pk for pk, _ in accounts))
            continue
        [(pk, email)] = accounts
        if email != key:
            User.objects.using(schema_editor.connection.alias).filter(pk=pk).update(email=key)
    for pks in collisions:
        message = (f"accounts {', '.join(map(str, pks))} have addresses that are one address in canonical form "
                   "(e.g. differing only in case or in full-width letters): left unchanged; only an account "
                   "already in the canonical form can be signed in to. Resolve by hand.")
        log.warning(message)  # on the console of `sealpost migrate` (settings.LOGGING)
    return collisions


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(normalise_stored_emails, migrations.RunPython.noop, elidable=True),
    ]
