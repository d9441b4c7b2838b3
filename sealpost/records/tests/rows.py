"""Rows and files for the import tests (test_import.py, test_import_rejections.py): a valid row
of each kind to change one field of, files written from rows, and the import command run as a
shell would."""

import csv
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from sealpost.records import nationalid

GOOD_ID = nationalid.make_valid("A12345678")  # A123456789
BAD_ID = GOOD_ID[:-1] + str((int(GOOD_ID[-1]) + 1) % 10)  # right shape, wrong check digit


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def student(**fields):
    row = dict(
        student_number="109502001", name_zh="陳大偉", name_en="CHEN, TA-WEI", date_of_birth="2000-01-15",
        national_id=GOOD_ID, international="false", department_zh="資訊工程學系",
        department_en="Department of Computer Science and Information Engineering", programme="bachelor",
        degree_zh="工學士", degree_en="Bachelor of Engineering", status="graduated",
        admitted_on="2020-09-01", graduated_on="2024-06-30", left_on="",
    )  # fmt: skip
    row.update(fields)
    return row


def grade(**fields):
    row = dict(
        student_number="109502001", academic_year="110", term="1", course_code="CE1001",
        course_title_zh="計算機概論", course_title_en="Introduction to Computer Science", credits="3",
        score="85", passed="", rank="", class_size="",
    )  # fmt: skip
    row.update(fields)
    return row


def hold(**fields):
    row = dict(
        student_number="109502001", reference="LIB-2024-0012", reason="Overdue library books",
        office="Library circulation desk", placed_on="2024-05-02", released_on="",
    )  # fmt: skip
    row.update(fields)
    return row


def write_csv(path, rows, encoding="utf-8", header=None):
    header = header or list(rows[0])
    with open(path, "w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows([row.get(column, "") for column in header] for row in rows)
    return path


def write_xlsx(path, sheets):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def messages(report):
    return [str(note) for note in report.rejections]


def run_command(*args):
    """Run import_records; return (exit status, stdout, stderr) as a shell would see them."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_records", *[str(a) for a in args], stdout=out, stderr=err)
        status = 0
    except CommandError as error:
        err.write(str(error))
        status = error.returncode
    return status, out.getvalue(), err.getvalue()
