"""Hold rows: upserted by student and reference.

A date in released_on releases the hold (at the start of that day, local time). An empty
released_on never re-opens a released hold: the desk may have released it after checking with
the office, and a hold placed again deserves a new reference.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from sealpost.records.imports.cells import Cells
from sealpost.records.imports.report import ImportReport
from sealpost.records.imports.sources import Row
from sealpost.records.models import Hold, Student

KIND = "holds"
FIELDS = ("reason", "office", "placed_on", "released_at")


def parse(cells: Cells, today: datetime.date) -> dict:
    r = dict(
        student_number=cells.code("student_number", 20),
        reference=cells.text("reference", 50, required=True),
        reason=cells.text("reason", 200, required=True),
        office=cells.text("office", 100),
        placed_on=cells.date("placed_on", required=True),
        released_on=cells.date("released_on"),
    )
    if r["placed_on"] and r["placed_on"] > today:
        cells.problem("placed_on", _("is in the future"))
    if r["released_on"] and r["released_on"] > today:
        cells.problem("released_on", _("is in the future"))
    elif r["released_on"] and r["placed_on"] and r["released_on"] < r["placed_on"]:
        cells.problem("released_on", _("is before placed_on"))
    return r


def _released_at(hold: Hold | None, released_on: datetime.date | None) -> datetime.datetime | None:
    if released_on is None:
        return hold.released_at if hold else None
    if hold and hold.released_at and timezone.localtime(hold.released_at).date() == released_on:
        return hold.released_at
    return timezone.make_aware(datetime.datetime.combine(released_on, datetime.time.min))


def import_batch(rows: list[Row], report: ImportReport, memo: dict) -> None:
    seen = memo.setdefault("holds", {})  # (student number, reference) -> place
    parsed, today = [], timezone.localdate()
    for row in rows:
        cells = Cells(row.values)
        record = parse(cells, today)
        if cells.problems:
            report.reject(KIND, row.place, cells.problems)
        else:
            parsed.append((row, cells, record))

    numbers = {record["student_number"] for _row, _cells, record in parsed}
    students = Student.objects.only("id", "student_number").in_bulk(numbers, field_name="student_number")
    holds = {
        (h.student_id, h.reference): h for h in Hold.objects.filter(student__student_number__in=numbers)
    }
    new, changed = [], []
    for row, cells, r in parsed:
        student = students.get(r["student_number"])
        key = (r["student_number"], r["reference"])
        if student is None:
            cells.problem("student_number", _("no such student"))
        elif seen.setdefault(key, row.place) != row.place:
            message = _("given again for this student (first on %(where)s)")
            cells.problem("reference", message % {"where": seen[key].row_label})
        if cells.problems:
            report.reject(KIND, row.place, cells.problems)
            continue
        hold = holds.get((student.id, r["reference"]))
        values = dict(reason=r["reason"], placed_on=r["placed_on"], released_at=_released_at(hold, r["released_on"]))
        if "office" in row.values:  # a file without the column keeps the stored office
            values["office"] = r["office"]
        if hold is None:
            new.append(Hold(student=student, reference=r["reference"], **values))
            report.count(KIND, "created")
        elif any(getattr(hold, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(hold, f, v)
            changed.append(hold)
            report.count(KIND, "updated")
        else:
            report.count(KIND, "unchanged")
    Hold.objects.bulk_create(new)
    Hold.objects.bulk_update(changed, FIELDS)
