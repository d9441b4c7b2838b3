"""Importing students, grades and holds (docs/import-format.md): what is rejected, and how the
rejection reads."""

import pytest

from sealpost.records import importer
from sealpost.records.models import Student
from sealpost.records.tests.rows import (  # noqa: F401 - _english: the tests run in English
    BAD_ID, GOOD_ID, _english, grade, hold, messages, run_command, student, write_csv,
)


# --- what is rejected --------------------------------------------------------------------

STUDENT_REJECTIONS = [
    (dict(national_id=BAD_ID), "national_id: checksum does not match"),
    (dict(national_id="A12345678"), "national_id: must be a letter, then 1, 2, 8 or 9, then eight digits"),
    (dict(student_number="10950 2001"), "student_number: must be up to 20 letters, digits and hyphens"),
    (dict(student_number=""), "student_number: required"),
    (dict(name_en=""), "name_en: required"),
    (dict(name_zh="陳大\n偉"), "name_zh: contains a line break or an invisible control character"),
    (dict(name_en="X" * 101), "name_en: longer than 100 characters"),
    (dict(date_of_birth="15/01/2000"), "date_of_birth: must be a date written YYYY-MM-DD (Gregorian, not ROC)"),
    (dict(date_of_birth="89/01/15"), "date_of_birth: must be a date written YYYY-MM-DD (Gregorian, not ROC)"),
    (dict(date_of_birth="2000-02-30"), "date_of_birth: must be a date written YYYY-MM-DD (Gregorian, not ROC)"),
    (dict(date_of_birth="2999-01-01"), "date_of_birth: must be in the past"),
    (dict(international="maybe"), "international: must be true or false"),
    (dict(programme="phd"), "programme: must be one of: bachelor, master, doctoral"),
    (dict(status="alumnus"), "status: must be one of: current, graduated, withdrawn"),
    (dict(graduated_on=""), "graduated_on: required when status is graduated"),
    (dict(status="withdrawn", graduated_on=""), "left_on: required when status is withdrawn"),
    (dict(status="current"), "graduated_on: must be empty when status is current"),
    (dict(graduated_on="2019-06-30"), "graduated_on: is before admitted_on"),
]


@pytest.mark.parametrize("fields, reason", STUDENT_REJECTIONS)
def test_student_rejections(db, tmp_path, fields, reason):
    path = write_csv(tmp_path / "students.csv", [student(student_number="109502000"), student(**fields)])

    report = importer.import_file(path)

    assert messages(report) == [f"{path}: row 3: {reason}"]
    assert report.counts["students"].created == 1 and report.counts["students"].rejected == 1


GRADE_REJECTIONS = [
    (dict(student_number="109509999"), "student_number: no such student"),
    (dict(score="101"), "score: must be a whole number from 0 to 100"),
    (dict(score="85.5"), "score: must be a whole number from 0 to 100"),
    (dict(score="A+"), "score: must be a whole number from 0 to 100"),
    (dict(score="", passed=""), "score: required unless passed is given (a pass/fail course)"),
    (dict(passed="pass"), "passed: must be true or false"),
    (dict(term="4"), "term: must be a whole number from 1 to 3"),
    (
        dict(academic_year="2021"),
        "academic_year: must be an ROC academic year from 40 to {latest}, such as 112 for 2023–24",
    ),
    (dict(academic_year=""), "academic_year: required"),
    (dict(credits="three"), "credits: must be a number from 0 to 99.9 with at most one decimal"),
    (dict(credits="2.25"), "credits: must be a number from 0 to 99.9 with at most one decimal"),
    (dict(credits="-1"), "credits: must be a number from 0 to 99.9 with at most one decimal"),
    (dict(rank="0"), "rank: must be a whole number from 1 to 99999"),
    (dict(class_size="1" + "0" * 30), "class_size: must be a whole number from 1 to 99999"),
    (dict(rank="61", class_size="60"), "rank: is larger than class_size"),
    (dict(course_code="CS9999", course_title_zh=""), "course_title_zh: required for a new course"),
]


@pytest.mark.parametrize("fields, reason", GRADE_REJECTIONS)
def test_grade_rejections(db, tmp_path, fields, reason):
    from sealpost.records.imports.grades import latest_academic_year

    importer.import_rows("students", [student()])
    path = write_csv(tmp_path / "grades.csv", [grade(), grade(**{"course_code": "CS9999", **fields})])

    report = importer.import_file(path)

    assert messages(report) == [f"{path}: row 3: {reason.format(latest=latest_academic_year())}"]
    assert report.counts["grades"].created == 1 and report.counts["grades"].rejected == 1


