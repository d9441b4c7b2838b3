import datetime
import io

import pyotp
import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sealpost.accounts import services
from sealpost.accounts.models import Role, User
from sealpost.accounts.tests.conftest import link_in
from sealpost.conftest import PASSWORD

LOGIN = "/accounts/login/"
CODE = "/accounts/login/code/"
SETUP = "/accounts/totp/setup/"


@pytest.fixture
def enrolled(clerk):
    clerk.totp_secret = pyotp.random_base32()
    clerk.totp_confirmed = True
    clerk.save()
    return clerk


def code_for(user, delta=0):
    return pyotp.TOTP(user.totp_secret).at(timezone.now() + datetime.timedelta(seconds=delta))


def password_step(client, user, **extra):
    return client.post(LOGIN, {"email": user.email, "password": PASSWORD, **extra})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_staff_not_signed_in_after_password_alone(client, enrolled):
    response = password_step(client, enrolled)
    assert response.url == reverse("accounts:login_code")
    assert not signed_in(client)
    # The rest of the site still sees an anonymous visitor.
    assert not client.get(CODE).wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_correct_code_signs_staff_in_to_the_desk(client, enrolled):
    password_step(client, enrolled)
    response = client.post(CODE, {"code": code_for(enrolled)})
    assert response.url == reverse("desk:orders")
    assert signed_in(client)


@pytest.mark.django_db
def test_code_keeps_a_safe_next(client, enrolled):
    password_step(client, enrolled, next="/desk/orders/ABC/")
    assert client.post(CODE, {"code": code_for(enrolled)}).url == "/desk/orders/ABC/"


@pytest.mark.django_db
def test_reused_code_is_rejected(client, enrolled):
    code = code_for(enrolled)
    password_step(client, enrolled)
    client.post(CODE, {"code": code})
    client.post("/accounts/logout/")

    password_step(client, enrolled)
    response = client.post(CODE, {"code": code})
    assert response.status_code == 200
    assert "already been used" in response.content.decode()
    assert not signed_in(client)


@pytest.mark.django_db
def test_wrong_code_is_rejected_and_too_many_send_back_to_password(client, enrolled):
    password_step(client, enrolled)
    wrong = str((int(code_for(enrolled)) + 1) % 1_000_000).zfill(6)
    response = client.post(CODE, {"code": wrong})
    assert response.status_code == 200 and not signed_in(client)
    assert "code" in response.context["form"].errors
    for _ in range(4):
        response = client.post(CODE, {"code": wrong})
    assert response.url == reverse("accounts:login")
    # Even the right code no longer helps: the password is needed again.
    assert client.post(CODE, {"code": code_for(enrolled)}).url == reverse("accounts:login")
    assert not signed_in(client)


@pytest.mark.django_db
def test_code_page_without_password_goes_to_sign_in(client, enrolled):
    assert client.get(CODE).url == reverse("accounts:login")
    assert client.post(CODE, {"code": code_for(enrolled)}).url == reverse("accounts:login")
    assert not signed_in(client)


@pytest.mark.django_db
def test_pending_sign_in_expires(client, enrolled):
    password_step(client, enrolled)
    session = client.session
    pending = session["accounts:pending"]
    pending["at"] -= 11 * 60
    session["accounts:pending"] = pending
    session.save()
    assert client.post(CODE, {"code": code_for(enrolled)}).url == reverse("accounts:login")


def enrolment_mail(user):
    """The last set-up link e-mailed to the user (its path), and the message."""
    [*_, message] = [m for m in mail.outbox if m.to == [user.email] and "/accounts/totp/enrol/" in m.body]
    return link_in(message), message


@pytest.mark.django_db
def test_the_password_alone_does_not_set_up_a_new_staff_members_code(client, clerk):
    """Finding 6a: whoever first typed a new staff member's password used to get the QR code."""
    response = password_step(client, clerk)
    assert response.status_code == 200 and not signed_in(client)
    assert "We have sent a link to set it up to the account's e-mail address" in response.content.decode()
    assert client.get(SETUP).url == reverse("accounts:login")  # no QR code without the link
    clerk.refresh_from_db()
    assert not clerk.totp_secret and not clerk.totp_confirmed
    link, message = enrolment_mail(clerk)
    assert message.to == [clerk.email] and link.startswith("/accounts/totp/enrol/")


@pytest.mark.django_db
def test_the_password_then_the_e_mailed_link_set_up_the_code_and_sign_in(client, clerk):
    password_step(client, clerk)
    link, _message = enrolment_mail(clerk)
    response = client.get(link)
    assert response.url == reverse("accounts:totp_setup")  # the token leaves the address bar
    page = client.get(SETUP).content.decode()
    clerk.refresh_from_db()
    assert clerk.totp_secret and not clerk.totp_confirmed
    assert "<svg" in page  # the QR code
    assert clerk.totp_secret[:4] in page
    # Reloading the page keeps the same secret (the phone may already have scanned it).
    client.get(SETUP)
    assert User.objects.get(pk=clerk.pk).totp_secret == clerk.totp_secret
    assert not signed_in(client)

    response = client.post(SETUP, {"code": "000000" if code_for(clerk) != "000000" else "111111"})
    assert response.status_code == 200 and not signed_in(client)

    response = client.post(SETUP, {"code": code_for(clerk)})
    assert response.url == reverse("desk:orders")
    assert signed_in(client)
    clerk.refresh_from_db()
    assert clerk.totp_confirmed


