import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from sealpost.workdays.models import CalendarDay

D = datetime.date


def run(*args) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("workdays", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("start, n, expected", [
    ("2026-02-13", "1", "2026-02-23"),  # across the Lunar New Year break
    ("2026-02-12", "3", "2026-02-24"),
    ("2025-02-07", "1", "2025-02-08"),  # the make-up working Saturday
    ("2026-02-26", "2", "2026-03-03"),  # Peace Memorial Day observed on Friday 27 February
])
def test_next_prints_the_iso_date(start, n, expected):
    assert run("next", start, n) == expected + "\n"


@pytest.mark.django_db
def test_open_and_list():
    run("open", "2026-07-11", "--reason", "Registration weekend")
    run("close", "2026-07-07", "--reason", "Typhoon day")
    listing = run("list", "--year", "2026")
    assert "2026-02-17 Tue  holiday" in listing and "Chinese New Year" in listing
    assert "2026-07-07 Tue  closed" in listing and "Typhoon day" in listing
    assert "2026-07-11 Sat  extra working day" in listing
    assert listing.index("2026-02-17") < listing.index("2026-07-07") < listing.index("2026-07-11")
    assert "2025-02-08 Sat  make-up working day" in run("list", "--year", "2025")


@pytest.mark.django_db
@pytest.mark.parametrize("args, message", [
    (["next", "2026-02-30", "1"], "2026-02-30 is not a day of the calendar"),
    (["next", "13/02/2026", "1"], "“13/02/2026” is not a date: write it as YYYY-MM-DD"),
    (["next", "2026-02-13", "0"], "whole number from 1 to 1000"),
    (["close", "tomorrow", "--reason", "x"], "“tomorrow” is not a date"),
    (["close", "2026-07-11", "--reason", "Typhoon"], "already a day off on Taiwan's calendar"),
    (["remove", "2026-07-07"], "2026-07-07 has no entry"),
    (["list", "--year", "99999"], "The calendar covers the years 1912 to 2100."),
])
def test_clear_errors(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not CalendarDay.objects.exists()
