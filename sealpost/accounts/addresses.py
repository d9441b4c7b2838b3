"""E-mail addresses of accounts: one canonical form, for storing, looking up and counting.

An account's address is stored in the form normalise_email gives, and every lookup of an account
by address (sign-in, registration, password reset, the staff commands) and every key that counts
by address (the sign-in lockout, the per-address rate limits) uses that same form, compared
exactly. So the database never decides what counts as "the same address": SQLite's and
PostgreSQL's case-insensitive comparisons fold different characters (PostgreSQL's UPPER() turns
the long s "ſ" into "S", SQLite's folds only ASCII), and a lookup that folds more than the lockout
key did let "ſtudent@…" sign in as "student@…" without counting towards its lockout.

The form is NFKC with Unicode case folding, on the whole address (local part and domain):
"ſ" becomes "s", "ß" becomes "ss", the Kelvin sign becomes "k", full-width letters, digits, "＠"
and "．" (as Chinese input methods type them) become ASCII, and upper case becomes lower case.
Addresses that differ only in such ways are one account, and mail goes to the canonical form.
"""

from __future__ import annotations

import unicodedata


def normalise_email(address: object) -> str:
    """The canonical form of an e-mail address: stripped, NFKC, case-folded. Idempotent; not a
    validation (the form fields validate the canonical form: sealpost.accounts.forms)."""
    if not isinstance(address, str):
        return ""
    # NFKC again after folding, which can leave a letter decomposed ("ΐ" folds to "ι" and two
    # combining marks); once more is enough (the tests check every code point for idempotence).
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", address).casefold())
    return folded.strip()


def keep_stored_email_normal(sender, instance, update_fields=None, **kwargs):
    """pre_save of User (connected in AccountsConfig.ready): whatever way an account is saved
    (UserManager.create_user, or User.objects.create as the demo data does), its address is
    stored in the canonical form, so that the unique constraint holds for canonical forms."""
    if update_fields is None or "email" in update_fields:
        instance.email = normalise_email(instance.email)
