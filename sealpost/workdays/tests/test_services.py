import datetime

import pytest
from django.utils import translation

from sealpost.workdays import services
from sealpost.workdays.models import CalendarDay

D = datetime.date


def test_taiwan_calendar_days():
    assert services.is_business_day(D(2026, 2, 13), {})  # Friday before Lunar New Year
    assert not services.is_business_day(D(2026, 2, 17), {})  # Lunar New Year's Day
    assert not services.is_business_day(D(2026, 2, 20), {})  # New Year's Eve observed
    assert not services.is_business_day(D(2026, 2, 21), {})  # Saturday
    assert services.is_business_day(D(2025, 2, 8), {})  # make-up working Saturday
    assert not services.is_business_day(D(2025, 1, 27), {})  # the day off it paid for


def test_overrides_win_over_taiwan_calendar():
    overrides = {D(2026, 7, 7): CalendarDay.Kind.CLOSED, D(2026, 7, 11): CalendarDay.Kind.OPEN}
    assert not services.is_business_day(D(2026, 7, 7), overrides)
    assert services.is_business_day(D(2026, 7, 11), overrides)


def test_add_business_days_with_overrides_given_makes_no_query():
    # No django_db mark: any query here would fail the test.
    assert services.add_business_days(D(2026, 2, 13), 1, {}) == D(2026, 2, 23)
    assert services.add_business_days(D(2026, 7, 6), 3, {D(2026, 7, 7): "closed"}) == D(2026, 7, 10)


@pytest.mark.django_db
def test_add_business_days_reads_the_registrar_calendar_itself():
    CalendarDay.objects.create(date=D(2026, 7, 7), kind="closed", reason="Typhoon")
    assert services.add_business_days(D(2026, 7, 6), 1) == D(2026, 7, 8)
    assert services.add_business_days(D(2026, 7, 6), 0) == D(2026, 7, 6)


def test_the_national_calendar_is_built_once_per_year():
    assert services._taiwan(2026) is services._taiwan(2026)


@pytest.mark.django_db
def test_close_open_and_remove(make_user):
    officer = make_user(role="officer")
    change = services.close(D(2026, 7, 7), "  Typhoon day  ", officer)
    assert (change.day.kind, change.day.reason, change.day.created_by) == ("closed", "Typhoon day", officer)
    # Closing again updates the reason rather than failing.
    assert services.close(D(2026, 7, 7), "Typhoon Danas", officer).day.reason == "Typhoon Danas"
    assert CalendarDay.objects.count() == 1
    services.open_day(D(2026, 7, 11), "Registration weekend", officer)
    assert services.load_overrides() == {D(2026, 7, 7): "closed", D(2026, 7, 11): "open"}
    removed = services.remove(D(2026, 7, 7))
    assert removed.day.reason == "Typhoon Danas"
    assert services.load_overrides() == {D(2026, 7, 11): "open"}


@pytest.mark.django_db
@pytest.mark.parametrize("action, day, message", [
    (services.close, D(2026, 7, 11), "2026-07-11 is already a day off on Taiwan's calendar (weekend)"),
    (services.close, D(2026, 2, 17), "2026-02-17 is already a day off on Taiwan's calendar (Chinese New Year)"),
    (services.open_day, D(2026, 7, 7), "2026-07-07 is already a working day on Taiwan's calendar"),
    (services.close, D(2101, 7, 7), "The calendar covers the years 1912 to 2100."),
])
def test_changes_that_would_do_nothing_are_refused(action, day, message):
    with translation.override("en"), pytest.raises(services.CalendarError, match=message.replace("(", r"\(").replace(")", r"\)")):
        action(day, "Reason", None)
    assert not CalendarDay.objects.exists()


@pytest.mark.django_db
def test_conflicting_entry_blank_reason_and_missing_entry_are_refused():
    services.close(D(2026, 7, 7), "Typhoon", None)
    with translation.override("en"):
        with pytest.raises(services.CalendarError, match="already in the calendar as “Closed"):
            services.open_day(D(2026, 7, 7), "Work", None)
        with pytest.raises(services.CalendarError, match="Give a reason"):
            services.close(D(2026, 7, 8), "   ", None)
        with pytest.raises(services.CalendarError, match="Keep the reason to 200 characters"):
            services.close(D(2026, 7, 8), "x" * 201, None)
        with pytest.raises(services.CalendarError, match="2026-07-08 has no entry"):
            services.remove(D(2026, 7, 8))


def test_national_days_in_the_reader_language():
    with translation.override("en"):
        days = {d.date: d for d in services.national_days(2026)}
        assert days[D(2026, 2, 17)].name == "Chinese New Year" and not days[D(2026, 2, 17)].working
        made_up = {d.date: d for d in services.national_days(2025)}[D(2025, 2, 8)]
        assert made_up.working and made_up.name == "Make-up working day"
    with translation.override("zh-hant"):
        assert {d.date: d.name for d in services.national_days(2026)}[D(2026, 2, 17)] == "春節"
