"""Business days on the Taiwan calendar (national holidays, substitute days and make-up
workdays from `holidays.TW`) with the registrar's closures and extra workdays on top."""

from __future__ import annotations

import datetime
import functools

import holidays

from sealpost.workdays.models import CalendarDay


@functools.lru_cache(maxsize=64)
def _taiwan(year: int):
    return holidays.TW(years=year)


def _overrides() -> dict[datetime.date, str]:
    return dict(CalendarDay.objects.values_list("date", "kind"))


def is_business_day(day: datetime.date, overrides: dict | None = None) -> bool:
    overrides = _overrides() if overrides is None else overrides
    kind = overrides.get(day)
    if kind == CalendarDay.Kind.CLOSED:
        return False
    if kind == CalendarDay.Kind.OPEN:
        return True
    return _taiwan(day.year).is_working_day(day)


def add_business_days(start: datetime.date, days: int) -> datetime.date:
    """The N-th business day after ``start`` (``start`` itself never counts)."""
    overrides = _overrides()
    day = start
    counted = 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if is_business_day(day, overrides):
            counted += 1
    return day
