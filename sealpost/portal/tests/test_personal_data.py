"""The applicant's copy of their personal data (PDPA articles 3 and 10): the page, the JSON, the
staff command for requests on paper; and never another applicant's data."""

from __future__ import annotations

import datetime
import io
import json
import os
import stat

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from sealpost.audit.models import AuditEntry
from sealpost.documents.models import Document
from sealpost.orders import services as order_services
from sealpost.payments.models import Method, Payment

PAGE = "/my-data/"
DOWNLOAD = "/my-data/sealpost-personal-data.json"


def place(user, name_en, name_zh, recipient, message):
    draft = order_services.Draft(
        applicant_type="alumnus", documents=[("transcript", "en")], name_en=name_en, name_zh=name_zh,
        phone="0912345678", email=user.email, remarks=f"remarks of {name_en}", recipients=[(recipient, message)],
    )
    return order_services.place_order(student=user.student, draft=draft, applicant=user, actor=user)


@pytest.fixture
def two_applicants(applicant, make_user, make_student):
    other_student = make_student(name_zh="林美玲", name_en="LIN, MEI-LING", date_of_birth=datetime.date(1999, 9, 9))
    other = make_user(student=other_student, email="mei-ling.lin@example.com", full_name="林美玲")
    mine = place(applicant, "CHEN, TA-WEI", "陳大偉", "admissions@grad.example.org", "Application ID 998877")
    theirs = place(other, "LIN, MEI-LING", "林美玲", "office@other-school.example.net", "Ref LIN-4242")
    Payment.objects.create(order=mine, method=Method.COUNTER, amount=mine.total, reference="R-1",
                           received_at=timezone.now())
    Document.objects.create(order=mine, student=mine.student, document_type="transcript", language="en",
                            holder_name_en="CHEN, TA-WEI", issued_at=timezone.now())
    return applicant, other, mine, theirs


def test_page_in_english_and_chinese(applicant_client):
    page = applicant_client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My personal data" in page and "Personal Data Protection Act" in page
    assert DOWNLOAD in page
    assert "Your national ID is not in it" in page


def test_download_has_all_my_data_and_none_of_anyone_elses(client, two_applicants):
    applicant, other, mine, theirs = two_applicants
    client.force_login(applicant)
    response = client.get(DOWNLOAD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    text = response.content.decode()
    data = json.loads(text)

    assert data["format"] == "sealpost-personal-data/1"
    assert data["account"]["email"] == "ta-wei.chen@example.com"
    assert "password" not in text and "totp" not in text
    assert data["student_record"]["student_number"] == applicant.student.student_number
    assert data["student_record"]["date_of_birth"] == "2000-01-15"
    assert "not stored" in data["student_record"]["national_id"]
    assert applicant.student.national_id_hash not in text
    [order] = data["orders"]
    assert order["number"] == mine.number and order["name_zh"] == "陳大偉" and order["phone"] == "0912345678"
    assert order["recipients"][0]["email"] == "admissions@grad.example.org"
    assert order["recipients"][0]["message"] == "Application ID 998877"
    assert order["payments"][0]["amount"] == mine.total
    assert order["documents_issued"][0]["holder_name_en"] == "CHEN, TA-WEI"
    assert order["history"][0]["event"] == "submitted" and order["history"][0]["by"] == "you"

    # The other applicant: nothing of theirs, anywhere.
    for value in (theirs.number, "林美玲", "LIN, MEI-LING", "mei-ling.lin@example.com", "office@other-school.example.net",
                  "Ref LIN-4242", other.student.student_number, "1999-09-09"):
        assert value not in text, value

    entry = AuditEntry.objects.filter(action="personal_data.exported").get()
    assert (entry.actor_id, entry.object_id, entry.details) == (applicant.pk, str(applicant.pk), {"via": "portal"})


def test_the_other_applicant_gets_only_theirs(client, two_applicants):
    applicant, other, mine, theirs = two_applicants
    client.force_login(other)
    text = client.get(DOWNLOAD).content.decode()
    assert theirs.number in text and "林美玲" in text
    for value in (mine.number, "陳大偉", "CHEN, TA-WEI", "ta-wei.chen@example.com", "admissions@grad.example.org"):
        assert value not in text, value


def test_an_account_without_a_linked_record(client, make_user):
    user = make_user(email="newcomer@example.com")
    client.force_login(user)
    assert client.get(PAGE).status_code == 200
    data = json.loads(client.get(DOWNLOAD).content)
    assert data["account"]["email"] == "newcomer@example.com"
    assert data["student_record"] is None and data["orders"] == []


def test_anonymous_and_staff(client, clerk):
    assert client.get(DOWNLOAD).status_code == 302 and "/accounts/login/" in client.get(DOWNLOAD).url
    client.force_login(clerk)
    assert client.get(DOWNLOAD).url == "/desk/"


def test_staff_command_by_email_and_by_student_number(two_applicants, tmp_path):
    applicant, other, mine, theirs = two_applicants
    out = io.StringIO()
    call_command("export_personal_data", email="TA-WEI.CHEN@example.com", stdout=out)
    data = json.loads(out.getvalue())
    assert [o["number"] for o in data["orders"]] == [mine.number]
    assert "林美玲" not in out.getvalue()

    target = tmp_path / "request.json"
    call_command("export_personal_data", student_number=other.student.student_number, output=str(target),
                 staff="clerk@registrar.example.edu", stderr=io.StringIO())
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    data = json.loads(target.read_text())
    assert data["account"]["email"] == "mei-ling.lin@example.com"
    assert [o["number"] for o in data["orders"]] == [theirs.number]
    assert "陳大偉" not in target.read_text()
    labels = list(AuditEntry.objects.filter(action="personal_data.exported").order_by("seq").values_list("actor_label", flat=True))
    assert labels == ["system", "staff: clerk@registrar.example.edu"]

    with pytest.raises(CommandError):
        call_command("export_personal_data", email="nobody@example.com")


def test_orders_keyed_from_paper_are_included(two_applicants, clerk):
    applicant, other, mine, theirs = two_applicants
    draft = order_services.Draft(
        applicant_type="alumnus", documents=[("transcript", "zh")], name_en="CHEN, TA-WEI", name_zh="陳大偉",
        phone="0912345678", email="paper@example.com", recipients=[("paper@example.com", "")],
    )
    paper = order_services.place_order(student=applicant.student, draft=draft, applicant=None, actor=clerk)
    out = io.StringIO()
    call_command("export_personal_data", email=applicant.email, stdout=out)
    data = json.loads(out.getvalue())
    assert {o["number"] for o in data["orders"]} == {mine.number, paper.number}
    assert data["orders"][-1]["history"][0]["by"] == "clerk"
