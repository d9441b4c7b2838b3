"""The registrar's calendar on the desk (sealpost.workdays): officers edit it, clerks and auditors
read it. Its URLs are calendar_urls.py (names workdays:calendar, workdays:remove)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _, ngettext
from django.views.decorators.http import require_POST

from sealpost.accounts.models import Role
from sealpost.accounts.access import staff_required
from sealpost.workdays import services
from sealpost.workdays.forms import CalendarDayForm
from sealpost.workdays.models import CalendarDay

EDITORS = {Role.OFFICER}


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if services.FIRST_YEAR <= year <= services.LAST_YEAR else timezone.localdate().year


def _year_url(year: int) -> str:
    return f"{reverse('workdays:calendar')}?year={year}"


def _moved(change: services.Change) -> str:
    return ngettext(
        "Deadlines moved on %(n)s open order.", "Deadlines moved on %(n)s open orders.", change.orders_updated,
    ) % {"n": change.orders_updated}


@staff_required()
def calendar(request):
    can_edit = request.user.role in EDITORS
    year = _year(request)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = CalendarDayForm(request.POST)
        if form.is_valid():
            day, kind, reason = form.cleaned_data["date"], form.cleaned_data["kind"], form.cleaned_data["reason"]
            add = services.close if kind == CalendarDay.Kind.CLOSED else services.open_day
            try:
                change = add(day, reason, request.user)
            except services.CalendarError as error:
                form.add_error("date", str(error))
            else:
                if kind == CalendarDay.Kind.CLOSED:
                    text = _("%(date)s is now a closure: %(reason)s.")
                else:
                    text = _("%(date)s is now an extra working day: %(reason)s.")
                messages.success(request, text % {"date": day.isoformat(), "reason": change.day.reason} + " " + _moved(change))
                return redirect(_year_url(day.year))
        year = form.cleaned_data.get("date").year if form.cleaned_data.get("date") else year
    else:
        form = CalendarDayForm()
    return render(request, "desk/calendar.html", {
        "year": year,
        "previous_year": year - 1 if year > services.FIRST_YEAR else None,
        "next_year": year + 1 if year < services.LAST_YEAR else None,
        "entries": services.entries(year),
        "national_days": services.national_days(year),
        "form": form,
        "can_edit": can_edit,
    })


@require_POST
@staff_required(EDITORS)
def remove(request, date):
    try:
        day = datetime.date.fromisoformat(date)
    except ValueError:
        raise Http404 from None
    try:
        change = services.remove(day)
    except services.CalendarError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The entry for %(date)s has been removed (%(kind)s: %(reason)s).") % {
            "date": day.isoformat(), "kind": change.day.get_kind_display(), "reason": change.day.reason} + " " + _moved(change))
    return redirect(_year_url(day.year))
