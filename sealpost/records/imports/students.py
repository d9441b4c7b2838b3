"""Student rows: upserted by student number."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from sealpost.records.imports.cells import Cells
from sealpost.records.imports.report import ImportReport
from sealpost.records.imports.sources import Row
from sealpost.records.models import Programme, Student, StudentStatus

KIND = "students"
FIELDS = [
    "name_zh", "name_en", "date_of_birth", "national_id_hash", "international", "department_zh",
    "department_en", "programme", "degree_zh", "degree_en", "status", "admitted_on", "graduated_on",
    "left_on",
]  # fmt: skip


def parse(cells: Cells, today: datetime.date) -> dict:
    record = dict(
        student_number=cells.code("student_number", 20),
        name_zh=cells.text("name_zh", 50),
        name_en=cells.text("name_en", 100, required=True),
        date_of_birth=cells.date("date_of_birth", required=True),
        national_id_hash=cells.national_id_hash("national_id"),
        international=bool(cells.boolean("international")),
        department_zh=cells.text("department_zh", 100, required=True),
        department_en=cells.text("department_en", 150, required=True),
        programme=cells.choice("programme", Programme.values),
        degree_zh=cells.text("degree_zh", 50),
        degree_en=cells.text("degree_en", 100),
        status=cells.choice("status", StudentStatus.values),
        admitted_on=cells.date("admitted_on", required=True),
        graduated_on=cells.date("graduated_on"),
        left_on=cells.date("left_on"),
    )
    _check_dates(cells, record, today)
    return record


def _check_dates(cells: Cells, r: dict, today: datetime.date) -> None:
    if r["date_of_birth"] and r["date_of_birth"] >= today:
        cells.problem("date_of_birth", _("must be in the past"))
    for column in ("graduated_on", "left_on"):
        if r[column] and r["admitted_on"] and r[column] < r["admitted_on"]:
            cells.problem(column, _("is before admitted_on"))
    if r["status"] == StudentStatus.GRADUATED and not r["graduated_on"]:
        cells.problem("graduated_on", _("required when status is graduated"))
    if r["status"] == StudentStatus.WITHDRAWN and not r["left_on"]:
        cells.problem("left_on", _("required when status is withdrawn"))
    if r["status"] == StudentStatus.CURRENT:
        for column in ("graduated_on", "left_on"):
            if r[column]:
                cells.problem(column, _("must be empty when status is current"))


def _given(record: dict, values: dict) -> dict:
    """The fields the row sets. A column left out of the file keeps the stored value, and so
    does an empty national_id: an export without IDs must not erase them."""
    for f in FIELDS:
        if (f if f != "national_id_hash" else "national_id") not in values:
            del record[f]
    if not record.get("national_id_hash"):
        record.pop("national_id_hash", None)
    return record


def import_batch(rows: list[Row], report: ImportReport, memo: dict) -> None:
    """Upsert one batch. `memo` lives as long as the sheet: it finds a student number given twice."""
    seen = memo.setdefault("rows", {})
    records, today = [], timezone.localdate()
    for row in rows:
        cells = Cells(row.values)
        record = parse(cells, today)
        number = record["student_number"]
        if not cells.problems and seen.setdefault(number, row.place) != row.place:
            cells.problem("student_number", _("given again (first on %(where)s)") % {"where": seen[number].row_label})
        if cells.problems:
            report.reject(KIND, row.place, cells.problems)
        else:
            records.append(_given(record, row.values))

    existing = Student.objects.in_bulk([r["student_number"] for r in records], field_name="student_number")
    new, changed = [], []
    for record in records:
        student = existing.get(record["student_number"])
        if student is None:
            new.append(Student(**record))
            report.count(KIND, "created")
        elif any(getattr(student, f) != v for f, v in record.items()):
            for f, v in record.items():
                setattr(student, f, v)
            student.updated_at = timezone.now()
            changed.append(student)
            report.count(KIND, "updated")
        else:
            report.count(KIND, "unchanged")
    Student.objects.bulk_create(new)
    Student.objects.bulk_update(changed, FIELDS + ["updated_at"])
