"""Rate limits and the sign-in lockout (sealpost/accounts/throttle.py): 429 with a message in
the person's language, the form kept as typed, never an error page."""

import pyotp
import pytest
from django.core import mail

from sealpost.accounts import throttle
from sealpost.audit.models import AuditEntry
from sealpost.conftest import PASSWORD

LOGIN = "/accounts/login/"
CODE = "/accounts/login/code/"
RESET = "/accounts/password/reset/"
REGISTER = "/accounts/register/"


@pytest.fixture
def limits(settings):
    """Small limits, so that a test reaches them in a few requests. Per day: the windows are
    fixed, and one ending in the middle of a test would start the count again."""

    def set_limits(**rates):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, **rates}

    return set_limits


@pytest.fixture
def lockout(settings):
    settings.LOGIN_LOCKOUT_FAILURES = 3
    settings.LOGIN_LOCKOUT_WINDOW_MINUTES = 24 * 60  # windows are fixed: a long one never ends mid-test
    settings.LOGIN_LOCKOUT_MINUTES = 15
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_ip": "100/d"}


def wrong(client, email, **extra):
    return client.post(LOGIN, {"email": email, "password": "not the password"}, **extra)


# --- sign-in per network address ---------------------------------------------------------------


@pytest.mark.django_db
def test_sign_in_limited_per_address_keeps_the_email(client, applicant, limits):
    limits(login_ip="3/d")
    for _ in range(3):
        assert wrong(client, applicant.email).status_code == 200
    response = wrong(client, applicant.email)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many attempts. Try again in" in response.content.decode()
    assert f'value="{applicant.email}"' in response.content.decode()  # kept as typed
    # Even the right password waits.
    assert client.post(LOGIN, {"email": applicant.email, "password": PASSWORD}).status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_sign_in_limit_is_per_address(client, applicant, limits):
    limits(login_ip="2/d")
    for _ in range(3):
        wrong(client, applicant.email, REMOTE_ADDR="192.0.2.1")
    response = client.post(LOGIN, {"email": applicant.email, "password": PASSWORD}, REMOTE_ADDR="192.0.2.2")
    assert response.status_code == 302


@pytest.mark.django_db
def test_limit_message_in_chinese(client, applicant, limits):
    limits(login_ip="1/d")
    wrong(client, applicant.email, HTTP_ACCEPT_LANGUAGE="zh-hant")
    response = wrong(client, applicant.email, HTTP_ACCEPT_LANGUAGE="zh-hant")
    assert response.status_code == 429
    assert response["Content-Language"] == "zh-hant"


