"""The import under generated rows and files (issue 7, "Bad input"): rows of students, grades and
holds with cells of any type and text (control characters, full-width digits, emoji, very long
text, impossible dates, ROC years), columns missing, unknown or repeated; CSV, XLSX and JSON
files made of such rows, and files that are not what their name says.

Promised (docs/import-format.md): never an exception; a rejected row is reported with its place
(file, sheet, row or item), the column and the reason, in Traditional Chinese and in English
alike; a file that cannot be read is reported as such. Each case is imported as a dry run, so
that the two languages see the same database.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import json

import openpyxl
import pytest
from django.utils import translation
from hypothesis import event, given, settings
from hypothesis import strategies as st

from sealpost.portal.tests.fuzz import examples, field_values, hostile_text, json_values, messages_translated
from sealpost.records import importer, nationalid
from sealpost.records.imports.columns import COLUMNS

GOOD = {
    "student_number": ["109502001", "109502002", "A1-23", "1"],
    "name_zh": ["陳大偉", "", "林　美玲"],
    "name_en": ["CHEN, TA-WEI", "O'NEIL, MARY"],
    "date_of_birth": ["2000-01-15", "2000-02-30", "89-01-15", "2000/01/15", "2099-01-01"],
    "national_id": [nationalid.make_valid("A12345678"), "A123456788", "", "a123456789"],
    "international": ["true", "false", "", "yes", "1"],
    "department_zh": ["資訊工程學系"], "department_en": ["Computer Science"],
    "programme": ["bachelor", "master", "doctoral", "phd"],
    "degree_zh": ["工學士", ""], "degree_en": ["Bachelor of Engineering", ""],
    "status": ["graduated", "current", "withdrawn", "expelled"],
    "admitted_on": ["2018-09-01", "2030-01-01"], "graduated_on": ["2022-06-30", "", "2010-01-01"],
    "left_on": ["", "2020-01-31"],
    "academic_year": ["110", "2023", "39", "0", "-1"], "term": ["1", "2", "3", "4", "1.0"],
    "course_code": ["CE1001", "CE-1002", "課程"], "course_title_zh": ["計算機概論", ""],
    "course_title_en": ["Introduction to Computer Science", ""], "credits": ["3", "0.5", "2.25", "100", "-1"],
    "score": ["85", "100", "101", "A+", "85.5", ""], "passed": ["", "true", "false", "maybe"],
    "rank": ["", "3", "0", "100000"], "class_size": ["", "52", "2"],
    "reference": ["LIB-2024-0012", "FEE-1"], "reason": ["Overdue library books"], "office": ["Library", ""],
    "placed_on": ["2024-05-02", "2999-01-01"], "released_on": ["", "2024-06-01", "2024-01-01"],
}


@functools.lru_cache(maxsize=None)  # built once per column: see fuzz.huge
def cell_values(column):
    good = GOOD.get(column, [""])
    plausible = st.sampled_from(good)
    return st.one_of(plausible, plausible, plausible, plausible, field_values(good, huge_max=20_000),
                     st.one_of(json_values(), st.integers(-(2**40), 2**40), st.floats(allow_nan=True), st.dates(),
                               st.booleans(), st.none()))


@st.composite
def rows(draw, kind):
    columns = list(COLUMNS[kind])
    chosen = [c for c in columns if draw(st.integers(0, 9))]  # mostly all columns
    if draw(st.integers(0, 7)) == 0:
        chosen.append(draw(st.one_of(st.sampled_from(["Student Number", "remarks", "", " "]), hostile_text(12))))
    count = draw(st.integers(1, 4))
    return chosen, [{c: draw(cell_values(c)) for c in chosen} for _ in range(count)]


def _plain(value):
    """A cell as a CSV or XLSX writer takes it."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _json_cell(value):
    if isinstance(value, (datetime.date, float)) and not (isinstance(value, float) and value == value and abs(value) != float("inf")):
        return str(value)
    return value


def as_csv(header, items, encoding) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for item in items:
        writer.writerow(["" if item.get(c) is None else _plain(item.get(c)) for c in header])
    return out.getvalue().encode(encoding, "replace")


def _xlsx_cell(value):
    value = _plain(value)
    if isinstance(value, str):
        # what openpyxl refuses to write at all (control characters, more than Excel holds)
        value = "".join(ch for ch in value if ch >= " " or ch in "\t\n\r")[:32767]
    return value


