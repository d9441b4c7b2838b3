"""Importing students, grades and holds from CSV, XLSX and JSON (docs/import-format.md); what is
rejected is in test_import_rejections.py."""

import datetime
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from sealpost.records import importer, nationalid
from sealpost.records.imports.columns import COLUMNS
from sealpost.records.models import Course, Grade, Hold, Programme, Semester, Student
from sealpost.records.tests.rows import (  # noqa: F401 - _english: the tests run in English
    BAD_ID, GOOD_ID, _english, grade, hold, messages, run_command, student, write_csv, write_xlsx,
)

DOCS = Path(__file__).resolve().parents[3] / "docs" / "import-format.md"


# --- formats -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_csv_imports_students_grades_and_holds(tmp_path):
    write_csv(tmp_path / "students.csv", [student(), student(student_number="110502003", programme="master",
                                                               status="current", graduated_on="", national_id="")])
    write_csv(tmp_path / "grades.csv", [
        grade(rank="5", class_size="60"),
        grade(course_code="PE1001", course_title_zh="體育", course_title_en="Physical Education",
              credits="0", score="", passed="true"),
        grade(term="2", course_code="CE1002", course_title_zh="程式設計", course_title_en="Programming",
              credits="2.5", score="59"),
    ])  # fmt: skip
    write_csv(tmp_path / "holds.csv", [hold()])

    report = importer.import_files([tmp_path / "students.csv", tmp_path / "grades.csv", tmp_path / "holds.csv"])

    assert report.ok, messages(report)
    assert report.summary() == [
        "students: 2 created, 0 updated, 0 unchanged, 0 rejected",
        "grades: 3 created, 0 updated, 0 unchanged, 0 rejected",
        "holds: 1 created, 0 updated, 0 unchanged, 0 rejected",
        "courses: 3 created, 0 updated",
    ]
    s = Student.objects.get(student_number="109502001")
    assert (s.name_zh, s.name_en, s.programme, s.status) == ("陳大偉", "CHEN, TA-WEI", "bachelor", "graduated")
    assert s.date_of_birth == datetime.date(2000, 1, 15)
    assert (s.graduated_on, s.left_on) == (datetime.date(2024, 6, 30), None)
    assert s.national_id_hash == nationalid.keyed_hash(GOOD_ID)
    assert Student.objects.get(student_number="110502003").national_id_hash == ""
    first = Semester.objects.get(student=s, academic_year=110, term=1)
    assert (first.rank, first.class_size) == (5, 60)
    grades = {g.course.code: g for g in Grade.objects.filter(semester__student=s)}
    assert (grades["CE1001"].score, grades["CE1001"].passed) == (85, True)
    assert (grades["PE1001"].score, grades["PE1001"].passed, grades["PE1001"].credits) == (None, True, 0)
    assert (grades["CE1002"].passed, grades["CE1002"].credits) == (False, Decimal("2.5"))  # 59 < 60
    assert s.active_holds().get().reason == "Overdue library books"


@pytest.mark.django_db
def test_excel_utf8_csv_with_bom_crlf_slashed_dates_and_true_false(tmp_path):
    path = tmp_path / "students.csv"
    rows = [student(date_of_birth="2000/1/15", admitted_on="2020/9/1", graduated_on="2024/6/30", international="TRUE")]
    header = list(rows[0])
    text = "\r\n".join([",".join(header), ",".join(f'"{v}"' if "," in v else v for v in rows[0].values())]) + "\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))

    report = importer.import_file(path)

    assert report.ok, messages(report)
    s = Student.objects.get()
    assert (s.date_of_birth, s.admitted_on) == (datetime.date(2000, 1, 15), datetime.date(2020, 9, 1))
    assert s.international is True
    assert s.name_en == "CHEN, TA-WEI"


