"""The tasks through the django-tasks database backend and the worker; idempotence; the sweeper."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sealpost.delivery import services
from sealpost.delivery.models import Delivery
from sealpost.delivery.tasks import send_delivery_task
from sealpost.delivery.tests.test_email import deliver, issued_order, smtp  # noqa: F401 - fixtures
from sealpost.orders.models import Status


@pytest.fixture
def db_backend(settings, smtp):  # noqa: F811
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    return smtp


# The worker closes its database connections as a real one does: no wrapping transaction.
@pytest.mark.django_db(transaction=True)
def test_through_the_database_queue_and_the_worker(db_backend, issued_order, django_capture_on_commit_callbacks):  # noqa: F811
    deliver(issued_order, django_capture_on_commit_callbacks)
    assert DBTaskResult.objects.count() == 4  # enqueued on commit, nothing sent yet
    assert db_backend.mailbox.messages == []
    assert all(d.state == Delivery.State.QUEUED for d in Delivery.objects.all())
    call_command("worker", batch=True, verbosity=0)
    assert len(db_backend.mailbox.messages) == 4
    assert all(d.state == Delivery.State.SENT for d in Delivery.objects.all())
    issued_order.refresh_from_db()
    assert issued_order.status == Status.DELIVERED


# The worker closes its database connections as a real one does: no wrapping transaction.
@pytest.mark.django_db(transaction=True)
def test_failure_is_retried_later_through_the_queue(db_backend, issued_order, django_capture_on_commit_callbacks):  # noqa: F811
    db_backend.stop()
    deliver(issued_order, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert all(d.state == Delivery.State.FAILED for d in Delivery.objects.all())
    deferred = DBTaskResult.objects.filter(status="READY", run_after__gt=timezone.now())
    assert deferred.count() == 4  # each retry waits for its backoff
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert all(d.attempts == 1 for d in Delivery.objects.all())  # not due yet
    db_backend.start()
    Delivery.objects.update(next_attempt_at=timezone.now())
    deferred.update(run_after=timezone.now())
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert all(d.state == Delivery.State.SENT and d.attempts == 2 for d in Delivery.objects.all())
    assert set(db_backend.mailbox.by_message_id().values()) == {1}


# The worker closes its database connections as a real one does: no wrapping transaction.
@pytest.mark.django_db(transaction=True)
def test_a_task_run_twice_sends_one_email(db_backend, issued_order, django_capture_on_commit_callbacks):  # noqa: F811
    deliver(issued_order, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(recipient__position=2)
    # The same task enqueued again (a duplicate from the sweeper, a retry) and both run.
    send_delivery_task.enqueue(delivery.pk)
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert services.send_delivery(delivery.pk) == "skipped"
    received = [r for r, m in db_backend.mailbox.messages if r == [delivery.recipient.email]]
    assert len(received) == 1
    assert len(db_backend.mailbox.messages) == 4


# The worker closes its database connections as a real one does: no wrapping transaction.
@pytest.mark.django_db(transaction=True)
def test_sweeper_takes_over_work_left_by_a_dead_worker(db_backend, issued_order, django_capture_on_commit_callbacks):  # noqa: F811
    deliver(issued_order, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(recipient__position=1)
    # A worker claimed it and died: "sending", its task left RUNNING.
    now = timezone.now()
    assert services._claim(delivery.pk, now)
    DBTaskResult.objects.all().delete()
    assert services.send_delivery(delivery.pk) == "skipped"  # lease still held
    assert services.sweep() == 3  # the three still queued
    Delivery.objects.filter(pk=delivery.pk).update(lease_until=now - datetime.timedelta(seconds=1))
    DBTaskResult.objects.all().delete()
    assert services.sweep() == 4
    call_command("sweep", verbosity=0)
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert all(d.state == Delivery.State.SENT for d in Delivery.objects.all())
    assert set(db_backend.mailbox.by_message_id().values()) == {1}
    assert len(db_backend.mailbox.messages) == 4


def test_issuance_schedules_the_delivery(smtp, issued_order, django_capture_on_commit_callbacks):  # noqa: F811
    from sealpost.issuance import services as issuance

    # Issuing (again: it makes nothing twice) schedules the e-mails to every recipient.
    with django_capture_on_commit_callbacks(execute=True):
        issuance.issue(issued_order)
    assert len(smtp.mailbox.messages) == 4
