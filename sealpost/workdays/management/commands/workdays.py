"""``sealpost workdays``: the registrar's calendar from the console.

    sealpost workdays close 2026-07-07 --reason "Typhoon day (Taoyuan City Government)"
    sealpost workdays open 2026-02-21 --reason "Registration week"
    sealpost workdays remove 2026-07-07
    sealpost workdays next 2026-02-13 1        # prints 2026-02-23
    sealpost workdays list --year 2026
    sealpost workdays recompute                # after upgrading the holidays package
"""

from __future__ import annotations

import argparse
import datetime
import re

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _, gettext_lazy, ngettext

from sealpost.workdays import services
from sealpost.workdays.models import CalendarDay

MAX_DAYS = 1000
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def iso_date(value: str) -> datetime.date:
    match = ISO_DATE.match(value.strip())
    if not match:
        raise argparse.ArgumentTypeError(_("“%(value)s” is not a date: write it as YYYY-MM-DD, e.g. 2026-02-17.") % {"value": value})
    try:
        day = datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise argparse.ArgumentTypeError(_("%(value)s is not a day of the calendar (check the month and the day).") % {"value": value}) from None
    if not services.FIRST_YEAR <= day.year <= services.LAST_YEAR:
        raise argparse.ArgumentTypeError(_("The calendar covers the years %(first)s to %(last)s.") % {
            "first": services.FIRST_YEAR, "last": services.LAST_YEAR})
    return day


def day_count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 1 <= number <= MAX_DAYS:
        raise argparse.ArgumentTypeError(_("The number of business days must be a whole number from 1 to %(max)s.") % {"max": MAX_DAYS})
    return number


def year(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not services.FIRST_YEAR <= number <= services.LAST_YEAR:
        raise argparse.ArgumentTypeError(_("The calendar covers the years %(first)s to %(last)s.") % {
            "first": services.FIRST_YEAR, "last": services.LAST_YEAR})
    return number


class Command(BaseCommand):
    help = gettext_lazy("The registrar's calendar: closures (typhoon days), extra working days, and business-day arithmetic.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        close = actions.add_parser("close", help=_("close the registrar on DATE (a typhoon day); open orders' deadlines move"))
        close.add_argument("date", type=iso_date, metavar="DATE")
        close.add_argument("--reason", required=True, help=_("why, e.g. “Typhoon day declared by the city government”"))

        open_ = actions.add_parser("open", help=_("make DATE, a day off on Taiwan's calendar, a working day"))
        open_.add_argument("date", type=iso_date, metavar="DATE")
        open_.add_argument("--reason", required=True, help=_("why the registrar works that day"))

        remove = actions.add_parser("remove", help=_("take out the registrar's entry for DATE"))
        remove.add_argument("date", type=iso_date, metavar="DATE")

        next_ = actions.add_parser("next", help=_("print the N-th business day after DATE (DATE itself never counts)"))
        next_.add_argument("date", type=iso_date, metavar="DATE")
        next_.add_argument("days", type=day_count, metavar="N")

        list_ = actions.add_parser("list", help=_("the year's national holidays, make-up working days and the registrar's entries"))
        list_.add_argument("--year", type=year, default=None, help=_("the year to list (this year by default)"))

        actions.add_parser("recompute", help=_("count every open order's deadlines again (after upgrading the holidays package)"))

    def handle(self, *args, action, **options):
        try:
            getattr(self, "do_" + action)(**options)
        except services.CalendarError as error:
            raise CommandError(str(error)) from error

    def _report(self, message: str, change: services.Change) -> None:
        self.stdout.write(message)
        self.stdout.write(ngettext(
            "Deadlines moved on %(n)s open order.", "Deadlines moved on %(n)s open orders.", change.orders_updated,
        ) % {"n": change.orders_updated})

    def do_close(self, date, reason, **options):
        change = services.close(date, reason, None)
        self._report(_("Closed on %(date)s: %(reason)s.") % {"date": date.isoformat(), "reason": change.day.reason}, change)

    def do_open(self, date, reason, **options):
        change = services.open_day(date, reason, None)
        self._report(_("Working day on %(date)s: %(reason)s.") % {"date": date.isoformat(), "reason": change.day.reason}, change)

    def do_remove(self, date, **options):
        change = services.remove(date)
        self._report(_("Removed the entry for %(date)s (%(kind)s: %(reason)s).") % {
            "date": date.isoformat(), "kind": change.day.get_kind_display(), "reason": change.day.reason}, change)

    def do_recompute(self, **options):
        moved = services.recount()
        self.stdout.write(ngettext(
            "Deadlines moved on %(n)s open order.", "Deadlines moved on %(n)s open orders.", moved) % {"n": moved})

    def do_next(self, date, days, **options):
        self.stdout.write(services.add_business_days(date, days).isoformat())

    def do_list(self, year=None, **options):
        year = year or timezone.localdate().year
        rows = [(d.date, _("make-up working day"), "") if d.working else (d.date, _("holiday"), d.name)
                for d in services.national_days(year)]
        for entry in services.entries(year):
            label = _("closed") if entry.kind == CalendarDay.Kind.CLOSED else _("extra working day")
            who = f" ({entry.created_by.email})" if entry.created_by else ""
            rows.append((entry.date, label, entry.reason + who))
        rows.sort(key=lambda row: row[0])
        width = max((len(str(label)) for _d, label, _n in rows), default=0)
        self.stdout.write(_("%(year)s: Taiwan's calendar (holidays.TW) and the registrar's entries") % {"year": year})
        for day, label, text in rows:
            self.stdout.write(f"{day.isoformat()} {WEEKDAYS_ABBR[day.weekday()]}  {str(label).ljust(width)}  {text}")
