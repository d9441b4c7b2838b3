"""Fixtures for the desk's tests: staff in each role, grades to issue a transcript from."""

import pytest

from sealpost.accounts.models import Role
from sealpost.conftest import add_grades
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
    return add_grades(student, 3)