@pytest.mark.django_db
def test_big5_csv_is_refused_with_a_hint(tmp_path):
    path = write_csv(tmp_path / "students.csv", [student()], encoding="big5")

    report = importer.import_file(path)

    assert messages(report) == [
        f"{path}: is not UTF-8 text: in Excel, save it as “CSV UTF-8 (逗號分隔) (*.csv)” (a plain “CSV” from "
        "Excel on a Taiwanese Windows is Big5)"
    ]
    assert not Student.objects.exists()


@pytest.mark.django_db
def test_xlsx_one_sheet_per_kind_with_typed_cells(tmp_path):
    s_cols, g_cols = list(COLUMNS["students"]), list(COLUMNS["grades"])
    typed = student(student_number=109502001, date_of_birth=datetime.date(2000, 1, 15), international=False,
                    admitted_on=datetime.date(2020, 9, 1), graduated_on=datetime.datetime(2024, 6, 30), left_on=None)
    path = write_xlsx(tmp_path / "export.xlsx", {
        "Grades": [g_cols, list(grade(student_number=109502001, academic_year=110, term=1, credits=3, score=85.0,
                                      passed=None).values())],
        "Notes": [["Exported from the SIS on 2025-01-06"]],
        "Sheet1": [list(COLUMNS["holds"]), list(hold(placed_on=datetime.date(2024, 5, 2)).values())],
        "students": [s_cols, [typed[c] for c in s_cols], [None] * len(s_cols)],
    })  # fmt: skip

    report = importer.import_file(path)

    assert report.ok, messages(report)
    assert [str(w) for w in report.warnings] == [
        f"{path}: sheet Notes: skipped: not students, grades or holds (see docs/import-format.md)"
    ]
    assert report.summary()[:3] == [
        "students: 1 created, 0 updated, 0 unchanged, 0 rejected",
        "grades: 1 created, 0 updated, 0 unchanged, 0 rejected",
        "holds: 1 created, 0 updated, 0 unchanged, 0 rejected",
    ]
    s = Student.objects.get(student_number="109502001")
    assert s.graduated_on == datetime.date(2024, 6, 30)
    assert Grade.objects.get().score == 85
    assert Hold.objects.get().placed_on == datetime.date(2024, 5, 2)


@pytest.mark.django_db
def test_xlsx_rejections_name_the_sheet_and_row(tmp_path):
    cols = list(COLUMNS["students"])
    path = write_xlsx(tmp_path / "export.xlsx", {
        "students": [
            cols, list(student().values()), list(student(student_number="109502002", national_id=BAD_ID).values())
        ],
    })  # fmt: skip

    report = importer.import_file(path)

    assert messages(report) == [f"{path}: sheet students: row 3: national_id: checksum does not match"]


@pytest.mark.django_db
def test_json_students_go_first_whatever_the_order_in_the_file(tmp_path):
    path = tmp_path / "export.json"
    doc = {
        "holds": [hold()],
        "grades": [grade(academic_year=110, term=1, credits=3, score=65, passed=None)],
        "students": [student(international=False, programme="Master", degree_zh="", left_on=None)],
    }
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

    report = importer.import_file(path)

    assert report.ok, messages(report)
    assert [line.split(":")[0] for line in report.summary()] == ["students", "grades", "holds", "courses"]
    assert Student.objects.get().programme == Programme.MASTER
    assert Grade.objects.get().passed is False  # 65 < 70, the graduate pass mark


@pytest.mark.django_db
def test_json_rejections_count_items(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"students": [student(), student(student_number="2", date_of_birth="15/01/2000"),
                                             "not an object", student(student_number="3", extra="x")]}))  # fmt: skip

    report = importer.import_file(path)

    assert messages(report) == [
        f"{path}: students: item 2: date_of_birth: must be a date written YYYY-MM-DD (Gregorian, not ROC)",
        f"{path}: students: item 3: must be an object whose keys are column names",
        f"{path}: students: item 4: extra: not a column of students rows",
    ]
    assert report.counts["students"].created == 1


