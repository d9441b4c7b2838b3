import datetime
import logging

import pytest
from django.urls import reverse

from sealpost.accounts.models import User
from sealpost.records import nationalid

URL = "/accounts/link/"
NATIONAL_ID = "F131104093"
GENERIC = "We could not find a student record matching these details."


@pytest.fixture
def record(make_student):
    return make_student(student_number="109501234", date_of_birth=datetime.date(1998, 3, 7), national_id=NATIONAL_ID)


@pytest.fixture
def newcomer(make_user):
    return make_user(email="newcomer@example.com")


@pytest.fixture
def newcomer_client(client, newcomer):
    client.force_login(newcomer)
    return client


def details(**changes):
    return {"student_number": "109501234", "date_of_birth": "1998-03-07", "national_id": NATIONAL_ID, **changes}


@pytest.mark.django_db
def test_page_says_what_is_collected_and_why(newcomer_client):
    page = newcomer_client.get(URL).content.decode()
    assert "Personal Data Protection Act" in page
    assert "only to match you to your student record" in page
    assert "Your national ID is never stored" in page


@pytest.mark.django_db
def test_matching_details_link_the_record(newcomer_client, newcomer, record):
    response = newcomer_client.post(URL, details())
    assert response.url == reverse("portal:home")
    newcomer.refresh_from_db()
    assert newcomer.student == record
    assert newcomer.full_name == record.name_zh


@pytest.mark.django_db
def test_name_already_given_is_kept_and_next_is_followed(client, make_user, record):
    user = make_user(full_name="Mei")
    client.force_login(user)
    response = client.post(URL + "?next=/orders/new/", details(national_id=" f131 104 093 "))
    assert response.url == "/orders/new/"
    user.refresh_from_db()
    assert (user.student, user.full_name) == (record, "Mei")


@pytest.mark.django_db
def test_full_width_input_is_understood(newcomer_client, newcomer, record):
    newcomer_client.post(URL, details(student_number="１０９５０１２３４", national_id="Ｆ１３１１０４０９３"))
    newcomer.refresh_from_db()
    assert newcomer.student == record


@pytest.mark.django_db
@pytest.mark.parametrize(
    "wrong",
    [
        {"student_number": "109501235"},
        {"date_of_birth": "1998-03-08"},
        {"national_id": nationalid.make_valid("F13110410")},  # valid, but someone else's
    ],
)
def test_wrong_detail_gives_one_message_naming_no_field(newcomer_client, newcomer, record, wrong):
    response = newcomer_client.post(URL, details(**wrong))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["__all__"]
    assert GENERIC in response.content.decode()
    assert User.objects.get(pk=newcomer.pk).student is None
    # What was typed is still there to correct.
    assert 'value="1998-03-0' in response.content.decode()


@pytest.mark.django_db
def test_invalid_id_checksum_is_reported_on_the_field(newcomer_client, record):
    response = newcomer_client.post(URL, details(national_id="F131104094"))
    form = response.context["form"]
    assert list(form.errors) == ["national_id"]
    page = response.content.decode()
    assert "not a valid national ID or resident certificate number" in page
    assert 'value="109501234"' in page


@pytest.mark.django_db
def test_record_linked_to_another_account_cannot_be_taken(newcomer_client, newcomer, make_user, record):
    make_user(student=record)
    response = newcomer_client.post(URL, details())
    assert response.status_code == 200
    assert "already linked to another account" in response.content.decode()
    assert User.objects.get(pk=newcomer.pk).student is None


@pytest.mark.django_db
def test_linked_account_sees_its_record_and_cannot_relink(applicant_client, applicant, record):
    page = applicant_client.get(URL).content.decode()
    assert applicant.student.student_number in page
    applicant_client.post(URL, details())
    assert User.objects.get(pk=applicant.pk).student == applicant.student


@pytest.mark.django_db
def test_only_signed_in_applicants(client, clerk_client):
    assert clerk_client.get(URL).status_code == 403
    clerk_client.logout()
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_details_are_never_logged(newcomer_client, record, caplog):
    caplog.set_level(logging.DEBUG)
    newcomer_client.post(URL, details(student_number="109509999"))
    newcomer_client.post(URL, details())
    assert caplog.records  # the attempts are logged...
    for secret in (NATIONAL_ID, "109501234", "109509999", "1998-03-07", "1998, 3, 7"):
        assert secret not in caplog.text  # ...without the details
