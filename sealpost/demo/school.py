"""A demo school: students, courses, grades, holds, accounts and a few orders.

``create_demo_school`` fills an empty database with a realistic Taiwanese university: ten
departments, bachelor's, master's and doctoral students with Taiwanese names (some with rare
Extension B characters, some indigenous names with a middle dot), international students with
resident-certificate numbers, grades over several semesters, a few holds, the demo staff and
applicant accounts, and some orders so that the registrar's desk is not empty.

The school is planned in plain Python from a seeded ``random.Random`` (so it is the same for a
seed and a date) and then written with bulk inserts. Writing skips whatever already exists by
its natural key (student number, course code, e-mail), and a second run returns as soon as it
sees the demo accounts linked to their students: the demo start script runs this every time.

The parts: the people's names (demo.names), the departments and courses (demo.courses), the
plan (demo.planning), the accounts (demo.accounts) and the orders (demo.orders); this module
writes the school and is what the ``demo`` and ``demo_data`` commands, the tests and the
benchmarks call.
"""

from __future__ import annotations

import datetime
import time
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sealpost.demo.accounts import (
    APPLICANT_EMAILS, DEMO_ACCOUNTS, DEMO_DOMAIN, DEMO_EMAILS, DEMO_PASSWORD, demo_logins, enrol_demo_staff,
    write_accounts,
)
from sealpost.demo.courses import COURSES, DEPARTMENTS
from sealpost.demo.orders import write_orders
from sealpost.demo.planning import Plan, academic_year, plan_school, semester_end
from sealpost.records import nationalid

__all__ = [
    "APPLICANT_EMAILS", "DEMO_ACCOUNTS", "DEMO_DOMAIN", "DEMO_EMAILS", "DEMO_PASSWORD", "academic_year",
    "create_demo_school", "demo_logins", "demo_school_exists", "enrol_demo_staff", "ensure_document_fees",
    "plan_school", "semester_end",
]


def demo_school_exists() -> bool:
    from sealpost.accounts.models import User

    return User.objects.filter(email__in=APPLICANT_EMAILS, student__isnull=False).count() == len(
        APPLICANT_EMAILS
    ) and User.objects.filter(email__in=DEMO_EMAILS).count() == len(DEMO_EMAILS)


def ensure_document_fees() -> int:
    """Create the registrar's fee rows from the defaults where missing; returns how many."""
    from sealpost.orders.fees import DEFAULT_DOCUMENT_FEES
    from sealpost.orders.models import DocumentFee

    existing = set(DocumentFee.objects.values_list("document_type", flat=True))
    missing = [DocumentFee(document_type=t, amount=a) for t, a in DEFAULT_DOCUMENT_FEES.items() if t not in existing]
    DocumentFee.objects.bulk_create(missing)
    return len(missing)


def create_demo_school(students: int = 240, seed: int = 2026, stdout=None, *, today=None) -> dict:
    """Fill the database with the demo school. Safe to run again: an existing demo school is
    left as it is (and the call returns at once), and anything missing is added by natural key."""
    started = time.monotonic()

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message)

    created = {"document_fees": ensure_document_fees()}
    if demo_school_exists():
        created["staff_enrolled"] = enrol_demo_staff()
        say("The demo school exists already; nothing to do.")
        return _summary(False, created, started)
    plan = plan_school(students, seed, today)
    say(f"Planned {len(plan.students)} students; writing them…")
    with transaction.atomic():
        created.update(write_records(plan))
        created.update(write_accounts(plan))
        created.update(write_orders(plan))
    created["staff_enrolled"] = enrol_demo_staff()
    return _summary(True, created, started)


def _summary(created_school: bool, created: dict, started: float) -> dict:
    from sealpost.accounts.models import User
    from sealpost.orders.models import Order
    from sealpost.records.models import Course, Grade, Hold, Semester, Student

    return {
        "created": created_school,
        "students": Student.objects.count(),
        "international_students": Student.objects.filter(international=True).count(),
        "departments": len(DEPARTMENTS),
        "courses": Course.objects.count(),
        "semesters": Semester.objects.count(),
        "grades": Grade.objects.count(),
        "active_holds": Hold.objects.filter(released_at__isnull=True).count(),
        "demo_accounts": User.objects.filter(email__in=DEMO_EMAILS).count(),
        "demo_orders": Order.objects.filter(
            Q(applicant__email__in=DEMO_EMAILS) | Q(created_by__email__in=DEMO_EMAILS)
        ).count(),
        "added": created,
        "seconds": round(time.monotonic() - started, 2),
    }


def write_records(plan: Plan) -> dict:
    from sealpost.records.models import Course, Grade, Hold, Semester, Student

    existing_codes = set(Course.objects.values_list("code", flat=True))
    Course.objects.bulk_create(
        [Course(code=c, title_zh=zh, title_en=en) for c, (zh, en, _cr) in COURSES.items() if c not in existing_codes]
    )
    course_ids = dict(Course.objects.filter(code__in=list(COURSES)).values_list("code", "id"))

    numbers = [s.student_number for s in plan.students]
    existing = set(Student.objects.filter(student_number__in=numbers).values_list("student_number", flat=True))
    new = [s for s in plan.students if s.student_number not in existing]
    Student.objects.bulk_create(
        [
            Student(
                student_number=s.student_number,
                name_zh=s.name_zh,
                name_en=s.name_en,
                date_of_birth=s.date_of_birth,
                national_id_hash=nationalid.keyed_hash(s.national_id),
                international=s.international,
                department_zh=s.department.zh,
                department_en=s.department.en,
                programme=s.programme,
                degree_zh=s.degree[0],
                degree_en=s.degree[1],
                status=s.status,
                admitted_on=datetime.date(s.admitted_ay + 1911, 8, 1),
                graduated_on=s.graduated_on,
                left_on=s.left_on,
            )
            for s in new
        ]
    )
    student_ids = dict(
        Student.objects.filter(student_number__in=[s.student_number for s in new]).values_list("student_number", "id")
    )
    Semester.objects.bulk_create(
        [
            Semester(student_id=student_ids[s.student_number], academic_year=sem.academic_year, term=sem.term,
                     rank=sem.rank, class_size=sem.class_size)
            for s in new for sem in s.semesters
        ]
    )  # fmt: skip
    semester_ids = {
        (student_id, ay, term): pk
        for pk, student_id, ay, term in Semester.objects.filter(student_id__in=student_ids.values()).values_list(
            "id", "student_id", "academic_year", "term"
        )
    }
    grades = [
        Grade(
            semester_id=semester_ids[(student_ids[s.student_number], sem.academic_year, sem.term)],
            course_id=course_ids[g.code], credits=Decimal(g.credits), score=g.score, passed=g.passed,
        )
        for s in new for sem in s.semesters for g in sem.grades
    ]  # fmt: skip
    Grade.objects.bulk_create(grades, batch_size=2000)
    tz = timezone.get_current_timezone()
    holds = [
        Hold(
            student_id=student_ids[s.student_number], reference=ref, reason=reason, office=office, placed_on=placed,
            released_at=datetime.datetime.combine(placed + datetime.timedelta(days=14), datetime.time(10), tz)
            if released else None,
        )
        for s in new for ref, reason, office, placed, released in s.holds
    ]  # fmt: skip
    Hold.objects.bulk_create(holds)
    return {"courses": len(COURSES) - len(existing_codes & set(COURSES)), "students": len(new),
            "grades": len(grades), "holds": len(holds)}  # fmt: skip