@pytest.mark.django_db
def test_client_address_from_the_proxy_header(rf, settings):
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7", REMOTE_ADDR="10.0.0.1")
    assert throttle.client_ip(request) == "198.51.100.7"  # the entry our proxy added, not the client's
    assert throttle.client_ip(rf.get("/", HTTP_X_FORWARDED_FOR="nonsense", REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"
    settings.CLIENT_IP_HEADER = ""
    assert throttle.client_ip(request) == "10.0.0.1"


# --- lockout -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_account_locked_after_failures_even_with_the_right_password(client, applicant, lockout):
    for _ in range(2):
        response = wrong(client, applicant.email)
        assert response.status_code == 200
        assert "is not correct" in response.content.decode()
    response = wrong(client, applicant.email)  # the third failure locks
    assert response.status_code == 429
    assert "Signing in with it is paused: try again in 15 minutes." in response.content.decode()
    response = client.post(LOGIN, {"email": applicant.email, "password": PASSWORD}, REMOTE_ADDR="192.0.2.50")
    assert response.status_code == 429
    assert "Signing in with it is paused" in response.content.decode()
    assert f'value="{applicant.email}"' in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_lockout_does_not_tell_whether_the_account_exists(client, applicant, lockout):
    def answers(email):
        out = []
        for _ in range(4):
            response = wrong(client, email)
            out.append((response.status_code, response.content.decode().replace(email, "EMAIL")))
        return out

    # Status and messages alike (the page from the first message on: above it are CSRF tokens).
    for (status_a, page_a), (status_b, page_b) in zip(answers(applicant.email), answers("nobody@example.com")):
        assert status_a == status_b
        assert page_a.split("errorlist")[1:] == page_b.split("errorlist")[1:]


@pytest.mark.django_db
def test_lockout_is_audited_with_the_account_number_only(client, applicant, lockout):
    for _ in range(3):
        wrong(client, applicant.email.upper())
    entry = AuditEntry.objects.get(action="account.locked")
    assert entry.object_type == "user" and entry.object_id == str(applicant.pk)
    assert entry.details == {"failures": 3, "minutes": 15}
    assert applicant.email not in entry.actor_label + str(entry.details)
    # Nothing is written for an address without an account, and a lock is written once.
    for _ in range(5):
        wrong(client, "nobody@example.com")
    wrong(client, applicant.email)
    assert AuditEntry.objects.filter(action="account.locked").count() == 1


@pytest.mark.django_db
def test_other_accounts_are_not_locked(client, applicant, make_user, lockout):
    other = make_user()
    for _ in range(3):
        wrong(client, applicant.email)
    assert client.post(LOGIN, {"email": other.email, "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_lock_ends(client, applicant, lockout, monkeypatch):
    for _ in range(3):
        wrong(client, applicant.email)
    later = throttle.time.time() + 15 * 60 + 1
    monkeypatch.setattr(throttle.time, "time", lambda: later)
    assert throttle.locked_out(applicant.email) is None


@pytest.mark.django_db
def test_wrong_staff_codes_count_towards_the_lockout(client, clerk, lockout):
    clerk.totp_secret = pyotp.random_base32()
    clerk.totp_confirmed = True
    clerk.save()
    client.post(LOGIN, {"email": clerk.email, "password": PASSWORD})
    client.post(CODE, {"code": "000000"})
    client.post(CODE, {"code": "000001"})
    response = client.post(CODE, {"code": "000002"})  # third failure: locked, back to the form
    assert response.status_code == 302 and response.url == LOGIN
    response = client.post(LOGIN, {"email": clerk.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Signing in with it is paused" in response.content.decode()
    assert AuditEntry.objects.filter(action="account.locked", object_id=str(clerk.pk)).exists()


# --- password reset, registration, new confirmation link --------------------------------------


@pytest.mark.django_db
def test_password_reset_limited_per_email(client, applicant, limits):
    limits(password_reset_email="2/d")
    for n in range(2):
        assert client.post(RESET, {"email": applicant.email}, REMOTE_ADDR=f"192.0.2.{n + 1}").status_code == 302
    response = client.post(RESET, {"email": applicant.email}, REMOTE_ADDR="192.0.2.9")
    assert response.status_code == 429
    assert f'value="{applicant.email}"' in response.content.decode()
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_password_reset_limited_per_network_address(client, limits):
    limits(password_reset_ip="2/d")
    for n in range(2):
        assert client.post(RESET, {"email": f"someone{n}@example.com"}).status_code == 302
    response = client.post(RESET, {"email": "someone9@example.com"})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


@pytest.mark.django_db
def test_registration_limited_keeps_what_was_typed(client, limits):
    limits(register_ip="1/d")
    data = {"email": "new@example.com", "full_name": "Chen Ta-wei", "password1": PASSWORD, "password2": PASSWORD}
    assert client.post(REGISTER, data).status_code == 302
    response = client.post(REGISTER, {**data, "email": "second@example.com"})
    assert response.status_code == 429
    page = response.content.decode()
    assert 'value="second@example.com"' in page and 'value="Chen Ta-wei"' in page
    assert PASSWORD not in page
    assert "Too many attempts" in page


@pytest.mark.django_db
def test_resend_confirmation_limited(client, limits):
    limits(resend_ip="1/d")
    assert client.post("/accounts/verify/resend/").status_code == 302
    response = client.post("/accounts/verify/resend/")
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()


# --- public pages: verification and download links ---------------------------------------------


@pytest.mark.django_db
def test_verification_lookups_limited_per_address(client, limits):
    limits(verify_ip="2/d")
    assert client.get("/verify/AAAA-BBBB-CCCC-DDDD/").status_code != 429
    assert client.get("/verify/hash/" + "0" * 64 + "/").status_code != 429
    response = client.get("/verify/AAAA-BBBB-CCCC-EEEE/")
    assert response.status_code == 429
    assert response["Cache-Control"] == "no-store"
    response = client.get("/verify/", {"code": "not a code"})
    assert response.status_code == 429
    assert 'value="not a code"' in response.content.decode()  # the code typed stays in the form
    assert client.get("/verify/AAAA-BBBB-CCCC-DDDD/", REMOTE_ADDR="192.0.2.7").status_code != 429


@pytest.mark.django_db
def test_verification_uploads_limited_per_address(client, limits):
    from django.core.files.uploadedfile import SimpleUploadedFile

    limits(verify_upload_ip="1/d")
    client.post("/verify/", {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.7 nothing")})
    response = client.post("/verify/", {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.7 nothing")})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


@pytest.mark.django_db
def test_download_links_limited_per_address_and_per_token(client, limits):
    limits(download_ip="3/d", download_token="2/d")
    token = "x" * 43
    assert client.get(f"/d/{token}/", REMOTE_ADDR="192.0.2.1").status_code == 404
    assert client.get(f"/d/{token}/", REMOTE_ADDR="192.0.2.2").status_code == 404
    response = client.get(f"/d/{token}/", REMOTE_ADDR="192.0.2.3")  # the token's third use
    assert response.status_code == 429
    assert response["Referrer-Policy"] == "no-referrer"
    assert client.get(f"/d/{token}/CODE.pdf", REMOTE_ADDR="192.0.2.4").status_code == 429
    # Per address: other tokens from one address.
    for n in range(3):
        client.get(f"/d/{'y' * 42}{n}/", REMOTE_ADDR="192.0.2.5")
    assert client.get(f"/d/{'z' * 43}/", REMOTE_ADDR="192.0.2.5").status_code == 429


# --- never an error page --------------------------------------------------------------------------


class BrokenCache:
    def __getattr__(self, name):
        raise ConnectionError("cache down")


@pytest.mark.django_db
def test_an_unreachable_cache_lets_people_through(client, applicant, monkeypatch):
    from django_ratelimit import core

    monkeypatch.setattr(core, "caches", {"default": BrokenCache()})
    monkeypatch.setattr(throttle, "cache", BrokenCache())
    assert wrong(client, applicant.email).status_code == 200
    assert client.post(LOGIN, {"email": applicant.email, "password": PASSWORD}).status_code == 302


def test_bad_limit_setting_is_reported(settings):
    settings.RATE_LIMITS = {"login_ip": "thirty a minute"}
    assert [e.id for e in throttle.check_rates()] == ["sealpost.E101"]
    settings.RATE_LIMITS = {"login_ip": "30/5m"}
    assert throttle.check_rates() == []


@pytest.mark.django_db
def test_api_verification_limited_per_address(client, limits):
    from django.core.files.uploadedfile import SimpleUploadedFile

    limits(verify_ip="1/d", verify_upload_ip="1/d")
    assert client.get("/api/v1/verify/AAAA-BBBB-CCCC-DDDD").status_code == 200
    response = client.get("/api/v1/verify/AAAA-BBBB-CCCC-DDDD")
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Too many attempts") and int(response["Retry-After"]) > 0
    client.post("/api/v1/verify", {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.7 nothing")})
    response = client.post("/api/v1/verify", {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.7 nothing")})
    assert response.status_code == 429
    assert set(response.json()) == {"detail", "errors"}
