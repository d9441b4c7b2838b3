"""Grade rows: one course of one student in one semester.

A row also carries its course's titles (a course is upserted by code) and its semester's rank
(a semester is upserted by student, academic year and term). Several rows share a course and a
semester, so what they say about them must agree: the first title given for a course in an
import is kept (a later, different one is a warning: courses are renamed over the years, and
the grade itself is still good), and a semester's rank given twice differently rejects the row.
An empty title, rank or class size leaves the stored one as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from sealpost.records.imports.cells import Cells
from sealpost.records.imports.report import ImportReport
from sealpost.records.imports.sources import Row
from sealpost.records.models import Course, Grade, Semester, Student

KIND = "grades"
MAX_CREDITS = Decimal("99.9")
EARLIEST_YEAR = 40  # ROC 40 = 1951–52
MAX_CLASS_SIZE = 99999
TITLES = {"title_zh": "course_title_zh", "title_en": "course_title_en"}
SEMESTER_FIELDS = ("rank", "class_size")
GRADE_FIELDS = ("credits", "score", "passed")


def latest_academic_year() -> int:
    """The ROC academic year under way (it starts on 1 August), plus one for early entries."""
    today = timezone.localdate()
    return today.year - 1911 - (1 if today.month < 8 else 0) + 1


def parse(cells: Cells, latest: int) -> dict:
    """The row's values; `latest` is the latest academic year accepted."""
    r = dict(
        student_number=cells.code("student_number", 20),
        academic_year=cells.whole(
            "academic_year", EARLIEST_YEAR, latest, required=True,
            message=lambda: _("must be an ROC academic year from %(earliest)s to %(latest)s, such as 112 for 2023–24")
            % {"earliest": EARLIEST_YEAR, "latest": latest},
        ),
        term=cells.whole("term", 1, 3, required=True),
        course_code=cells.code("course_code", 20),
        title_zh=cells.text("course_title_zh", 150),
        title_en=cells.text("course_title_en", 200),
        credits=cells.decimal("credits", MAX_CREDITS, required=True),
        score=cells.whole("score", 0, 100),
        passed=cells.boolean("passed"),
        rank=cells.whole("rank", 1, MAX_CLASS_SIZE),
        class_size=cells.whole("class_size", 1, MAX_CLASS_SIZE),
    )  # fmt: skip
    if r["score"] is None and r["passed"] is None and not cells.given("score"):
        cells.problem("score", _("required unless passed is given (a pass/fail course)"))
    if r["rank"] and r["class_size"] and r["rank"] > r["class_size"]:
        cells.problem("rank", _("is larger than class_size"))
    return r


@dataclass
class _Changes:
    new_courses: list = field(default_factory=list)
    courses: dict = field(default_factory=dict)  # changed, by code
    new_semesters: list = field(default_factory=list)
    semesters: dict = field(default_factory=dict)  # changed, by id
    new_grades: list = field(default_factory=list)
    grades: list = field(default_factory=list)  # changed

    def save(self, report: ImportReport) -> None:
        Course.objects.bulk_create(self.new_courses)
        Course.objects.bulk_update(self.courses.values(), list(TITLES))
        report.courses.created += len(self.new_courses)
        report.courses.updated += len(self.courses)
        Semester.objects.bulk_create(self.new_semesters)
        Semester.objects.bulk_update(self.semesters.values(), SEMESTER_FIELDS)
        Grade.objects.bulk_create(self.new_grades)
        Grade.objects.bulk_update(self.grades, GRADE_FIELDS)