@pytest.mark.django_db
def test_the_link_alone_shows_no_code_and_asks_for_the_password(client, clerk):
    password_step(Client(), clerk)  # someone (the clerk, elsewhere) gave the password
    link, _message = enrolment_mail(clerk)
    client.get(link)
    response = client.get(SETUP, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("accounts:login") and "<svg" not in page
    assert "sign in with your password first" in page
    assert not User.objects.get(pk=clerk.pk).totp_secret

    # The password in this browser then leads to the code, without another e-mail.
    sent = len(mail.outbox)
    assert password_step(client, clerk).url == reverse("accounts:totp_setup")
    assert "<svg" in client.get(SETUP).content.decode() and len(mail.outbox) == sent
    clerk.refresh_from_db()
    assert client.post(SETUP, {"code": code_for(clerk)}).url == reverse("desk:orders")


@pytest.mark.django_db
def test_someone_elses_password_does_not_go_with_the_link(client, clerk, make_user):
    other = make_user(role=Role.CLERK, email="other.clerk@registrar.example.edu")
    password_step(Client(), clerk)
    link, _message = enrolment_mail(clerk)
    client.get(link)
    response = password_step(client, other)
    assert response.status_code == 200 and "We have sent a link" in response.content.decode()
    assert client.get(SETUP).url == reverse("accounts:login")
    assert not User.objects.get(pk=clerk.pk).totp_secret and not User.objects.get(pk=other.pk).totp_secret


@pytest.mark.django_db
def test_the_link_works_once(client, clerk):
    password_step(client, clerk)
    link, _message = enrolment_mail(clerk)
    client.get(link)
    client.get(SETUP)  # used: the clerk has a new secret
    secret = User.objects.get(pk=clerk.pk).totp_secret
    for again in (Client(HTTP_ACCEPT_LANGUAGE="en"), client):
        response = again.get(link)
        assert response.status_code == 200 and "is not valid" in response.content.decode()
    assert User.objects.get(pk=clerk.pk).totp_secret == secret


@pytest.mark.django_db
def test_the_link_expires(client, clerk, monkeypatch):
    password_step(client, clerk)
    link, message = enrolment_mail(clerk)
    assert "24 hours" in message.body or "24 小時" in message.body
    later = datetime.datetime.now() + datetime.timedelta(hours=25)
    monkeypatch.setattr(services.totp_enrolment_token, "_now", lambda: later)
    assert "is not valid" in client.get(link).content.decode()
    assert not User.objects.get(pk=clerk.pk).totp_secret


@pytest.mark.django_db
def test_an_applicant_gets_no_set_up_link(client, applicant):
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    token = services.totp_enrolment_token.make_token(applicant)
    link = reverse("accounts:totp_enrol", kwargs={"uidb64": urlsafe_base64_encode(force_bytes(applicant.pk)),
                                                  "token": token})
    assert "is not valid" in client.get(link).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("language, text", [
    ("en", "Two-step sign-in is not set up for this account yet."),
    ("zh-hant", "此帳號尚未設定兩步驟驗證。"),
])
def test_the_staff_member_is_told_the_link_was_sent_in_their_language(client, clerk, language, text):
    response = client.post(LOGIN, {"email": clerk.email, "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE=language)
    assert text in response.content.decode()


@pytest.mark.django_db
def test_enrolled_staff_cannot_be_enrolled_again_from_the_setup_page(client, enrolled):
    secret = enrolled.totp_secret
    password_step(client, enrolled)
    assert client.get(SETUP).url == reverse("accounts:login_code")
    assert User.objects.get(pk=enrolled.pk).totp_secret == secret


@pytest.mark.django_db
def test_codes_from_the_next_door_steps_are_accepted_but_no_further(enrolled):
    now = timezone.now()
    totp = pyotp.TOTP(enrolled.totp_secret)
    assert not services.verify_totp(enrolled, totp.at(now - datetime.timedelta(seconds=60)), now=now)
    assert services.verify_totp(enrolled, totp.at(now - datetime.timedelta(seconds=30)), now=now)
    assert services.verify_totp(enrolled, totp.at(now), now=now)
    # Once a step is used, it and every earlier step are closed.
    assert not services.verify_totp(enrolled, totp.at(now - datetime.timedelta(seconds=30)), now=now)
    assert not services.verify_totp(User.objects.get(pk=enrolled.pk), totp.at(now), now=now)


@pytest.mark.django_db
def test_totp_command_prints_a_working_code(clerk):
    out = io.StringIO()
    call_command("totp", clerk.email, stdout=out)
    lines = out.getvalue().split()
    clerk.refresh_from_db()
    assert clerk.totp_confirmed and clerk.totp_secret in lines
    assert services.verify_totp(clerk, lines[-1])


@pytest.mark.django_db
def test_createstaff_makes_a_staff_account_that_needs_a_code(client):
    out = io.StringIO()
    call_command("createstaff", "officer@registrar.example.edu", role="officer", password=PASSWORD, stdout=out)
    user = User.objects.get(email="officer@registrar.example.edu")
    assert user.role == "officer" and user.is_staff_member and user.email_verified
    assert "a link to set up the one-time code" in out.getvalue()
    response = password_step(client, user)
    assert response.status_code == 200 and not signed_in(client)
    assert enrolment_mail(user)[0].startswith("/accounts/totp/enrol/")
