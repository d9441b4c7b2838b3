"""Importing students, grades and holds from the student information system.

    report = import_file("export.xlsx")                 # CSV, XLSX or JSON; a path or an upload
    report = import_files(["students.csv", "grades.csv"], dry_run=True)
    report = import_rows("holds", [{"student_number": ..., ...}], source="desk")

The file format is described in docs/import-format.md. Rows are upserted by their natural keys,
so importing the same file twice changes nothing the second time. A row that cannot be imported
is rejected with the reason and the others go on; students are imported before grades and holds.
Rows are written in batches, one transaction each; a dry run does all the work, then rolls
everything back.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from itertools import islice

from django.db import transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from sealpost.records.imports import columns, grades, holds, students
from sealpost.records.imports.report import KINDS, Counts, ImportReport, Note, Place
from sealpost.records.imports.sources import Row, Sheet, SourceError, label_of, read

__all__ = ["KINDS", "Counts", "ImportReport", "Note", "Place", "import_file", "import_files", "import_rows"]

BATCH_SIZE = 500  # rows per transaction; also keeps every IN (...) list under SQLite's limits
IMPORTERS = {"students": students.import_batch, "grades": grades.import_batch, "holds": holds.import_batch}


def import_file(source, kind: str | None = None, dry_run: bool = False, progress: bool = False) -> ImportReport:
    """Import one file: a path, or a binary file object with a .name (such as an upload)."""
    return import_files([source], kind=kind, dry_run=dry_run, progress=progress)


def import_files(sources, kind: str | None = None, dry_run: bool = False, progress: bool = False) -> ImportReport:
    """Import several files as one: every student row of every file goes before any grade or
    hold row. With `kind`, only rows of that kind are imported (and a CSV file or a sheet
    that does not say which kind it holds is taken to be of that kind)."""
    report = ImportReport(dry_run=dry_run)
    sheets = []
    for source in sources:
        sheets += _sheets(source, kind, report)
    sheets.sort(key=lambda pair: KINDS.index(pair[0]))
    with _writing(dry_run):
        for sheet_kind, sheet in sheets:
            _import_sheet(sheet_kind, sheet, report, progress)
    return report


def import_rows(
    kind: str, rows, source: str = "rows", dry_run: bool = False, progress: bool = False,
    report: ImportReport | None = None,
) -> ImportReport:  # fmt: skip
    """Import dicts keyed by column name (values as in JSON or as text); they are numbered
    from 1 as items of `source` in the report. Pass `report` to add to an earlier one."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    report = report or ImportReport(dry_run=dry_run)
    place = Place(source, unit="item")
    sheet = Sheet(place, kind, None, [Row(place.at(n), {columns.normalise(k): v for k, v in row.items()})
                                      for n, row in enumerate(rows, start=1)])  # fmt: skip
    with _writing(dry_run):
        _import_sheet(kind, sheet, report, progress)
    return report


def _sheets(source, kind: str | None, report: ImportReport) -> list[tuple[str, Sheet]]:
    """The sheets of a file with the kind of each; what cannot be read goes in the report."""
    try:
        sheets = read(source)
    except SourceError as error:
        report.reject(None, Place(label_of(source)), [("", str(error))])
        return []
    found = []
    for sheet in sheets:
        sheet_kind = columns.kind_of_name(sheet.name) or kind or columns.detect(sheet.columns)
        if kind and sheet_kind != kind:
            report.warn(sheet.place, "", _("skipped: not %(kind)s rows") % {"kind": kind})
        elif sheet_kind:
            found.append((sheet_kind, sheet))
        elif sheet.name and sheet.place.unit == "row":  # a worksheet of notes, say
            report.warn(sheet.place, "", _("skipped: not students, grades or holds (see docs/import-format.md)"))
        else:
            report.reject(None, sheet.place, [("", _(
                "cannot tell whether the rows are students, grades or holds: name the columns as in "
                "docs/import-format.md, or give the kind (--kind)"
            ))])  # fmt: skip
    return found


@contextmanager
def _writing(dry_run: bool):
    if not dry_run:
        yield
        return
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _import_sheet(kind: str, sheet: Sheet, report: ImportReport, progress: bool) -> None:
    report.counts.setdefault(kind, Counts())
    if sheet.header is not None:
        problems = columns.header_problems(kind, sheet.header)
        if problems:
            report.reject(kind, sheet.place, problems, rows=len(sheet.rows))
            return
    memo: dict = {}  # what one batch tells the next: rows already seen, titles already given
    first_rejection, first_warning = len(report.rejections), len(report.warnings)
    label = " ".join(part for part in (sheet.place.source, sheet.place.sheet) if part)
    rows = iter(sheet.rows)
    with tqdm(
        total=len(sheet.rows), desc=label, unit=" rows", file=sys.stderr, leave=False,
        disable=None if progress else True,  # None: only on a terminal
    ) as bar:  # fmt: skip
        while batch := list(islice(rows, BATCH_SIZE)):
            ready = []
            for row in batch:
                problems = row.problems + (columns.unknown_keys(kind, row.values) if sheet.header is None else [])
                if problems:
                    report.reject(kind, row.place, problems)
                else:
                    ready.append(row)
            with transaction.atomic():
                IMPORTERS[kind](ready, report, memo)
            bar.update(len(batch))
    # In the order of the rows: a batch reports what it finds in the cells before what it
    # finds in the database.
    report.rejections[first_rejection:] = sorted(report.rejections[first_rejection:], key=lambda n: n.place.row)
    report.warnings[first_warning:] = sorted(report.warnings[first_warning:], key=lambda n: n.place.row)
