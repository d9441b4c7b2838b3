"""Fixtures for the desk's tests: staff in each role, grades to issue a transcript from."""

import pytest

from sealpost.accounts.models import Role
from sealpost.desk.tests.helpers import client_for


@pytest.fixture
def officer(make_user):
    return make_user(role=Role.OFFICER, email="officer@registrar.example.edu")


@pytest.fixture
def officer_client(officer):
    return client_for(officer)


@pytest.fixture
def auditor_client(make_user):
    return client_for(make_user(role=Role.AUDITOR, email="auditor@registrar.example.edu"))


@pytest.fixture
def grades(student):
    """A few semesters of grades, so that the student's transcript can be issued."""
    from decimal import Decimal

    from sealpost.records.models import Course

    for year in (108, 109):
        for term in (1, 2):
            semester = student.semesters.create(academic_year=year, term=term, rank=3, class_size=52)
            for n in range(3):
                course, _ = Course.objects.get_or_create(code=f"CS{n}{term}", defaults={
                    "title_zh": f"程式設計{n}", "title_en": f"Programming {n}"})
                semester.grades.create(course=course, credits=Decimal("3"), score=70 + n * 7, passed=True)
    return student