@pytest.mark.django_db
def test_files_on_the_command_line_are_imported_students_first(tmp_path):
    grades_csv = write_csv(tmp_path / "grades.csv", [grade()])
    students_csv = write_csv(tmp_path / "students.csv", [student()])

    status, out, _ = run_command(grades_csv, students_csv)

    assert status == 0
    assert "grades: 1 created, 0 updated, 0 unchanged, 0 rejected" in out


@pytest.mark.django_db
def test_upload_and_rows_api(tmp_path):
    upload = io.BytesIO(b"\xef\xbb\xbf" + write_csv(tmp_path / "s.csv", [student()]).read_bytes())
    upload.name = "students from the SIS.csv"

    report = importer.import_file(upload)
    assert report.ok and report.counts["students"].created == 1

    report = importer.import_rows("holds", [hold(), hold(reference="", student_number="109502001")], source="desk")
    assert report.counts["holds"].created == 1
    assert messages(report) == ["desk: item 2: reference: required"]


def test_examples_in_the_documentation_import_cleanly(db, tmp_path):
    """Every block marked <!-- example: NAME --> in docs/import-format.md is a file that imports
    with nothing rejected, in the order the document gives them."""
    examples = re.findall(r"<!-- example: (\S+) -->\s*```\w*\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert len(examples) >= 4
    for name, text in examples:
        (tmp_path / name).write_text(text, encoding="utf-8")
    report = importer.import_files([tmp_path / name for name, _ in examples])
    assert report.ok, messages(report)
    assert report.counts["students"].created and report.counts["grades"].created and report.counts["holds"].created


# --- idempotency and updates -------------------------------------------------------------


@pytest.fixture
def exported(tmp_path):
    """A small export in three CSV files."""
    write_csv(tmp_path / "students.csv", [student(), student(student_number="109502002", national_id="")])
    write_csv(tmp_path / "grades.csv", [
        grade(rank="3", class_size="50"), grade(student_number="109502002"),
        grade(course_code="CE1002", course_title_zh="程式設計", course_title_en="Programming", score="", passed="no"),
    ])  # fmt: skip
    write_csv(tmp_path / "holds.csv", [hold(), hold(reference="FEE-113-1", released_on="2024-09-01")])
    return [tmp_path / name for name in ("students.csv", "grades.csv", "holds.csv")]


def snapshot():
    return {
        model.__name__: sorted(map(str, model.objects.values_list()))
        for model in (Student, Course, Semester, Grade, Hold)
    }


def test_importing_the_same_files_again_changes_nothing(db, exported):
    first = importer.import_files(exported)
    assert first.ok, messages(first)
    before = snapshot()

    again = importer.import_files(exported)

    assert again.summary() == [
        "students: 0 created, 0 updated, 2 unchanged, 0 rejected",
        "grades: 0 created, 0 updated, 3 unchanged, 0 rejected",
        "holds: 0 created, 0 updated, 2 unchanged, 0 rejected",
    ]
    assert snapshot() == before


def test_a_changed_row_is_updated_and_the_rest_unchanged(db, exported):
    importer.import_files(exported)
    students_csv, grades_csv, holds_csv = exported
    write_csv(students_csv, [student(name_en="CHEN, DA-WEI"), student(student_number="109502002", national_id="")])
    write_csv(grades_csv, [
        grade(rank="3", class_size="50", score="58"), grade(student_number="109502002"),
        grade(course_code="CE1002", course_title_zh="程式設計", course_title_en="Programming I", score="", passed="no"),
    ])  # fmt: skip
    write_csv(holds_csv, [hold(released_on="2024-06-03"), hold(reference="FEE-113-1", released_on="2024-09-01")])

    report = importer.import_files(exported)

    assert report.summary() == [
        "students: 0 created, 1 updated, 1 unchanged, 0 rejected",
        "grades: 0 created, 2 updated, 1 unchanged, 0 rejected",
        "holds: 0 created, 1 updated, 1 unchanged, 0 rejected",
        "courses: 0 created, 1 updated",
    ]
    assert Student.objects.get(student_number="109502001").name_en == "CHEN, DA-WEI"
    changed = Grade.objects.get(semester__student__student_number="109502001", course__code="CE1001")
    assert (changed.score, changed.passed) == (58, False)
    assert Course.objects.get(code="CE1002").title_en == "Programming I"
    released = Hold.objects.get(reference="LIB-2024-0012")
    assert timezone.localtime(released.released_at).date() == datetime.date(2024, 6, 3)
    assert not Student.objects.get(student_number="109502001").active_holds().exists()


def test_empty_cells_never_erase_an_id_a_rank_or_a_release(db, exported):
    importer.import_files(exported)
    students_csv, grades_csv, holds_csv = exported
    write_csv(students_csv, [student(national_id="")])
    write_csv(grades_csv, [grade()])
    write_csv(holds_csv, [hold(reference="FEE-113-1")])

    report = importer.import_files(exported)

    assert report.ok and all(c.unchanged == c.total for c in report.counts.values())
    assert Student.objects.get(student_number="109502001").national_id_hash == nationalid.keyed_hash(GOOD_ID)
    assert Semester.objects.get(student__student_number="109502001").rank == 3
    assert Hold.objects.get(reference="FEE-113-1").released_at is not None


def test_a_column_left_out_keeps_the_stored_value_and_an_empty_cell_clears_it(db, exported):
    importer.import_files(exported)
    students_csv, _, holds_csv = exported
    row = {k: v for k, v in student(degree_zh="").items() if k not in ("degree_en", "name_zh")}
    write_csv(students_csv, [row])
    write_csv(holds_csv, [{k: v for k, v in hold(reason="Two overdue books").items() if k != "office"}])

    report = importer.import_files([students_csv, holds_csv])

    assert report.counts["students"].updated == 1 and report.counts["holds"].updated == 1
    s = Student.objects.get(student_number="109502001")
    assert (s.name_zh, s.degree_en, s.degree_zh) == ("陳大偉", "Bachelor of Engineering", "")
    h = Hold.objects.get(reference="LIB-2024-0012")
    assert (h.reason, h.office) == ("Two overdue books", "Library circulation desk")


def test_dry_run_reports_everything_and_writes_nothing(db, exported):
    report = importer.import_files(exported, dry_run=True)

    assert report.summary() == [
        "students: 2 created, 0 updated, 0 unchanged, 0 rejected",
        "grades: 3 created, 0 updated, 0 unchanged, 0 rejected",  # the students it would create count
        "holds: 2 created, 0 updated, 0 unchanged, 0 rejected",
        "courses: 2 created, 0 updated",
        "Dry run: nothing was written.",
    ]
    assert all(not rows for rows in snapshot().values())


def test_rows_span_batches(db, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    write_csv(tmp_path / "students.csv", [student()])
    rows = [grade(course_code=f"C{n}", rank="4", class_size="40") for n in range(5)]
    rows += [grade(course_code="C0"), grade(course_code="C9", rank="5")]
    rows += [grade(course_code="C1", course_title_en="Renamed")]
    write_csv(tmp_path / "grades.csv", rows)
    files = [tmp_path / "students.csv", tmp_path / "grades.csv"]

    report = importer.import_files(files)

    assert messages(report) == [
        f"{tmp_path / 'grades.csv'}: row 7: course_code: given again for this semester (first on row 2)",
        f"{tmp_path / 'grades.csv'}: row 8: rank: differs from row 2 for the same semester",
        f"{tmp_path / 'grades.csv'}: row 9: course_code: given again for this semester (first on row 3)",
    ]
    assert report.counts["grades"].created == 5
    assert importer.import_files(files).counts["grades"].unchanged == 5


def test_a_course_with_two_titles_in_one_file_keeps_the_first(db, tmp_path):
    write_csv(tmp_path / "students.csv", [student(), student(student_number="109502002")])
    write_csv(tmp_path / "grades.csv", [grade(), grade(student_number="109502002", course_title_en="Intro to CS")])

    report = importer.import_files([tmp_path / "students.csv", tmp_path / "grades.csv"])

    assert report.ok and report.counts["grades"].created == 2
    assert [str(w) for w in report.warnings] == [
        f"{tmp_path / 'grades.csv'}: row 3: course_title_en: differs from row 2 for course CE1001; "
        "the title from row 2 is kept"
    ]
    assert Course.objects.get().title_en == "Introduction to Computer Science"


def test_lookups_are_per_batch_not_per_row(db, tmp_path, django_assert_max_num_queries):
    write_csv(tmp_path / "students.csv", [student(student_number=f"1095{n:05d}", national_id="") for n in range(200)])
    write_csv(tmp_path / "grades.csv", [
        grade(student_number=f"1095{n:05d}", academic_year=str(year), course_code=f"C{year}{c}")
        for n in range(200) for year in (110, 111) for c in range(3)
    ])  # fmt: skip
    with django_assert_max_num_queries(40):
        report = importer.import_files([tmp_path / "students.csv", tmp_path / "grades.csv"])
    assert report.counts["grades"].created == 1200


# --- personal data and the command -------------------------------------------------------


def test_a_bad_national_id_is_never_stored_nor_printed(db, tmp_path):
    path = write_csv(tmp_path / "students.csv", [student(), student(student_number="109502002", national_id=BAD_ID)])

    status, out, err = run_command(path)

    assert status == 1
    assert "row 3: national_id: checksum does not match" in out
    stored = str(list(Student.objects.values_list()))
    for raw in (GOOD_ID, BAD_ID):
        assert raw not in stored
        assert raw not in out + err
    for personal in ("CHEN", "陳大偉", "2000-01-15"):
        assert personal not in out + err
    assert not Student.objects.filter(student_number="109502002").exists()


def test_command_exit_status_and_output(db, tmp_path):
    students_csv = write_csv(tmp_path / "students.csv", [student()])

    status, out, err = run_command(students_csv)
    assert status == 0
    assert out.splitlines() == ["students: 1 created, 0 updated, 0 unchanged, 0 rejected"]
    assert err == ""

    status, out, err = run_command(students_csv, "--dry-run")
    assert status == 0
    assert out.splitlines() == [
        "students: 0 created, 0 updated, 1 unchanged, 0 rejected",
        "Dry run: nothing was written.",
    ]

    grades_csv = write_csv(tmp_path / "grades.csv", [grade(), grade(course_code="CE1002", score="101")])
    status, out, err = run_command(grades_csv)
    assert status == 1
    assert out.splitlines() == [
        f"rejected: {grades_csv}: row 3: score: must be a whole number from 0 to 100",
        "grades: 1 created, 0 updated, 0 unchanged, 1 rejected",
        "courses: 1 created, 0 updated",
    ]
    assert "not everything was imported" in err

    status, out, err = run_command(tmp_path / "missing.csv", students_csv)
    assert status == 2
    assert "no such file" in err and out == ""


def test_kind_option_reads_a_csv_as_that_kind_and_skips_other_sheets(db, tmp_path):
    path = write_xlsx(tmp_path / "export.xlsx", {
        "students": [list(COLUMNS["students"]), list(student().values())],
        "holds": [list(COLUMNS["holds"]), list(hold().values())],
    })  # fmt: skip

    status, out, _ = run_command(path, "--kind", "students")

    assert status == 0
    assert out.splitlines() == [
        f"warning: {path}: sheet holds: skipped: not students rows",
        "students: 1 created, 0 updated, 0 unchanged, 0 rejected",
    ]
    assert not Hold.objects.exists()


def test_progress_bar_stays_off_when_stderr_is_not_a_terminal(db, tmp_path, capsys):
    importer.import_file(write_csv(tmp_path / "students.csv", [student()]), progress=True)

    assert capsys.readouterr().err == ""