HOLD_REJECTIONS = [
    (dict(student_number="109509999"), "student_number: no such student"),
    (dict(reason=""), "reason: required"),
    (dict(placed_on=""), "placed_on: required"),
    (dict(released_on="2024-05-01"), "released_on: is before placed_on"),
    (dict(released_on="2999-01-01"), "released_on: is in the future"),
    (dict(reference="LIB-2024-0012"), "reference: given again for this student (first on row 2)"),
]


@pytest.mark.parametrize("fields, reason", HOLD_REJECTIONS)
def test_hold_rejections(db, tmp_path, fields, reason):
    importer.import_rows("students", [student()])
    path = write_csv(tmp_path / "holds.csv", [hold(), hold(**{"reference": "FEE-1", **fields})])

    report = importer.import_file(path)

    assert messages(report) == [f"{path}: row 3: {reason}"]
    assert report.counts["holds"].created == 1


def test_a_row_with_several_mistakes_is_reported_with_all_and_counted_once(db, tmp_path):
    path = write_csv(tmp_path / "students.csv", [student(programme="phd", status="alumnus")])

    report = importer.import_file(path)

    assert messages(report) == [
        f"{path}: row 2: programme: must be one of: bachelor, master, doctoral",
        f"{path}: row 2: status: must be one of: current, graduated, withdrawn",
    ]
    assert report.counts["students"].rejected == 1


def test_a_student_number_given_twice_is_rejected_the_second_time(db, tmp_path):
    path = write_csv(tmp_path / "students.csv", [student(), student(name_en="SOMEONE, ELSE")])

    report = importer.import_file(path)

    assert messages(report) == [f"{path}: row 3: student_number: given again (first on row 2)"]
    assert Student.objects.get().name_en == "CHEN, TA-WEI"


def test_a_header_missing_a_required_column_rejects_the_sheet(db, tmp_path):
    rows = [student(), student(student_number="109502002")]
    path = write_csv(tmp_path / "students.csv", rows, header=[c for c in rows[0] if c != "date_of_birth"])

    report = importer.import_file(path)

    assert messages(report) == [f"{path}: date_of_birth: required column missing from the header row"]
    assert report.counts["students"].rejected == 2
    assert not Student.objects.exists()


def test_an_unknown_column_rejects_the_sheet_rather_than_being_ignored(db, tmp_path):
    rows = [hold(released_date="2024-06-03")]  # a misspelt released_on would leave the hold in place
    path = write_csv(tmp_path / "holds.csv", [{k: v for k, v in rows[0].items() if k != "released_on"}])

    report = importer.import_file(path)

    assert messages(report) == [f"{path}: released_date: not a column of holds rows"]


def test_a_file_without_header_echoes_none_of_its_cells(db, tmp_path):
    path = tmp_path / "students.csv"
    write_csv(path, [student()], header=list(student().values()))  # the first data row as header

    status, out, err = run_command("--kind", "students", path)

    assert status == 1
    assert f"{path}: row 1 is not a header row naming the columns of students rows" in out
    for personal in ("CHEN", "陳大偉", GOOD_ID, "2000-01-15"):
        assert personal not in out + err


def test_a_file_whose_kind_cannot_be_told(db, tmp_path):
    path = write_csv(tmp_path / "export.csv", [{"student_number": "1", "remark": "x"}])

    report = importer.import_file(path)

    assert messages(report) == [
        f"{path}: cannot tell whether the rows are students, grades or holds: name the columns as in "
        "docs/import-format.md, or give the kind (--kind)"
    ]


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("records.txt", b"x", "not a .csv, .xlsx or .json file"),
        ("records.xlsx", b"not a zip", "is not a readable .xlsx workbook"),
        ("records.json", b'{"students": [', "is not valid JSON (line 1, column 15)"),
        ("records.json", b'{"teachers": []}', "unknown key “teachers”: the keys are students, grades and holds"),
        ("records.csv", b"", "is empty"),
    ],
)
def test_unreadable_files(db, tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)

    assert messages(importer.import_file(path)) == [f"{path}: {reason}"]
