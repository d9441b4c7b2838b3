"""Issuance after a payment runs in the worker (issuance.tasks.issue_order_task): paying an
order queues it, the worker issues and e-mails, and running it again changes nothing."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sealpost.delivery.models import Delivery
from sealpost.documents.models import Document
from sealpost.issuance import services as issuance
from sealpost.issuance.tasks import issue_order_task
from sealpost.orders.models import Status
from sealpost.payments import services
from sealpost.payments.models import Method

pytestmark = pytest.mark.django_db(transaction=True)


def documents_sent():
    """The e-mails that carry the documents to recipients (not the applicant's receipts)."""
    return [m for m in mail.outbox if "Electronic academic records:" in m.subject]


def queued_issuance():
    return DBTaskResult.objects.filter(task_path=issue_order_task.module_path, status="READY").count()


def test_paying_queues_issuance_and_the_worker_issues_and_emails(place, clerk, grades, run_worker):
    order = place(documents=(("transcript", "en"), ("transcript", "zh")), recipients=2)
    services.record_payment(order, order.total, Method.COUNTER, "R-1", clerk)
    order.refresh_from_db()
    assert order.status == Status.PAID  # recording the payment did not wait for signing
    assert not Document.objects.filter(order=order).exists()
    assert queued_issuance() == 1

    run_worker()

    order.refresh_from_db()
    assert order.status == Status.DELIVERED
    assert Document.objects.filter(order=order).count() == 2
    assert sorted(m.to[0] for m in documents_sent()) == sorted(r.email for r in order.recipients.all())


def test_running_the_task_twice_issues_once(place, clerk, grades, run_worker):
    order = place(recipients=2)
    services.record_payment(order, order.total, Method.COUNTER, "R-2", clerk)
    issue_order_task.enqueue(order.pk)  # queued a second time (a retry, a second worker)
    assert queued_issuance() == 2

    run_worker()
    assert issuance.issue_paid(order.pk) == "not paid"  # and once more, directly

    order.refresh_from_db()
    assert order.status == Status.DELIVERED
    assert Document.objects.filter(order=order).count() == 1
    assert order.events.filter(kind="issued").count() == 1
    assert Delivery.objects.filter(order=order).count() == 2
    assert len(documents_sent()) == 2


def test_a_blocked_issuance_is_recorded_for_the_desk(place, clerk, student, grades, run_worker):
    student.holds.create(reference="FEE-1", reason="Unpaid fees", placed_on=datetime.date(2025, 1, 1))
    order = place()
    services.record_payment(order, order.total, Method.COUNTER, "R-3", clerk)

    run_worker()

    order.refresh_from_db()
    assert order.status == Status.PAID
    assert "Unpaid fees" in order.events.get(kind="issue_blocked").details["reason"]
    assert services.payment_summary(order)["issue_blocked"]
    assert not documents_sent()


def test_an_order_waiting_for_approval_is_not_issued_by_the_worker(place, clerk, grades, settings, run_worker):
    settings.APPROVAL_REQUIRED_FOR = {"transcript"}
    order = place()
    services.record_payment(order, order.total, Method.COUNTER, "R-4", clerk)
    assert queued_issuance() == 0
    assert issuance.issue_paid(order.pk) == "awaiting approval"
    run_worker()
    order.refresh_from_db()
    assert order.status == Status.PAID and not Document.objects.filter(order=order).exists()


def test_the_sweeper_queues_a_lost_issuance_again_once(place, clerk, grades, run_worker):
    order = place()
    services.record_payment(order, order.total, Method.COUNTER, "R-5", clerk)
    DBTaskResult.objects.all().delete()  # the enqueue was lost
    later = timezone.now() + issuance.UNISSUED_AFTER + datetime.timedelta(seconds=1)
    assert issuance.sweep_unissued(now=later) == 1
    assert issuance.sweep_unissued(now=later) == 0  # its task is waiting: not queued twice

    run_worker()

    order.refresh_from_db()
    assert order.status == Status.DELIVERED
    assert Document.objects.filter(order=order).count() == 1


def test_two_workers_at_once_issue_once(place, clerk, grades):
    """Two workers running the issuance of the same order at the same moment (PostgreSQL: the
    row lock makes the second wait, then find the order issued)."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections: PostgreSQL (SQLite's in-memory test database is one connection's)")
    order = place(documents=(("transcript", "en"), ("transcript", "zh")))
    services.record_payment(order, order.total, Method.COUNTER, "R-6", clerk)
    start, results = threading.Barrier(2), []

    def worker():
        try:
            start.wait(5)
            results.append(issuance.issue_paid(order.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(results) == ["issued", "not paid"]
    assert Document.objects.filter(order=order).count() == 2
    order.refresh_from_db()
    assert order.status == Status.ISSUED
    assert order.events.filter(kind="issued").count() == 1


def test_a_failure_to_sign_is_retried_by_the_sweeper_then_issued(place, clerk, grades, settings, run_worker,
                                                                  own_data_dir):
    """A fault that is not the order's (here the seal's key file is readable by others, so
    signing refuses it) does not leave the order for the desk: the sweeper retries it after a
    backoff, and once the fault is gone the order is issued and delivered."""
    import os

    from sealpost.documents import keys, pki

    seal_key = pki.ensure_demo_pki().seal_key
    keys.reset()
    os.chmod(seal_key, 0o644)
    try:
        order = place(recipients=1)
        services.record_payment(order, order.total, Method.COUNTER, "R-7", clerk)
        run_worker()
        order.refresh_from_db()
        assert order.status == Status.PAID
        failed = order.events.get(kind="issue_failed")
        assert "chmod 600" in failed.details["reason"]
        assert not order.events.filter(kind="issue_blocked").exists()
        assert not services.payment_summary(order)["issue_blocked"]
    finally:
        os.chmod(seal_key, 0o600)
        keys.reset()

    soon = timezone.now() + issuance.UNISSUED_AFTER + datetime.timedelta(seconds=1)
    settings.DELIVERY_BACKOFF_SECONDS = 3600
    assert issuance.sweep_unissued(now=soon) == 0  # still waiting out the backoff
    assert issuance.sweep_unissued(now=soon + datetime.timedelta(hours=1)) == 1
    run_worker()
    order.refresh_from_db()
    assert order.status == Status.DELIVERED
    assert Document.objects.filter(order=order).count() == 1


def test_repeated_failures_block_the_order_for_the_desk(place, clerk, grades, settings, run_worker, own_data_dir):
    import os

    from sealpost.documents import keys, pki

    settings.DELIVERY_MAX_ATTEMPTS = 2
    seal_key = pki.ensure_demo_pki().seal_key
    keys.reset()
    os.chmod(seal_key, 0o644)
    try:
        order = place()
        services.record_payment(order, order.total, Method.COUNTER, "R-8", clerk)
        run_worker()
        assert issuance.issue_paid(order.pk) == "blocked"
    finally:
        os.chmod(seal_key, 0o600)
        keys.reset()
    order.refresh_from_db()
    assert order.events.filter(kind="issue_failed").count() == 1
    assert "chmod 600" in order.events.get(kind="issue_blocked").details["reason"]
    assert services.payment_summary(order)["issue_blocked"]
    later = timezone.now() + datetime.timedelta(days=1)
    assert issuance.sweep_unissued(now=later) == 0  # blocked orders are the desk's
