import atexit
import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import translation

from sealpost.accounts.models import Role
from sealpost.audit.models import AuditEntry
from sealpost.orders import services as order_services

# A second test database for the concurrency tests on SQLite: a file, as an installation uses.
# (The default test database is a shared in-memory one, whose table locks fail at once instead
# of waiting, which no installation ever meets.) On PostgreSQL they use the default one.
CONCURRENT_DB = "audit_concurrent"
if connections[DEFAULT_DB_ALIAS].vendor == "sqlite" and CONCURRENT_DB not in settings.DATABASES:
    _folder = tempfile.mkdtemp(prefix="sealpost-audit-")
    atexit.register(shutil.rmtree, _folder, ignore_errors=True)
    _file = str(Path(_folder) / "concurrent.sqlite3")
    _default = connections[DEFAULT_DB_ALIAS].settings_dict
    settings.DATABASES[CONCURRENT_DB] = {**_default, "NAME": _file, "TEST": {**_default["TEST"], "NAME": _file}}


@pytest.fixture(autouse=True)
def _english(client):
    """Pages and messages in English, so that the tests read the same with the Chinese catalogue."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def auditor(make_user):
    return make_user(role=Role.AUDITOR, email="auditor@registrar.example.edu")


@pytest.fixture
def officer(make_user):
    return make_user(role=Role.OFFICER, email="officer@registrar.example.edu")


def draft_for(applicant, **fields):
    return order_services.Draft(
        applicant_type="alumnus", documents=[("transcript", "en")], name_en="CHEN, TA-WEI", name_zh="陳大偉",
        phone="0912345678", email=applicant.email,
        recipients=[(applicant.email, "WES Reference No. 1234567"), ("admissions@school.example.edu", "ASUID 42")],
        **fields,
    )


@pytest.fixture
def place(applicant):
    def place(**fields):
        return order_services.place_order(student=applicant.student, draft=draft_for(applicant, **fields), applicant=applicant,
                                          actor=applicant)

    return place


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))


def raw(sql: str, params=()):
    """Straight to the database, as someone with write access to the table could."""
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("{table}", connection.ops.quote_name(AuditEntry._meta.db_table)), params)
