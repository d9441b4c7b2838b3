import pytest
from django.core import mail
from django.urls import reverse

from sealpost.accounts.models import User
from sealpost.accounts.tests.conftest import link_in
from sealpost.conftest import PASSWORD

URL = "/accounts/login/"
GENERIC = "The e-mail address or the password is not correct."


@pytest.fixture
def unverified(db):
    return User.objects.create_user("late@example.com", PASSWORD)


def signed_in(response) -> bool:
    return response.wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_applicant_signs_in_and_lands_on_the_portal(client, applicant):
    response = client.post(URL, {"email": "TA-WEI.CHEN@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("portal:home")
    assert signed_in(response)


@pytest.mark.django_db
def test_safe_next_is_honoured_and_unsafe_next_ignored(client, applicant):
    response = client.post(URL + "?next=/orders/new/", {"email": applicant.email, "password": PASSWORD})
    assert response.url == "/orders/new/"
    client.post("/accounts/logout/")
    response = client.post(URL, {"email": applicant.email, "password": PASSWORD, "next": "https://evil.example/"})
    assert response.url == reverse("portal:home")


@pytest.mark.django_db
def test_next_is_carried_through_the_form(client):
    assert 'name="next" value="/orders/"' in client.get(URL + "?next=/orders/").content.decode()


@pytest.mark.django_db
def test_wrong_password_and_unknown_address_look_the_same(client, applicant):
    wrong = client.post(URL, {"email": applicant.email, "password": "not the password"})
    unknown = client.post(URL, {"email": "nobody@example.com", "password": PASSWORD})
    for response, email in [(wrong, applicant.email), (unknown, "nobody@example.com")]:
        page = response.content.decode()
        assert response.status_code == 200 and not signed_in(response)
        assert GENERIC in page
        assert f'value="{email}"' in page  # the address is kept, the password is not
        assert "not the password" not in page and PASSWORD not in page


@pytest.mark.django_db
def test_sign_in_page_offers_reset_and_registration(client):
    page = client.get(URL).content.decode()
    assert reverse("accounts:password_reset") in page
    assert "Forgot your password?" in page
    assert reverse("accounts:register") in page


@pytest.mark.django_db
def test_unverified_applicant_cannot_sign_in_but_can_get_a_new_link(client, unverified):
    user = unverified
    response = client.post(URL, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200 and not signed_in(response)
    assert "Your e-mail address is not confirmed yet." in response.content.decode()

    response = client.post(reverse("accounts:resend_verification"), follow=True)
    assert "We have sent you a new confirmation link." in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["late@example.com"]
    client.get(link_in(message))
    assert signed_in(client.post(URL, {"email": user.email, "password": PASSWORD}))


@pytest.mark.django_db
def test_resend_needs_the_password_first(client, unverified):
    response = client.post(reverse("accounts:resend_verification"), follow=True)
    assert "Please sign in again" in response.content.decode()
    assert not mail.outbox


@pytest.mark.django_db
def test_unverified_message_only_after_the_right_password(client, unverified):
    page = client.post(URL, {"email": "late@example.com", "password": "wrong password"}).content.decode()
    assert GENERIC in page and "not confirmed" not in page


@pytest.mark.django_db
def test_inactive_account_cannot_sign_in(client, make_user):
    user = make_user(is_active=False)
    assert GENERIC in client.post(URL, {"email": user.email, "password": PASSWORD}).content.decode()


@pytest.mark.django_db
def test_logout_is_post_only(applicant_client):
    assert applicant_client.get("/accounts/logout/").status_code == 405
    response = applicant_client.post("/accounts/logout/")
    assert response.status_code == 302 and not signed_in(response)
