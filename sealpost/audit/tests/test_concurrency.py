"""Many workers appending at once still make one gapless chain.

On PostgreSQL the test runs on the test database. On SQLite it runs on a database file of its
own, as an installation does: the test database is a shared in-memory one, whose table locks
fail at once instead of waiting, which no installation ever uses."""

import threading

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from sealpost.audit import services
from sealpost.audit.models import AuditEntry

from .conftest import CONCURRENT_DB

WORKERS, EACH = 6, 15
ALIAS = CONCURRENT_DB if CONCURRENT_DB in settings.DATABASES else DEFAULT_DB_ALIAS
pytestmark = pytest.mark.django_db(transaction=True, databases=sorted({DEFAULT_DB_ALIAS, ALIAS}))


class ToTheFile:
    """Sends the audit tables to the file database."""

    def db_for_read(self, model, **hints):
        return ALIAS if model._meta.app_label == "audit" else None

    db_for_write = db_for_read


@pytest.fixture
def audit_db(settings):
    """The database alias the audit tables live on in this test."""
    if ALIAS != DEFAULT_DB_ALIAS:
        settings.DATABASE_ROUTERS = [f"{__name__}.ToTheFile"]
    return ALIAS


def in_threads(target, count):
    errors, start = [], threading.Barrier(count)

    def run(n):
        try:
            start.wait()
            target(n)
        except Exception as error:  # noqa: BLE001 -- reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def test_concurrent_appends_keep_the_numbers_gapless(audit_db):
    def work(worker):
        for n in range(EACH):
            with transaction.atomic(using=audit_db):  # as a service does: the entry in the change's transaction
                services.append("test.note", object_id=f"W{worker}", n=n)

    in_threads(work, WORKERS)
    entries = AuditEntry.objects.using(audit_db)
    assert list(entries.order_by("seq").values_list("seq", flat=True)) == list(range(1, WORKERS * EACH + 1))
    result = services.verify_chain()
    assert result.ok and result.count == WORKERS * EACH
    if audit_db != DEFAULT_DB_ALIAS:  # the file took them all
        assert not AuditEntry.objects.using(DEFAULT_DB_ALIAS).exists()
    for worker in range(WORKERS):  # each worker's entries in the order it wrote them
        mine = entries.filter(object_id=f"W{worker}").order_by("seq").values_list("details", flat=True)
        assert [d["n"] for d in mine] == list(range(EACH))


def test_rolled_back_appends_among_others_leave_no_gap(audit_db):
    def work(worker):
        for n in range(EACH):
            try:
                with transaction.atomic(using=audit_db):
                    services.append("test.note", object_id=f"W{worker}", n=n)
                    if n % 3 == 0:
                        raise RuntimeError("the change failed: its entry goes too")
            except RuntimeError:
                pass

    in_threads(work, 4)
    kept = 4 * sum(1 for n in range(EACH) if n % 3)
    entries = AuditEntry.objects.using(audit_db)
    assert list(entries.order_by("seq").values_list("seq", flat=True)) == list(range(1, kept + 1))
    assert services.verify_chain().ok


def test_verifying_while_others_append(audit_db):
    services.append("test.note", n=0)
    results = []

    def work(n):
        if n == 0:
            results.extend(services.verify_chain() for _ in range(10))
        else:
            for i in range(EACH):
                services.append("test.note", object_id=f"W{n}", n=i)

    in_threads(work, 4)
    assert all(r.ok for r in results), [r for r in results if not r.ok]
