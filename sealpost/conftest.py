"""Fixtures shared by every app's tests: a small school, an applicant and staff."""

import datetime

import pytest

from sealpost.accounts.models import Role, User
from sealpost.records import nationalid
from sealpost.records.models import Programme, Student, StudentStatus

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # tests only: fast


@pytest.fixture
def make_student(db):
    counter = iter(range(1, 10_000))

    def make(status=StudentStatus.GRADUATED, national_id=None, **fields):
        n = next(counter)
        national_id = national_id or nationalid.make_valid(f"A1{n:07d}")
        defaults = dict(
            student_number=f"10{n:07d}",
            name_zh="陳大偉",
            name_en="CHEN, TA-WEI",
            date_of_birth=datetime.date(2000, 1, 15),
            national_id_hash=nationalid.keyed_hash(national_id),
            department_zh="資訊工程學系",
            department_en="Department of Computer Science and Information Engineering",
            programme=Programme.BACHELOR,
            degree_zh="工學士",
            degree_en="Bachelor of Engineering",
            status=status,
            admitted_on=datetime.date(2018, 9, 1),
            graduated_on=datetime.date(2022, 6, 30) if status == StudentStatus.GRADUATED else None,
        )
        defaults.update(fields)
        return Student.objects.create(**defaults)

    return make


@pytest.fixture
def make_user(db):
    counter = iter(range(1, 10_000))

    def make(role=Role.APPLICANT, student=None, email=None, **fields):
        n = next(counter)
        fields.setdefault("email_verified", True)
        user = User.objects.create_user(email or f"{role}{n}@example.com", PASSWORD, role=role, student=student, **fields)
        return user

    return make


@pytest.fixture
def student(make_student):
    return make_student()


@pytest.fixture
def applicant(make_user, student):
    return make_user(student=student, email="ta-wei.chen@example.com")


@pytest.fixture
def applicant_client(client, applicant):
    client.force_login(applicant)
    return client


@pytest.fixture
def clerk(make_user):
    return make_user(role=Role.CLERK, email="clerk@registrar.example.edu")


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client
