import datetime
import statistics
import time

import pytest
from django.core import mail
from django.urls import reverse

from sealpost.accounts import services
from sealpost.accounts.models import User
from sealpost.accounts.tests.conftest import link_in
from sealpost.conftest import PASSWORD

URL = "/accounts/register/"


def register(client, email="new.person@example.com", **fields):
    data = {"email": email, "full_name": "Lin Mei-Ling", "password1": PASSWORD, "password2": PASSWORD, **fields}
    return client.post(URL, data)


def sign_in(client, email="new.person@example.com"):
    return client.post("/accounts/login/", {"email": email, "password": PASSWORD})


@pytest.mark.django_db
def test_register_page_in_english(client):
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in page
    assert "Password again" in page
    assert "We will send you an e-mail to confirm your address." in page


@pytest.mark.django_db
def test_registering_creates_unverified_applicant_and_sends_link(client, settings):
    settings.BASE_URL = "https://records.example.edu"
    response = register(client)
    assert response.status_code == 302
    assert response.url == reverse("accounts:register_done")
    assert "new.person@example.com" in client.get(response.url).content.decode()

    user = User.objects.get(email="new.person@example.com")
    assert (user.role, user.email_verified, user.full_name, user.language) == ("applicant", False, "Lin Mei-Ling", "en")
    [message] = mail.outbox
    assert message.to == ["new.person@example.com"]
    assert "https://records.example.edu/accounts/verify/" in message.body


@pytest.mark.django_db
def test_language_of_the_request_is_kept(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-Hant"
    register(client)
    assert User.objects.get().language == "zh-hant"


@pytest.mark.django_db
def test_verification_link_activates_once(client):
    register(client)
    assert not sign_in(client).wsgi_request.user.is_authenticated

    link = link_in(mail.outbox[0])
    response = client.get(link)
    assert response.status_code == 302
    assert User.objects.get().email_verified

    response = sign_in(client)
    assert response.url == reverse("portal:home")
    client.post("/accounts/logout/")

    again = client.get(link)
    assert again.status_code == 200
    assert "This confirmation link is not valid" in again.content.decode()


@pytest.mark.django_db
def test_verification_link_expires(client, monkeypatch, settings):
    register(client)
    later = datetime.datetime.now() + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    monkeypatch.setattr(services.email_verification_token, "_now", lambda: later)
    response = client.get(link_in(mail.outbox[0]))
    assert "This confirmation link is not valid" in response.content.decode()
    assert not User.objects.get().email_verified


@pytest.mark.django_db
def test_tampered_link_is_refused(client):
    register(client)
    assert "not valid" in client.get(link_in(mail.outbox[0])[:-3] + "xx/").content.decode()
    assert "not valid" in client.get("/accounts/verify/zzz/abc-def/").content.decode()
    assert not User.objects.get().email_verified


@pytest.mark.django_db
def test_existing_address_is_not_revealed(client, applicant):
    fresh = register(client)
    mail.outbox.clear()
    taken = register(client, email="Ta-Wei.Chen@example.com", full_name="Someone Else")

    assert taken.status_code == fresh.status_code == 302
    assert taken.url == fresh.url
    assert User.objects.filter(email__iexact="ta-wei.chen@example.com").count() == 1
    applicant.refresh_from_db()
    assert applicant.check_password(PASSWORD) and applicant.email_verified
    # The owner is told, without a link that could change anything.
    [message] = mail.outbox
    assert message.to == ["ta-wei.chen@example.com"]
    assert "/accounts/verify/" not in message.body


@pytest.mark.django_db
def test_registering_again_before_verifying_sends_a_new_link(client):
    register(client)
    register(client)
    assert User.objects.count() == 1
    assert len(mail.outbox) == 2
    assert client.get(link_in(mail.outbox[1])).status_code == 302
    assert User.objects.get().email_verified


@pytest.mark.django_db
def test_mismatched_passwords_keep_what_was_typed(client):
    response = register(client, password2="something else entirely")
    page = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["password2"]
    assert 'value="new.person@example.com"' in page
    assert 'value="Lin Mei-Ling"' in page
    assert PASSWORD not in page
    assert not User.objects.exists() and not mail.outbox


@pytest.mark.django_db
def test_weak_password_is_refused(client):
    response = register(client, password1="12345678", password2="12345678")
    assert "password2" in response.context["form"].errors
    assert not User.objects.exists()


@pytest.mark.django_db
def test_missing_fields_are_reported_per_field(client):
    response = client.post(URL, {"email": "not-an-address"})
    assert set(response.context["form"].errors) == {"email", "full_name", "password1", "password2"}


@pytest.mark.django_db
def test_registration_takes_as_long_for_a_taken_address_as_for_a_new_one(client, applicant, settings):
    """The time of the answer must not tell whether an address has an account: both ways hash a
    password once (with the production hasher, not the tests' fast one) and send one e-mail.
    Medians of interleaved registrations through the view; before the fix a taken address was
    answered about 4× faster (no hash), so a ratio under 1.5 leaves room for a loaded machine."""
    from django.conf import global_settings

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register_ip": "1000/d"}

    def timed(email):
        start = time.perf_counter()
        response = register(client, email=email)
        elapsed = time.perf_counter() - start
        assert response.status_code == 302 and response.url == reverse("accounts:register_done")
        return elapsed

    new, taken = [], []
    timed("warm.up@example.com"), timed(applicant.email)  # templates, the hasher, the first queries
    for n in range(6):
        pair = [("new", f"new.person{n}@example.com"), ("taken", applicant.email.upper())]
        for kind, email in pair if n % 2 else reversed(pair):  # alternate which goes first
            (new if kind == "new" else taken).append(timed(email))
    assert User.objects.count() == 1 + 1 + 6
    assert len(mail.outbox) == 2 + 12  # one e-mail each way, every time
    fast, slow = sorted([statistics.median(new), statistics.median(taken)])
    assert slow / fast < 1.5, f"new {sorted(new)}, taken {sorted(taken)}"
