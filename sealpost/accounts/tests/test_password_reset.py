import pytest
from django.core import mail
from django.urls import reverse

from sealpost.accounts.models import User
from sealpost.accounts.tests.conftest import link_in
from sealpost.conftest import PASSWORD

URL = "/accounts/password/reset/"
NEW = "a brand new long passphrase"


def set_password_through(client, message, password=NEW):
    response = client.get(link_in(message))  # Django moves the token into the session
    assert response.status_code == 302
    return client.post(response.url, {"new_password1": password, "new_password2": password})


@pytest.mark.django_db
def test_reset_mail_arrives_and_its_link_sets_a_new_password(client, applicant, settings):
    settings.BASE_URL = "https://records.example.edu"
    response = client.post(URL, {"email": "ta-wei.chen@example.com"})
    assert response.url == reverse("accounts:password_reset_done")

    [message] = mail.outbox
    assert message.to == ["ta-wei.chen@example.com"]
    assert "https://records.example.edu/accounts/password/reset/" in message.body

    response = set_password_through(client, message)
    assert response.url == reverse("accounts:password_reset_complete")
    assert "Your new password is set." in client.get(response.url).content.decode()

    old = client.post("/accounts/login/", {"email": applicant.email, "password": PASSWORD})
    assert not old.wsgi_request.user.is_authenticated
    new = client.post("/accounts/login/", {"email": applicant.email, "password": NEW})
    assert new.url == reverse("portal:home")


@pytest.mark.django_db
def test_reset_link_works_once(client, applicant):
    client.post(URL, {"email": applicant.email})
    set_password_through(client, mail.outbox[0])
    response = client.get(link_in(mail.outbox[0]))
    assert response.status_code == 200
    assert "This link is not valid" in response.content.decode()


@pytest.mark.django_db
def test_unknown_address_gets_the_same_answer_and_no_mail(client):
    response = client.post(URL, {"email": "nobody@example.com"})
    assert response.url == reverse("accounts:password_reset_done")
    assert not mail.outbox


@pytest.mark.django_db
def test_weak_new_password_is_refused(client, applicant):
    client.post(URL, {"email": applicant.email})
    response = set_password_through(client, mail.outbox[0], password="12345678")
    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors


@pytest.mark.django_db
def test_reset_also_confirms_an_unverified_address(client):
    user = User.objects.create_user("late@example.com", PASSWORD)
    client.post(URL, {"email": user.email})
    set_password_through(client, mail.outbox[0])
    assert User.objects.get(pk=user.pk).email_verified
    assert client.post("/accounts/login/", {"email": user.email, "password": NEW}).wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_staff_still_need_a_code_after_a_reset(client, clerk):
    client.post(URL, {"email": clerk.email})
    set_password_through(client, mail.outbox[0])
    response = client.post("/accounts/login/", {"email": clerk.email, "password": NEW})
    # Not set up yet: a set-up link goes to the address, and the password alone signs nobody in.
    assert response.status_code == 200 and "We have sent a link to set it up" in response.content.decode()
    assert "/accounts/totp/enrol/" in mail.outbox[-1].body
    assert "_auth_user_id" not in client.session
