"""One canonical form of an account's address (sealpost/accounts/addresses.py), used for storing,
for every lookup and for the lockout and rate-limit keys, so that SQLite and PostgreSQL agree and
every spelling that reaches an account counts towards its lock. Run on both databases."""

import importlib
import io
import logging
import sys
import unicodedata

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import authenticate
from django.core import mail
from django.utils import translation
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from hypothesis import given
from hypothesis import strategies as st

from sealpost.accounts import throttle
from sealpost.accounts.addresses import normalise_email
from sealpost.accounts.forms import LoginForm, RegisterForm
from sealpost.accounts.models import Role, User
from sealpost.audit.models import AuditEntry
from sealpost.conftest import PASSWORD

LOGIN = "/accounts/login/"
RESET = "/accounts/password/reset/"
REGISTER = "/accounts/register/"

STUDENT = "student@example.com"
LONG_S = "\u017ftudent@example.com"  # ſtudent: PostgreSQL's UPPER() makes it STUDENT
# Spellings of STUDENT that are the same address in canonical form.
SAME = [LONG_S, "Student@Example.COM", "ＳＴＵＤＥＮＴ＠ＥＸＡＭＰＬＥ．ＣＯＭ", "  student@example.com  ",
        "\u017fTUDENT@EXAMPLE.COM"]


@pytest.fixture
def student_account(make_user):
    return make_user(email=STUDENT)


@pytest.fixture
def ten_failures(settings):
    """The production lockout: ten wrong passwords (no per-network-address limit in the way)."""
    settings.LOGIN_LOCKOUT_FAILURES = 10
    settings.LOGIN_LOCKOUT_WINDOW_MINUTES = 24 * 60  # windows are fixed: a long one never ends mid-test
    settings.LOGIN_LOCKOUT_MINUTES = 15
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_ip": "1000/d"}


def wrong(client, email):
    return client.post(LOGIN, {"email": email, "password": "not the password"})


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


# --- the canonical form ------------------------------------------------------------------------


@pytest.mark.parametrize("typed, canonical", [
    (LONG_S, STUDENT),
    ("ＳＴＵＤＥＮＴ＠ＥＸＡＭＰＬＥ．ＣＯＭ", STUDENT),  # full-width, as Chinese input methods type
    ("  Student@Example.COM\n", STUDENT),
    ("Straße@Example.com", "strasse@example.com"),
    ("\u212aelvin@example.com", "kelvin@example.com"),  # the Kelvin sign
    ("office@BÜCHER.de", "office@bücher.de"),
    ("\u0131nfo@example.com", "\u0131nfo@example.com"),  # dotless i has no case fold: not "info"
    ("", ""),
    (None, ""),
])
def test_canonical_form(typed, canonical):
    assert normalise_email(typed) == canonical


def test_canonical_form_is_stable_for_every_code_point():
    """Normalising twice changes nothing, for every character alone and before combining marks."""
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF or unicodedata.category(chr(code)) == "Cn":
            continue
        for text in (chr(code), "a" + chr(code), chr(code) + "\u0301", chr(code) + "\u0345\u0301"):
            once = normalise_email(text)
            assert normalise_email(once) == once, hex(code)


@given(st.text(max_size=40))
def test_canonical_form_is_stable(text):
    once = normalise_email(text)
    assert normalise_email(once) == once


# --- lockout and rate limits: one key for every spelling ----------------------------------------


@pytest.mark.django_db
def test_lockout_cannot_be_bypassed_with_another_spelling(client, student_account, ten_failures):
    """The probe's case: ten wrong passwords for student@, then ſtudent@ with the right one."""
    for n in range(9):
        assert wrong(client, STUDENT).status_code == 200, n
    assert wrong(client, STUDENT).status_code == 429  # the tenth locks
    for spelling in SAME:
        response = client.post(LOGIN, {"email": spelling, "password": PASSWORD})
        assert response.status_code == 429, spelling
        assert "Signing in with it is paused" in response.content.decode()
        assert "_auth_user_id" not in client.session
    assert all(throttle.locked_out(spelling) for spelling in SAME)