class _Batch:
    """One batch of rows: the stored students, courses, semesters and grades they name,
    fetched in four queries, and what the rows change in them."""

    def __init__(self, records: list[dict], report: ImportReport, memo: dict):
        self.report, self.changes = report, _Changes()
        self.titles = memo.setdefault("titles", {})  # code -> {field: (title, place)}
        self.ranks = memo.setdefault("ranks", {})  # (number, year, term) -> {field: (value, place)}
        self.seen = memo.setdefault("grades", {})  # (number, year, term, code) -> place
        numbers = {r["student_number"] for r in records}
        self.students = {
            s.student_number: s
            for s in Student.objects.filter(student_number__in=numbers).only("id", "student_number", "programme")
        }
        self.courses = Course.objects.in_bulk({r["course_code"] for r in records}, field_name="code")
        ids = [s.id for s in self.students.values()]
        self.semesters = {
            (s.student_id, s.academic_year, s.term): s for s in Semester.objects.filter(student_id__in=ids)
        }
        # Only the semesters the rows name (at most one per row): every IN list stays short.
        named = set()
        for r in records:
            student = self.students.get(r["student_number"])
            semester = student and self.semesters.get((student.id, r["academic_year"], r["term"]))
            if semester:
                named.add(semester.pk)
        codes = {course.pk: code for code, course in self.courses.items()}
        self.grades = {  # (semester id, course code) -> grade
            (g.semester_id, codes[g.course_id]): g
            for g in Grade.objects.filter(semester_id__in=named)
            if g.course_id in codes
        }

    def check(self, r: dict, cells: Cells) -> None:
        """Problems that need the database or the rows before this one."""
        student = self.students.get(r["student_number"])
        if student is None:
            cells.problem("student_number", _("no such student"))
        if r["course_code"] not in self.courses:
            for f, column in TITLES.items():
                if not r[f]:
                    cells.problem(column, _("required for a new course"))
        key = (r["student_number"], r["academic_year"], r["term"])
        if key + (r["course_code"],) in self.seen:
            first = self.seen[key + (r["course_code"],)]
            message = _("given again for this semester (first on %(where)s)")
            cells.problem("course_code", message % {"where": first.row_label})
        for f in SEMESTER_FIELDS:
            given = self.ranks.get(key, {}).get(f)
            if r[f] is not None and given and given[0] != r[f]:
                cells.problem(f, _("differs from %(where)s for the same semester") % {"where": given[1].row_label})

    def apply(self, r: dict, place) -> str:
        """Upsert the row's course, semester and grade; the outcome for the row."""
        key = (r["student_number"], r["academic_year"], r["term"])
        self.seen[key + (r["course_code"],)] = place
        for f in SEMESTER_FIELDS:
            if r[f] is not None:
                self.ranks.setdefault(key, {}).setdefault(f, (r[f], place))
        student = self.students[r["student_number"]]
        course, course_changed = self._course(r, place)
        semester, semester_changed = self._semester(student, r)
        passed = r["passed"] if r["passed"] is not None else r["score"] >= student.pass_mark
        values = {"credits": r["credits"], "score": r["score"], "passed": passed}
        grade = self.grades.get((semester.pk, r["course_code"])) if semester.pk else None
        if grade is None:
            grade = Grade(semester=semester, course=course, **values)
            self.changes.new_grades.append(grade)
            return "created"
        if any(getattr(grade, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(grade, f, v)
            self.changes.grades.append(grade)
            return "updated"
        return "updated" if course_changed or semester_changed else "unchanged"

    def _course(self, r: dict, place) -> tuple[Course, bool]:
        code = r["course_code"]
        course = self.courses.get(code)
        first = self.titles.setdefault(code, {})
        if course is None:
            course = self.courses[code] = Course(code=code, title_zh=r["title_zh"], title_en=r["title_en"])
            self.changes.new_courses.append(course)
        changed = False
        for f, column in TITLES.items():
            if not r[f]:
                continue
            if f in first and first[f][0] != r[f]:
                self.report.warn(
                    place, column,
                    _("differs from %(where)s for course %(code)s; the title from %(where)s is kept")
                    % {"where": first[f][1].row_label, "code": code},
                )  # fmt: skip
                continue
            first.setdefault(f, (r[f], place))
            if getattr(course, f) != r[f]:
                setattr(course, f, r[f])
                changed = True
                if course.pk:
                    self.changes.courses[code] = course
        return course, changed

    def _semester(self, student: Student, r: dict) -> tuple[Semester, bool]:
        key = (student.id, r["academic_year"], r["term"])
        semester = self.semesters.get(key)
        if semester is None:
            semester = self.semesters[key] = Semester(
                student=student, academic_year=r["academic_year"], term=r["term"],
                rank=r["rank"], class_size=r["class_size"],
            )  # fmt: skip
            self.changes.new_semesters.append(semester)
            return semester, False
        changed = False
        for f in SEMESTER_FIELDS:
            if r[f] is not None and getattr(semester, f) != r[f]:
                setattr(semester, f, r[f])
                changed = True
                if semester.pk:
                    self.changes.semesters[semester.pk] = semester
        return semester, changed


def import_batch(rows: list[Row], report: ImportReport, memo: dict) -> None:
    parsed, latest = [], latest_academic_year()
    for row in rows:
        cells = Cells(row.values)
        record = parse(cells, latest)
        if cells.problems:
            report.reject(KIND, row.place, cells.problems)
        else:
            parsed.append((row, cells, record))
    batch = _Batch([record for _row, _cells, record in parsed], report, memo)
    for row, cells, record in parsed:
        batch.check(record, cells)
        if cells.problems:
            report.reject(KIND, row.place, cells.problems)
        else:
            report.count(KIND, batch.apply(record, row.place))
    batch.changes.save(report)
