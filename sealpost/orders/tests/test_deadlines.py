"""Deadlines in business days on Taiwan's calendar with the registrar's closures on top.

Lunar New Year 2026 (holidays.TW, as published by the DGPA): the break runs from Saturday 14 to
Sunday 22 February: the 16th (eve, observed), 17–19 (New Year) and 20th (eve, observed) are days
off, with no make-up working Saturday. Peace Memorial Day (Saturday 28 February) is observed on
Friday 27 February. In 2025 the break ran from Saturday 25 January to Sunday 2 February, with
Monday 27 January off in exchange for working Saturday 8 February.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sealpost.orders import deadlines, services
from sealpost.orders.models import Order, Status
from sealpost.workdays import services as workdays

TAIPEI = ZoneInfo("Asia/Taipei")
D = datetime.date


def taipei(year, month, day, hour=10, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=TAIPEI)


def order_at(student, submitted, *, status=Status.SUBMITTED, paid=None, wes_uploaded=None, notice_sent=None):
    """An order placed through the service, then moved back in time to ``submitted``."""
    draft = services.Draft(applicant_type="alumnus", documents=[("transcript", "en")], name_en="CHEN, TA-WEI",
                           phone="0912345678", email="a@example.com", recipients=[("a@example.com", "")])
    order = services.place_order(student=student, draft=draft)
    Order.objects.filter(pk=order.pk).update(created_at=submitted, status=status, paid_at=paid,
                                             wes_uploaded_at=wes_uploaded, payment_notice_sent_at=notice_sent)
    order.refresh_from_db()
    deadlines.update(order)
    order.save()
    return order


def test_taiwan_calendar_around_lunar_new_year_2026():
    working = {day: workdays.is_business_day(D(2026, 2, day), {}) for day in range(12, 25)}
    assert [day for day, is_working in working.items() if is_working] == [12, 13, 23, 24]


def test_payment_notice_for_an_order_submitted_the_friday_before_the_break(student):
    order = order_at(student, taipei(2026, 2, 13, 16))
    assert order.payment_notice_due == D(2026, 2, 23)  # Monday after the nine-day break
    assert order.next_deadline == order.payment_notice_due


def test_dispatch_after_a_payment_just_before_the_break(student):
    thursday = order_at(student, taipei(2026, 2, 10), status=Status.PAID, paid=taipei(2026, 2, 12, 15))
    friday = order_at(student, taipei(2026, 2, 10), status=Status.PAID, paid=taipei(2026, 2, 13, 11))
    assert thursday.dispatch_due == D(2026, 2, 24)  # Fri 13, Mon 23, Tue 24
    assert friday.dispatch_due == D(2026, 2, 25)  # Mon 23, Tue 24, Wed 25
    assert friday.next_deadline == friday.dispatch_due


def test_wes_followup_across_peace_memorial_day_observed(student):
    order = order_at(student, taipei(2026, 2, 10), status=Status.DELIVERED, paid=taipei(2026, 2, 11),
                     wes_uploaded=taipei(2026, 2, 26, 9))
    assert order.wes_followup_due == D(2026, 3, 3)  # Friday 27 February is a day off
    assert order.next_deadline == order.wes_followup_due


def test_days_are_counted_from_the_date_in_taipei(student):
    # 01:00 on Friday the 13th in Taipei is still Thursday the 12th in UTC.
    late_night = order_at(student, datetime.datetime(2026, 2, 12, 17, 0, tzinfo=datetime.UTC))
    before_midnight = order_at(student, datetime.datetime(2026, 2, 12, 15, 59, tzinfo=datetime.UTC))
    assert late_night.payment_notice_due == D(2026, 2, 23)
    assert before_midnight.payment_notice_due == D(2026, 2, 13)


def test_lunar_new_year_2025_and_its_make_up_saturday(student):
    assert workdays.is_business_day(D(2025, 2, 8), {})  # Saturday, worked in exchange for 27 January
    assert not workdays.is_business_day(D(2025, 1, 27), {})
    before_break = order_at(student, taipei(2025, 1, 24), status=Status.PAID, paid=taipei(2025, 1, 24, 14))
    assert before_break.payment_notice_due == D(2025, 2, 3)
    assert before_break.dispatch_due == D(2025, 2, 5)
    friday = order_at(student, taipei(2025, 2, 7))
    assert friday.payment_notice_due == D(2025, 2, 8)  # the make-up Saturday counts
    paid_on_friday = order_at(student, taipei(2025, 2, 6), status=Status.PAID, paid=taipei(2025, 2, 7))
    assert paid_on_friday.dispatch_due == D(2025, 2, 11)  # Sat 8, Mon 10, Tue 11


def test_next_deadline_follows_the_status(student):
    submitted = taipei(2026, 3, 2)
    assert order_at(student, submitted).next_deadline == D(2026, 3, 3)
    assert order_at(student, submitted, status=Status.UNDER_REVIEW, notice_sent=taipei(2026, 3, 2, 11)).next_deadline is None
    assert order_at(student, submitted, status=Status.AWAITING_PAYMENT).next_deadline is None
    assert order_at(student, submitted, status=Status.ISSUED, paid=taipei(2026, 3, 3)).next_deadline == D(2026, 3, 6)
    assert order_at(student, submitted, status=Status.DELIVERED, paid=taipei(2026, 3, 3)).next_deadline is None
    completed = order_at(student, submitted, status=Status.COMPLETED, paid=taipei(2026, 3, 3), wes_uploaded=taipei(2026, 3, 4))
    assert completed.next_deadline is None and completed.wes_followup_due == D(2026, 3, 6)


def test_an_added_closure_pushes_open_orders_and_removing_it_restores_them(student, make_user):
    officer = make_user(role="officer")
    paid = order_at(student, taipei(2026, 7, 3), status=Status.PAID, paid=taipei(2026, 7, 6, 9))  # Monday
    submitted = order_at(student, taipei(2026, 7, 6, 15))
    done = order_at(student, taipei(2026, 7, 3), status=Status.COMPLETED, paid=taipei(2026, 7, 6, 9))
    assert (paid.dispatch_due, submitted.payment_notice_due) == (D(2026, 7, 9), D(2026, 7, 7))

    change = workdays.close(D(2026, 7, 7), "Typhoon day declared by the Taoyuan City Government", officer)
    assert change.orders_updated == 2
    for order in (paid, submitted, done):
        order.refresh_from_db()
    assert paid.dispatch_due == paid.next_deadline == D(2026, 7, 10)
    assert submitted.payment_notice_due == submitted.next_deadline == D(2026, 7, 8)
    assert done.dispatch_due == D(2026, 7, 9)  # closed orders keep the deadlines they had

    assert workdays.remove(D(2026, 7, 7)).orders_updated == 2
    paid.refresh_from_db()
    submitted.refresh_from_db()
    assert paid.dispatch_due == paid.next_deadline == D(2026, 7, 9)
    assert submitted.payment_notice_due == D(2026, 7, 7)


def test_an_extra_working_day_brings_deadlines_forward(student):
    order = order_at(student, taipei(2026, 7, 8), status=Status.PAID, paid=taipei(2026, 7, 9))  # Thursday
    assert order.dispatch_due == D(2026, 7, 14)
    workdays.open_day(D(2026, 7, 11), "Registration weekend", None)
    order.refresh_from_db()
    assert order.dispatch_due == D(2026, 7, 13)


def test_recompute_reads_the_calendar_once_whatever_the_number_of_orders(student):
    def queries_for_all_open_orders():
        workdays.CalendarDay.objects.create(date=D(2026, 7, 7), kind="closed", reason="Typhoon")
        with CaptureQueriesContext(connection) as captured:
            moved = deadlines.recompute_open_orders()
        workdays.CalendarDay.objects.all().delete()
        deadlines.recompute_open_orders()
        return moved, len(captured)

    for _ in range(2):
        order_at(student, taipei(2026, 7, 6), status=Status.PAID, paid=taipei(2026, 7, 6))
    two = queries_for_all_open_orders()
    for _ in range(5):
        order_at(student, taipei(2026, 7, 3), status=Status.PAID, paid=taipei(2026, 7, 3))
    seven = queries_for_all_open_orders()
    assert two[0] == 2 and seven[0] == 7
    assert two[1] == seven[1] <= 6


def test_recompute_with_overrides_given_reads_no_calendar(student):
    order_at(student, taipei(2026, 7, 6))
    with CaptureQueriesContext(connection) as captured:
        assert deadlines.recompute_open_orders(overrides={D(2026, 7, 7): "closed"}) == 1
    assert not any("workdays_calendarday" in q["sql"] for q in captured.captured_queries)


def test_placing_an_order_sets_its_payment_notice_deadline(student):
    fresh = services.place_order(student=student, draft=services.Draft(
        applicant_type="alumnus", documents=[("transcript", "en")], name_en="CHEN, TA-WEI", phone="0912345678",
        email="a@example.com", recipients=[("a@example.com", "")]))
    assert fresh.payment_notice_due is not None and fresh.next_deadline == fresh.payment_notice_due


@pytest.mark.parametrize("due, state", [
    (D(2026, 2, 23), "late"),
    (D(2026, 2, 24), "due_today"),
    (D(2026, 2, 25), "upcoming"),
    (None, None),
])
def test_deadline_state(due, state):
    assert deadlines.deadline_state(due, today=D(2026, 2, 24)) == state


def test_deadline_state_defaults_to_the_local_date():
    from django.utils import timezone

    assert deadlines.deadline_state(timezone.localdate()) == "due_today"