@pytest.mark.django_db
def test_failures_in_every_spelling_count_towards_one_lock(client, student_account, ten_failures):
    for n in range(10):
        response = wrong(client, SAME[n % len(SAME)])
    assert response.status_code == 429
    response = client.post(LOGIN, {"email": STUDENT, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # The lock is audited against the account, once.
    assert AuditEntry.objects.filter(action="account.locked", object_id=str(student_account.pk)).count() == 1


@pytest.mark.django_db
def test_the_lockout_keys_are_canonical(rf, student_account, ten_failures):
    keys = {throttle._lock_key(spelling) for spelling in [STUDENT, *SAME]}
    assert len(keys) == 1
    request = rf.post(LOGIN, REMOTE_ADDR="192.0.2.1")
    for n in range(9):
        assert throttle.sign_in_failed(request, SAME[n % len(SAME)]) is None
    assert throttle.sign_in_failed(request, STUDENT).lockout


@pytest.mark.django_db
def test_every_address_that_signs_in_to_an_account_shares_its_lock(student_account):
    """Whatever the database: an address reaches an account exactly when it has the account's
    lock key. ı (dotless i) is one PostgreSQL's UPPER() folds and case folding does not."""
    make = User.objects.create_user
    info = make("info@example.com", PASSWORD, email_verified=True)
    for typed in [STUDENT, *SAME, "\u0131nfo@example.com", "INFO@example.com", "inf0@example.com"]:
        user = authenticate(username=typed, password=PASSWORD)
        for account in (student_account, info):
            same_key = throttle._lock_key(typed) == throttle._lock_key(account.email)
            assert (user == account) == same_key, (typed, account.email)
    assert authenticate(username="\u0131nfo@example.com", password=PASSWORD) is None


@pytest.mark.django_db
def test_sign_in_with_another_spelling_before_any_lock(client, student_account):
    for spelling in SAME:
        response = client.post(LOGIN, {"email": spelling, "password": PASSWORD})
        assert signed_in(response), spelling
        assert response.wsgi_request.user == student_account
        client.post("/accounts/logout/")


@pytest.mark.django_db
def test_password_reset_in_another_spelling(client, student_account, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset_email": "2/d", "password_reset_ip": "100/d"}
    assert client.post(RESET, {"email": LONG_S}).status_code == 302
    [message] = mail.outbox
    assert message.to == [STUDENT]  # to the account's address, never the spelling typed
    # The per-address limit counts every spelling as one address.
    assert client.post(RESET, {"email": "ＳＴＵＤＥＮＴ＠ＥＸＡＭＰＬＥ．ＣＯＭ"}).status_code == 302
    response = client.post(RESET, {"email": STUDENT})
    assert response.status_code == 429
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_password_reset_for_a_dotless_i_is_not_for_info(client, make_user):
    make_user(email="info@example.com")
    client.post(RESET, {"email": "\u0131nfo@example.com"})
    assert not mail.outbox


# --- registration ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", [LONG_S, "ＳＴＵＤＥＮＴ＠ｅｘａｍｐｌｅ．ｃｏｍ"])
def test_registering_another_spelling_of_an_existing_address(client, student_account, spelling):
    data = {"email": spelling, "full_name": "Someone Else", "password1": PASSWORD + "!", "password2": PASSWORD + "!"}
    fresh = client.post(REGISTER, {**data, "email": "fresh@example.com"})
    mail.outbox.clear()
    taken = client.post(REGISTER, data)
    assert taken.status_code == fresh.status_code == 302 and taken.url == fresh.url
    assert User.objects.count() == 2  # the account and fresh@
    student_account.refresh_from_db()
    assert student_account.full_name != "Someone Else" and student_account.check_password(PASSWORD)
    [message] = mail.outbox  # the owner is told, as for the address in its usual spelling
    assert message.to == [STUDENT]
    assert "/accounts/verify/" not in message.body


@pytest.mark.django_db
def test_a_new_account_is_stored_in_canonical_form(client):
    client.post(REGISTER, {"email": "ＬＩＮ．Ｍｅｉ＠Ｅｘａｍｐｌｅ．ｃｏｍ", "full_name": "Lin Mei",
                           "password1": PASSWORD, "password2": PASSWORD})
    assert User.objects.get().email == "lin.mei@example.com"
    assert mail.outbox[0].to == ["lin.mei@example.com"]


def test_forms_give_the_canonical_form_and_validate_it():
    form = LoginForm({"email": "ＳＴＵＤＥＮＴ＠ＥＸＡＭＰＬＥ．ＣＯＭ", "password": "x"})
    assert form.is_valid() and form.cleaned_data["email"] == STUDENT
    assert "email" in LoginForm({"email": "a＠b＠example.com", "password": "x"}).errors  # two @ once normalised
    # The length is that of the canonical form, the one stored (User.email has 254 characters):
    # "㍱" is one character that normalises to three ("hpa").
    address = "a@" + ".".join(["\u3371" * 20] * 5) + ".com"
    assert len(address) < 254 < len(normalise_email(address)) < 320
    with translation.override("en"):
        assert "at most 254 characters" in str(RegisterForm({"email": address}).errors["email"])


# --- storage and lookups --------------------------------------------------------------------------


@pytest.mark.django_db
def test_stored_addresses_are_canonical_however_saved():
    user = User.objects.create(email="ＳＴＵＤＥＮＴ@Example.com")
    assert User.objects.get(pk=user.pk).email == STUDENT
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email=LONG_S)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(LONG_S.upper(), PASSWORD)


@pytest.mark.django_db
def test_lookups_are_exact_on_the_canonical_form(student_account):
    for spelling in SAME:
        assert User.objects.get_by_natural_key(spelling) == student_account
        assert User.objects.with_email(spelling).get() == student_account
    with pytest.raises(User.DoesNotExist):
        User.objects.get_by_natural_key("st\u00fcdent@example.com")


@pytest.mark.django_db
def test_staff_commands_find_an_account_in_any_spelling(make_user):
    make_user(role=Role.CLERK, email="clerk@registrar.example.edu")
    with pytest.raises(CommandError, match="already exists"):
        call_command("createstaff", "CLERK@ＲＥＧＩＳＴＲＡＲ.example.edu", role="clerk", password=PASSWORD)
    out = io.StringIO()
    call_command("token", "CLER\u212a@registrar.example.edu", stdout=out, stderr=io.StringIO())  # the Kelvin sign
    assert out.getvalue().startswith("sp_")


@pytest.mark.django_db
def test_a_wrong_staff_password_in_another_spelling_is_audited(client, make_user):
    clerk = make_user(role=Role.CLERK, email="clerk@registrar.example.edu")
    client.post(LOGIN, {"email": "CLER\u212a@registrar.example.edu", "password": "wrong"})
    assert AuditEntry.objects.filter(action="staff.sign_in_failed", object_id=str(clerk.pk)).exists()


# --- the data migration ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_migration_normalises_stored_addresses_and_reports_collisions(make_user, caplog):
    migration = importlib.import_module("sealpost.accounts.migrations.0002_normalise_emails")
    plain = make_user(email="plain@example.com")
    wide = make_user(email="wide@example.com")
    kept = make_user(email=STUDENT)
    twin = make_user(email="twin@example.com")
    other_twin = make_user(email="other-twin@example.com")
    # Rows as older code could have stored them (update() skips the normalisation on save).
    User.objects.filter(pk=wide.pk).update(email="ｗｉｄｅ@Example.com")
    User.objects.filter(pk=twin.pk).update(email=LONG_S)  # collides with student@, stored canonical
    third_twin = make_user(email="x@example.com")
    User.objects.filter(pk=other_twin.pk).update(email="Twin@example.com")
    User.objects.filter(pk=third_twin.pk).update(email="TWIN@EXAMPLE.COM")

    with caplog.at_level(logging.WARNING):
        collisions = migration.normalise_stored_emails(django_apps, _SchemaEditor())

    stored = dict(User.objects.values_list("pk", "email"))
    assert stored[plain.pk] == "plain@example.com"
    assert stored[wide.pk] == "wide@example.com"
    assert stored[kept.pk] == STUDENT and stored[twin.pk] == LONG_S  # reported, nothing lost
    assert stored[other_twin.pk] == "Twin@example.com"
    assert sorted(collisions) == sorted([[kept.pk, twin.pk], [other_twin.pk, third_twin.pk]])
    assert User.objects.with_email(LONG_S).get() == kept
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and f"accounts {kept.pk}, {twin.pk} " in warnings[0] + warnings[1]
    assert not any("@" in w for w in warnings)  # account numbers, not addresses, in the log


class _SchemaEditor:
    connection = connection
