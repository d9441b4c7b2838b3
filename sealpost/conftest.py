"""Fixtures shared by every app's tests: a small school, an applicant and staff."""

import datetime
import os

import pytest

from sealpost.accounts.models import Role, User
from sealpost.records import nationalid
from sealpost.records.models import Programme, Student, StudentStatus

PASSWORD = "correct horse battery staple"

# Property-based tests (hypothesis). No deadline: a request's time varies with the machine and
# the database. The function-scoped fixtures (a client, an applicant) are shared by the examples
# of one test on purpose: each example is a request or an import that must be answered whatever
# earlier examples stored. HYPOTHESIS_PROFILE=ci runs a tenth of the examples (the PostgreSQL
# run); see sealpost/portal/tests/fuzz.py for how many each test runs.
from hypothesis import HealthCheck  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

_HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
           HealthCheck.large_base_example, HealthCheck.filter_too_much]
hypothesis_settings.register_profile("sealpost", deadline=None, suppress_health_check=_HEALTH, print_blob=True)
# ci: no shrinking (shrinking a case with a 300,000-character field takes minutes); the failing
# case is reported as found.
from hypothesis import Phase  # noqa: E402

hypothesis_settings.register_profile("ci", parent=hypothesis_settings.get_profile("sealpost"),
                                     phases=[Phase.explicit, Phase.reuse, Phase.generate])
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "sealpost"))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Each test run gets its own PostgreSQL test database (test_<name>_<pid>), so that two runs
    on one server (two developers, or a run beside a benchmark) never drop each other's."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        test = db.setdefault("TEST", {})
        test["NAME"] = f"{test.get('NAME') or 'test_' + db['NAME']}_{os.getpid()}"


@pytest.fixture
def own_data_dir(settings, tmp_path):
    """A data folder, and so a demo PKI, of the test's own: for a test that changes files there
    (a key made readable by others), which the other test processes (pytest-xdist) and the
    workers they start would otherwise see in the folder the whole run shares."""
    from sealpost.documents import keys, pki

    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir(mode=0o700)
    pki._ensure_cached.cache_clear()
    keys.reset()
    yield settings.DATA_DIR
    pki._ensure_cached.cache_clear()
    keys.reset()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # tests only: fast


@pytest.fixture(autouse=True)
def _own_cache(settings, tmp_path):
    """Rate limits and sign-in lockouts count in the cache: each test gets its own, empty one,
    so the many sign-ins of the suite never add up to a limit (sealpost/accounts/throttle.py).
    The same kind as in production (django-ratelimit's check refuses a per-process cache)."""
    settings.CACHES = {"default": {"BACKEND": "sealpost.cache.LockedFileBasedCache",
                                   "LOCATION": str(tmp_path / "cache")}}


@pytest.fixture(autouse=True)
def _no_kept_wes_connection():
    """The WES connection a worker keeps open between uploads (wes.upload_order_kept) is per
    process: a test starts without one and leaves none behind for the next test."""
    from sealpost.delivery import wes

    wes.close_idle(now=float("inf"))
    yield
    wes.close_idle(now=float("inf"))


def add_grades(student, courses_per_semester: int = 3):
    """Four semesters (108-1 to 109-2) of passed grades, so that the student's transcript can be
    issued; returns the student."""
    from decimal import Decimal

    from sealpost.records.models import Course

    for year in (108, 109):
        for term in (1, 2):
            semester = student.semesters.create(academic_year=year, term=term, rank=3, class_size=52)
            for n in range(courses_per_semester):
                course, _ = Course.objects.get_or_create(code=f"CS{n}{term}", defaults={
                    "title_zh": f"程式設計{n}", "title_en": f"Programming {n}"})
                semester.grades.create(course=course, credits=Decimal("3"), score=70 + n * 7, passed=True)
    return student


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


CHROMIUM = os.environ.get("SEALPOST_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser():
    """The system Chromium, driven by Playwright (browser tests are marked `browser`). Per
    module, not per session: Playwright's sync API keeps an event loop running in the main
    thread while it is open, and other tests call asyncio.run()."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install the chromium package or set SEALPOST_CHROMIUM")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            # Without the background-networking flags Chromium keeps calling out to a closed network.
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def signed_in_page(browser, live_server, client):
    """A new browser page signed in as ``user`` (a session cookie), in the given language."""
    from django.conf import settings

    def open_page(user, language="en"):
        client.force_login(user)
        context = browser.new_context(locale="en-US" if language == "en" else "zh-TW")
        host = live_server.url.split("://", 1)[1].split(":")[0]
        context.add_cookies([
            {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
             "domain": host, "path": "/"},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "domain": host, "path": "/"},
        ])
        return context.new_page()

    return open_page


@pytest.fixture
def run_worker(settings):
    """``run_worker()`` runs the background worker once, as ``sealpost worker --batch`` does:
    every queued task runs to the end (the issuance after a payment, then the e-mails and WES
    uploads it schedules). Tests using it need ``@pytest.mark.django_db(transaction=True)``:
    tasks are queued when a transaction commits, and the worker reads what was committed."""
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    def run():
        call_command("worker", batch=True, verbosity=0)

    return run
