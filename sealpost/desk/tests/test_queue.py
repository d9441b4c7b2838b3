"""The work queue: open orders by nearest deadline, late and due-today flags, holds and
mismatches between an order and the student record."""

import datetime
import re

import pytest

from sealpost.desk import queue
from sealpost.desk.tests.helpers import EN, days, place, set_fields
from sealpost.orders.models import Status


def rows(response) -> list[str]:
    return [o.number for o in response.context["page"].object_list]


def row_html(response, number) -> str:
    match = re.search(rf'<tr id="order-{number}".*?</tr>', response.content.decode(), re.S)
    assert match, f"no row for {number}"
    return match.group(0)


@pytest.fixture
def queue_orders(student):
    """Placed in this order, so that the oldest first is not the nearest deadline first."""
    return {
        "upcoming": set_fields(place(student), next_deadline=days(3)),
        "none": set_fields(place(student), next_deadline=None),
        "late": set_fields(place(student), next_deadline=days(-2)),
        "today": set_fields(place(student), next_deadline=days(0)),
        "closed": set_fields(place(student), next_deadline=days(-5), status=Status.CANCELLED),
    }


def test_queue_shows_open_orders_nearest_deadline_first(clerk_client, queue_orders):
    response = clerk_client.get("/desk/", **EN)
    o = queue_orders
    assert rows(response) == [o["late"].number, o["today"].number, o["upcoming"].number, o["none"].number]
    page = response.content.decode()
    assert page.index(o["late"].number) < page.index(o["today"].number) < page.index(o["upcoming"].number)


def test_closed_orders_on_request(clerk_client, queue_orders):
    assert queue_orders["closed"].number in rows(clerk_client.get("/desk/?status=all"))
    assert rows(clerk_client.get("/desk/?status=cancelled")) == [queue_orders["closed"].number]


def test_late_and_due_today_flags(clerk_client, queue_orders):
    response = clerk_client.get("/desk/", **EN)
    late, today, upcoming = (row_html(response, queue_orders[k].number) for k in ("late", "today", "upcoming"))
    assert '<span class="flag late">late</span>' in late and days(-2).isoformat() in late
    assert '<span class="flag due-today">due today</span>' in today
    assert "flag late" not in upcoming and "flag due-today" not in upcoming and "flag late" not in today


def test_late_only_filter(clerk_client, queue_orders):
    assert rows(clerk_client.get("/desk/?late=1")) == [queue_orders["late"].number]


def test_deadline_state():
    today = datetime.date(2026, 3, 10)
    assert queue.deadline_state(datetime.date(2026, 3, 9), today) == "late"
    assert queue.deadline_state(today, today) == "due_today"
    assert queue.deadline_state(datetime.date(2026, 3, 11), today) == "upcoming"
    assert queue.deadline_state(None, today) is None


def test_on_hold_flag(clerk_client, student, make_student):
    held = place(student)
    free = place(make_student())
    student.holds.create(reference="H1", reason="Unpaid tuition", office="Accounting", placed_on=datetime.date(2026, 1, 5))
    student.holds.create(reference="H0", reason="Old", office="Library", placed_on=datetime.date(2025, 1, 5),
                         released_at=datetime.datetime(2025, 2, 1, tzinfo=datetime.UTC))
    response = clerk_client.get("/desk/", **EN)
    assert "on hold" in row_html(response, held.number)
    assert "on hold" not in row_html(response, free.number)


@pytest.mark.parametrize("student_fields, order_fields, expected", [
    ({}, {}, []),
    ({}, {"name_en": "Chen Ta-wei"}, []),  # case, spacing and punctuation do not matter
    ({}, {"name_en": "CHEN, DA-WEI"}, ["English name CHEN, DA-WEI differs"]),
    ({}, {"name_zh": "陳大衛"}, ["Chinese name 陳大衛 differs"]),
    ({}, {"name_zh": "陳大偉"}, []),
    ({"status": "current"}, {}, ["Ordered as Alumnus, but the student record says Current student"]),
    ({"status": "graduated"}, {"applicant_type": "current"}, ["Ordered as Current student, but the student record says Graduated"]),
    ({"status": "current"}, {"applicant_type": "international"}, ["not marked international"]),
    ({"status": "current", "international": True}, {"applicant_type": "current"}, ["is marked international"]),
    ({"status": "current", "international": True}, {"applicant_type": "international"}, []),
    ({"status": "withdrawn"}, {"applicant_type": "current"}, ["the student record says Withdrawn"]),
])
def test_mismatches(make_student, student_fields, order_fields, expected):
    from django.utils import translation

    order = place(make_student(**student_fields), **order_fields)
    with translation.override("en"):
        found = queue.mismatches(order)
    assert len(found) == len(expected), found
    for text, problem in zip(expected, found):
        assert text in problem


def test_mismatch_flag_in_queue_and_explanation_on_the_order(clerk_client, make_student):
    order = place(make_student(status="current"), name_en="CHEN, DA-WEI")
    fine = place(make_student())
    response = clerk_client.get("/desk/", **EN)
    assert ">mismatch</span>" in row_html(response, order.number)
    assert "mismatch" not in row_html(response, fine.number)
    page = clerk_client.get(f"/desk/orders/{order.number}/", **EN).content.decode()
    assert "The order does not match the student record" in page
    assert "The English name CHEN, DA-WEI differs from the name on record, CHEN, TA-WEI." in page
    assert "Ordered as Alumnus, but the student record says Current student." in page


def test_detail_shows_deadlines_and_full_timeline(clerk_client, clerk, student):
    from sealpost.orders import services

    order = place(student)
    services.cancel_order(order, clerk, reason="Applicant asked by phone")
    # Reopened, with a passed notice date, for the deadline block.
    set_fields(order, status=Status.SUBMITTED, payment_notice_due=days(-1), next_deadline=days(-1))
    page = clerk_client.get(f"/desk/orders/{order.number}/", **EN).content.decode()
    deadlines = re.search(r'<section class="card" id="deadlines">.*?</section>', page, re.S).group(0)
    assert "Payment notice" in deadlines and days(-1).isoformat() in deadlines and "flag late" in deadlines
    timeline = re.search(r'<section class="card" id="timeline">.*?</section>', page, re.S).group(0)
    assert "Order submitted" in timeline and "Order cancelled" in timeline
    assert "Submitted → Cancelled" in timeline
    assert "clerk@registrar.example.edu (Registrar clerk)" in timeline
    assert "Applicant asked by phone" in timeline and "Reason" in timeline
    assert "Form 2-07-3" not in timeline and "Online" in timeline  # the channel, in words


def test_queue_pagination_keeps_filters(clerk_client, student):
    for _ in range(51):
        place(student)
    response = clerk_client.get("/desk/?late=1&wes=no")
    assert response.context["page"].paginator.count == 0
    response = clerk_client.get("/desk/?wes=no", **EN)
    assert len(response.context["page"].object_list) == 50
    assert "late=&amp;q=&amp;page=2" in response.content.decode()