def as_xlsx(sheet_name, header, items) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = sheet_name
    sheet.append([_xlsx_cell(c) for c in header])
    for item in items:
        sheet.append([_xlsx_cell(item.get(c)) for c in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_json(kind, items, wrap) -> bytes:
    items = [{k: _json_cell(v) for k, v in item.items()} for item in items]
    return json.dumps({kind: items} if wrap else items, ensure_ascii=False, default=str).encode("utf-8", "surrogatepass")


class Upload(io.BytesIO):
    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name


@st.composite
def files(draw):
    kind = draw(st.sampled_from(list(COLUMNS)))
    header, items = draw(rows(kind))
    form = draw(st.sampled_from(["csv", "csv", "xlsx", "json", "json", "junk"]))
    if form == "csv":
        data = as_csv(header, items, draw(st.sampled_from(["utf-8", "utf-8-sig", "big5", "utf-16"])))
        name = f"{kind}.csv"
    elif form == "xlsx":
        data = as_xlsx(draw(st.sampled_from([kind, "Sheet1", "Notes"])), header, items)
        name = "export.xlsx"
    elif form == "json":
        data = as_json(kind, items, draw(st.booleans()))
        name = "export.json"
    else:
        data = draw(st.one_of(st.binary(max_size=300), st.sampled_from([b"", b"PK\x03\x04broken", b"\xef\xbb\xbf", b"[1,2]",
                                                                        b"{\"students\": 1}", b"%PDF-1.7"])))
        name = draw(st.sampled_from(["students.csv", "export.xlsx", "export.json", "notes.txt", "noextension"]))
    return kind if form != "junk" else None, name, data, items


def _notes(report) -> dict[str, list[str]]:
    """The rejections, keyed by place and column (so that both languages can be compared)."""
    notes: dict[str, list[str]] = {}
    for note in report.rejections:
        key = f"{note.place.source}|{note.place.sheet}|{note.place.row}|{note.column}"
        notes.setdefault(key, []).append(note.message)
    return notes


# A row may be refused as a whole, without a column, only for these reasons:
WHOLE_ROW = ("has a value in a column with no name in the header row", "must be an object whose keys are column names")


def _check(report, kind_columns: set[str], given_columns: set[str]) -> None:
    for note in report.rejections:
        assert note.message.strip(), note
        assert str(note).strip()
        if note.place.row is None:
            continue  # the file or the sheet as a whole: its place and the reason
        if not note.column:
            assert note.message in WHOLE_ROW, f"a row rejected without naming its column: {note}"
            continue
        assert note.column in kind_columns | given_columns | {"?"}, f"an unknown column named: {note}"


def _import_both(run):
    with translation.override("en"):
        en = run()
    with translation.override("zh-hant"):
        zh = run()
    assert en.counts == zh.counts
    problems = messages_translated(_notes(en), _notes(zh))
    assert not problems, problems
    return en


@settings(max_examples=examples(3000))
@given(case=st.sampled_from(list(COLUMNS)).flatmap(lambda kind: st.tuples(st.just(kind), rows(kind))))
@pytest.mark.django_db
def test_import_rows_name_the_column_and_reason_in_both_languages(case, make_student):
    kind, (header, items) = case
    make_student(student_number="109502001") if not _existing() else None
    report = _import_both(lambda: importer.import_rows(kind, items, source="rows", dry_run=True))
    from sealpost.records.imports.columns import normalise

    _check(report, set(COLUMNS[kind]), {normalise(c) for c in header})
    event("rejected" if report.rejections else "accepted")


@settings(max_examples=examples(1500))
@given(case=files())
@pytest.mark.django_db
def test_import_files_never_fail_and_say_where_and_why_in_both_languages(case, make_student):
    kind, name, data, items = case
    make_student(student_number="109502001") if not _existing() else None
    report = _import_both(lambda: importer.import_file(Upload(data, name), dry_run=True))
    from sealpost.records.imports.columns import normalise

    given_columns = {normalise(c) for item in items for c in item} if items else set()
    all_columns = set().union(*COLUMNS.values())
    _check(report, all_columns, given_columns)
    if kind is None:
        event("junk file: " + ("rejected" if report.rejections else "nothing"))
    else:
        event(f"{name.rsplit('.', 1)[-1]}: " + ("rejected" if report.rejections else "accepted"))


def _existing() -> bool:
    from sealpost.records.models import Student

    return Student.objects.filter(student_number="109502001").exists()


# --- cases that used to raise (found by the tests above) -----------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["9" * 5000, 10 ** 5000, "１" * 5000], ids=["digits", "a JSON integer", "full-width digits"])
def test_a_number_of_thousands_of_digits_is_refused_with_its_column(value):
    with translation.override("en"):
        report = importer.import_rows("grades", [{
            "student_number": "109502001", "academic_year": value, "term": "1", "course_code": "CE1001",
            "credits": "3", "score": value}], dry_run=True)
    columns = {note.column for note in report.rejections}
    assert {"academic_year", "score"} <= columns, [str(n) for n in report.rejections]


@pytest.mark.django_db
@pytest.mark.parametrize("data", [b'{"students": [{"student_number": ' + b"1" * 5000 + b"}]}",
                                  b"[" * 100_000 + b"]" * 100_000], ids=["a long number", "deep nesting"])
def test_json_that_python_cannot_read_is_a_file_level_rejection(data):
    with translation.override("en"):
        report = importer.import_file(Upload(data, "export.json"), dry_run=True)
    assert [note.place.row for note in report.rejections] == [None]
    assert "a number is too long or the nesting too deep" in report.rejections[0].message
