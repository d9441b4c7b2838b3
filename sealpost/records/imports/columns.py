"""The columns of each kind of row (docs/import-format.md describes them), and what a header
row or a JSON object must look like."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from sealpost.records.imports.report import KINDS

# column -> required. A row may leave an optional column empty; a header may leave it out.
COLUMNS: dict[str, dict[str, bool]] = {
    "students": {
        "student_number": True, "name_zh": False, "name_en": True, "date_of_birth": True,
        "national_id": False, "international": False, "department_zh": True, "department_en": True,
        "programme": True, "degree_zh": False, "degree_en": False, "status": True,
        "admitted_on": True, "graduated_on": False, "left_on": False,
    },
    "grades": {
        "student_number": True, "academic_year": True, "term": True, "course_code": True,
        "course_title_zh": False, "course_title_en": False, "credits": True, "score": False,
        "passed": False, "rank": False, "class_size": False,
    },
    "holds": {
        "student_number": True, "reference": True, "reason": True, "office": False,
        "placed_on": True, "released_on": False,
    },
}  # fmt: skip

_PLAIN_NAME = re.compile(r"[a-z][a-z_]{0,39}")


def normalise(name: object) -> str:
    """`Student Number`, `student-number` and ` student_number ` all name `student_number`."""
    return re.sub(r"[\s\-]+", "_", str(name if name is not None else "").strip().lstrip("\ufeff")).lower()


def printable(name: str) -> str:
    """A column name fit for a report. A header row that is really a data row (a file saved
    without its header) must not leak a name or an ID into the output."""
    return name if _PLAIN_NAME.fullmatch(name) else "?"


def kind_of_name(name: str) -> str | None:
    name = normalise(name)
    return name if name in KINDS else None


def detect(columns) -> str | None:
    """The kind whose own columns (all but student_number) the header names most; None if
    none or a tie."""
    columns = set(columns)
    scores = {kind: len(columns & (COLUMNS[kind].keys() - {"student_number"})) for kind in KINDS}
    best = max(scores.values())
    winners = [kind for kind, score in scores.items() if score == best]
    return winners[0] if best and len(winners) == 1 else None


def header_problems(kind: str, header: list[str]) -> list[tuple[str, str]]:
    """Why a header row cannot be read as `kind`: a column missing, unknown or repeated.
    An unknown column is refused rather than ignored: a misspelt `released_on` would
    otherwise silently leave holds in place."""
    known = COLUMNS[kind]
    named = [c for c in header if c]
    if not set(named) & known.keys():
        # Most likely a file saved without its header: say so, and echo none of its cells.
        return [("", _("row 1 is not a header row naming the columns of %(kind)s rows") % {"kind": kind})]
    problems = []
    for column in sorted({c for c in named if named.count(c) > 1}):
        problems.append((printable(column), _("the column appears more than once in the header row")))
    unknown = [c for c in dict.fromkeys(named) if c not in known]
    for column in unknown:
        problems.append((printable(column), _("not a column of %(kind)s rows") % {"kind": kind}))
    for column, required in known.items():
        if required and column not in named:
            problems.append((column, _("required column missing from the header row")))
    return problems


def unknown_keys(kind: str, values: dict) -> list[tuple[str, str]]:
    return [
        (printable(key), _("not a column of %(kind)s rows") % {"kind": kind})
        for key in values
        if key not in COLUMNS[kind]
    ]
