import datetime

import pytest

from sealpost.accounts.models import Role
from sealpost.orders.models import Status
from sealpost.orders.tests.test_deadlines import order_at, taipei
from sealpost.workdays.models import CalendarDay

D = datetime.date
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def officer(make_user):
    return make_user(role=Role.OFFICER, email="officer@registrar.example.edu")


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def test_officer_sees_the_year_with_national_holidays(officer_client):
    CalendarDay.objects.create(date=D(2026, 7, 7), kind="closed", reason="Typhoon Danas")
    page = officer_client.get("/desk/calendar/?year=2026", **EN).content.decode()
    assert "Calendar 2026" in page and "Typhoon Danas" in page
    assert "Chinese New Year" in page and "2026-02-17" in page
    assert 'name="reason"' in page and "Remove 2026-07-07" in page


def test_officer_adds_a_closure_and_open_orders_move(officer_client, officer, student):
    order = order_at(student, taipei(2026, 7, 3), status=Status.PAID, paid=taipei(2026, 7, 6))
    response = officer_client.post("/desk/calendar/", {"date": "2026-07-07", "kind": "closed", "reason": "Typhoon day"}, **EN)
    assert response.status_code == 302 and response.url == "/desk/calendar/?year=2026"
    entry = CalendarDay.objects.get()
    assert (entry.date, entry.kind, entry.reason, entry.created_by) == (D(2026, 7, 7), "closed", "Typhoon day", officer)
    order.refresh_from_db()
    assert order.dispatch_due == D(2026, 7, 10)
    page = officer_client.get(response.url, **EN).content.decode()
    assert "2026-07-07 is now a closure: Typhoon day. Deadlines moved on 1 open order." in page


def test_officer_adds_an_extra_working_day(officer_client):
    officer_client.post("/desk/calendar/", {"date": "2026-07-11", "kind": "open", "reason": "Registration weekend"})
    assert CalendarDay.objects.get().kind == "open"


@pytest.mark.parametrize("data, errors", [
    ({"date": "2026-07-11", "kind": "closed", "reason": "Typhoon Danas"},
     ["Date: 2026-07-11 is already a day off on Taiwan&#x27;s calendar (weekend): a closure would change nothing."]),
    ({"date": "2026-02-30", "kind": "closed", "reason": "Typhoon Danas"},
     ["Date: Enter the date as YYYY-MM-DD, e.g. 2026-07-07."]),
    ({"date": "2026-07-07", "kind": "closed", "reason": ""}, ["Reason: This field is required."]),
])
def test_errors_are_shown_by_the_field_and_input_is_kept(officer_client, data, errors):
    page = officer_client.post("/desk/calendar/", data, **EN).content.decode()
    for error in errors:
        assert error in page
    assert f'value="{data["date"]}"' in page
    if data["reason"]:
        assert f'value="{data["reason"]}"' in page
    assert not CalendarDay.objects.exists()


def test_errors_are_translated(officer_client):
    page = officer_client.post("/desk/calendar/", {"date": "2026-07-07", "kind": "closed", "reason": ""},
                               HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
    assert "這個欄位是必須的。" in page  # Django's own Traditional Chinese for a required field


def test_officer_removes_an_entry(officer_client, student):
    CalendarDay.objects.create(date=D(2026, 7, 7), kind="closed", reason="Typhoon")
    order = order_at(student, taipei(2026, 7, 3), status=Status.PAID, paid=taipei(2026, 7, 6))
    assert order.dispatch_due == D(2026, 7, 10)
    response = officer_client.post("/desk/calendar/2026-07-07/remove/")
    assert response.status_code == 302 and not CalendarDay.objects.exists()
    order.refresh_from_db()
    assert order.dispatch_due == D(2026, 7, 9)
    assert officer_client.get("/desk/calendar/2026-07-07/remove/").status_code == 405
    again = officer_client.post("/desk/calendar/2026-07-07/remove/", follow=True, **EN).content.decode()
    assert "2026-07-07 has no entry" in again
    assert officer_client.post("/desk/calendar/not-a-date/remove/").status_code == 404


def test_clerk_and_auditor_read_but_cannot_change(client, clerk, make_user):
    CalendarDay.objects.create(date=D(2026, 7, 7), kind="closed", reason="Typhoon")
    auditor = make_user(role=Role.AUDITOR)
    for user in (clerk, auditor):
        client.force_login(user)
        page = client.get("/desk/calendar/?year=2026", **EN)
        assert page.status_code == 200 and "Typhoon" in page.content.decode()
        assert 'name="reason"' not in page.content.decode() and "Remove 2026-07-07" not in page.content.decode()
        assert client.post("/desk/calendar/", {"date": "2026-07-08", "kind": "closed", "reason": "x"}).status_code == 403
        assert client.post("/desk/calendar/2026-07-07/remove/").status_code == 403
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [D(2026, 7, 7)]


def test_applicant_and_anonymous_are_kept_out(client, applicant_client):
    assert applicant_client.get("/desk/calendar/").status_code == 403
    assert applicant_client.post("/desk/calendar/", {"date": "2026-07-08", "kind": "closed", "reason": "x"}).status_code == 403
    client.logout()
    response = client.get("/desk/calendar/")
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not CalendarDay.objects.exists()


def test_a_bad_year_falls_back_to_this_year(officer_client):
    from django.utils import timezone

    page = officer_client.get("/desk/calendar/?year=abc", **EN).content.decode()
    assert f"Calendar {timezone.localdate().year}" in page
