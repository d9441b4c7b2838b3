"""Business days on the Taiwan calendar (national holidays, substitute days and make-up
workdays from `holidays.TW`) with the registrar's closures and extra workdays on top.

The registrar's entries ("overrides") win over the national calendar: a closure makes a working
day a day off (a typhoon day, declared on the day), an extra working day makes a day off a
working day. Every change to them is announced in the same transaction
(signals.calendar_changed): the orders app counts the deadlines of the open orders again.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

import holidays
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from sealpost.workdays.models import CalendarDay
from sealpost.workdays.signals import calendar_changed

Kind = CalendarDay.Kind

# holidays.TW knows the years the Directorate-General of Personnel Administration has published
# and computes later ones by rule; it covers the Republic's years. Outside this range a date is
# refused rather than counted against a calendar nobody has.
FIRST_YEAR = 1912
LAST_YEAR = 2100


class CalendarError(Exception):
    """A change to the calendar that cannot be made; the message is for the person."""


@functools.lru_cache(maxsize=64)
def _taiwan(year: int):
    """The national calendar for one year (cached: building it costs far more than a lookup)."""
    return holidays.TW(years=year)


@functools.lru_cache(maxsize=64)
def _taiwan_named(year: int, language: str):
    return holidays.TW(years=year, language=language)


def _holiday_language() -> str:
    """holidays.TW's language for the active Django language (it ships zh_TW and en_US)."""
    return "en_US" if (translation.get_language() or "").startswith("en") else "zh_TW"


def load_overrides() -> dict[datetime.date, str]:
    """The registrar's closures and extra workdays, ``{date: kind}``: one query. Read them once
    and pass them to is_business_day / add_business_days when counting many deadlines."""
    return dict(CalendarDay.objects.values_list("date", "kind"))


def is_national_working_day(day: datetime.date) -> bool:
    """A working day on Taiwan's calendar alone (weekends, holidays, make-up Saturdays)."""
    return _taiwan(day.year).is_working_day(day)


def is_business_day(day: datetime.date, overrides: dict | None = None) -> bool:
    overrides = load_overrides() if overrides is None else overrides
    kind = overrides.get(day)
    if kind == Kind.CLOSED:
        return False
    if kind == Kind.OPEN:
        return True
    return is_national_working_day(day)


def add_business_days(start: datetime.date, days: int, overrides: dict | None = None) -> datetime.date:
    """The N-th business day after ``start`` (``start`` itself never counts). Pass ``overrides``
    (from load_overrides()) to count against a calendar already read; otherwise it is read here."""
    if days < 0:
        raise ValueError("days must not be negative")
    overrides = load_overrides() if overrides is None else overrides
    day = start
    counted = 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if is_business_day(day, overrides):
            counted += 1
    return day


# --- The registrar's entries --------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """What a change to the calendar did: the entry added, updated or removed, and how many
    open orders had a deadline moved."""

    day: CalendarDay
    orders_updated: int


def recount() -> int:
    """Have everything counted in business days counted again (signals.calendar_changed):
    after a change to the calendar, or after upgrading the holidays package. Answers how many
    things (open orders) had a date moved."""
    return sum(moved or 0 for _receiver, moved in calendar_changed.send(sender=CalendarDay))


def check_year(day: datetime.date) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise CalendarError(_("The calendar covers the years %(first)s to %(last)s.") % {
            "first": FIRST_YEAR, "last": LAST_YEAR})


def check(day: datetime.date, kind: str) -> None:
    """Raise CalendarError when an entry of ``kind`` on ``day`` cannot be added: it would change
    nothing, or the day already has an entry of the other kind."""
    check_year(day)
    existing = CalendarDay.objects.filter(date=day).first()
    if existing is not None and existing.kind != kind:
        raise CalendarError(_("%(date)s is already in the calendar as “%(kind)s” (%(reason)s); remove that entry first.") % {
            "date": day.isoformat(), "kind": existing.get_kind_display(), "reason": existing.reason})
    if existing is None:
        working = is_national_working_day(day)
        if kind == Kind.CLOSED and not working:
            raise CalendarError(_("%(date)s is already a day off on Taiwan's calendar (%(what)s): a closure would change nothing.") % {
                "date": day.isoformat(), "what": describe_national(day)})
        if kind == Kind.OPEN and working:
            raise CalendarError(_("%(date)s is already a working day on Taiwan's calendar: an extra working day would change nothing.") % {
                "date": day.isoformat()})


def describe_national(day: datetime.date) -> str:
    """Why a day is what it is on Taiwan's calendar, in the reader's language."""
    name = _taiwan_named(day.year, _holiday_language()).get(day)
    if name:
        return name
    if day in _weekend_workdays(day.year):
        return _("make-up working day")
    if day.weekday() >= 5:  # Taiwan's weekend: Saturday and Sunday
        return _("weekend")
    return _("working day")


def _add(day: datetime.date, kind: str, reason: str, actor) -> Change:
    reason = (reason or "").strip()
    if not reason:
        raise CalendarError(_("Give a reason, e.g. “Typhoon day declared by the Taoyuan City Government”."))
    limit = CalendarDay._meta.get_field("reason").max_length
    if len(reason) > limit:
        raise CalendarError(_("Keep the reason to %(limit)s characters.") % {"limit": limit})
    check(day, kind)
    entry, _created = CalendarDay.objects.update_or_create(
        date=day, defaults={"kind": kind, "reason": reason, "created_by": actor if getattr(actor, "pk", None) else None},
    )
    return Change(entry, recount())


@transaction.atomic
def close(date: datetime.date, reason: str, actor=None) -> Change:
    """The registrar is closed on ``date`` (a typhoon day): it stops being a business day and
    every open order's deadlines are counted again. Closing a day already closed updates the reason."""
    return _add(date, Kind.CLOSED, reason, actor)


@transaction.atomic
def open_day(date: datetime.date, reason: str, actor=None) -> Change:
    """The registrar works on ``date``, a day off on Taiwan's calendar."""
    return _add(date, Kind.OPEN, reason, actor)


@transaction.atomic
def remove(date: datetime.date) -> Change:
    """Take the registrar's entry for ``date`` out: the day is again what Taiwan's calendar says."""
    entry = CalendarDay.objects.select_for_update().filter(date=date).first()
    if entry is None:
        raise CalendarError(_("%(date)s has no entry in the registrar's calendar.") % {"date": date.isoformat()})
    entry.delete()
    return Change(entry, recount())


# --- Reading a year -----------------------------------------------------------------------


@dataclass(frozen=True)
class NationalDay:
    date: datetime.date
    name: str
    working: bool  # True for a make-up working day, False for a holiday


def _weekend_workdays(year: int) -> set[datetime.date]:
    # holidays keeps the make-up working weekend days it knows in `weekend_workdays`
    # (is_working_day honours them); the set is not limited to the years asked for.
    return {d for d in getattr(_taiwan(year), "weekend_workdays", ()) if d.year == year}


def national_days(year: int) -> list[NationalDay]:
    """The year's national holidays (with holidays.TW's names in the reader's language: it
    ships Chinese and English) and make-up working days, by date."""
    named = _taiwan_named(year, _holiday_language())
    days = [NationalDay(day, name, False) for day, name in named.items()]
    days += [NationalDay(day, _("Make-up working day"), True) for day in _weekend_workdays(year)]
    return sorted(days, key=lambda d: d.date)


def entries(year: int):
    return CalendarDay.objects.filter(date__year=year).select_related("created_by").order_by("date")
