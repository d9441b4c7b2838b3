"""The tasks through Redis (django-tasks-rq, SEALPOST_TASKS_BACKEND=rq): a delivery enqueued in
Redis and run by an RQ worker sends its e-mail once. Needs a Redis server at
127.0.0.1:6379; uses (and empties) its database 15."""

import pytest
import redis
from django.core.management import call_command
from django_tasks import task_backends

from sealpost.delivery.models import Delivery
from sealpost.delivery.tasks import send_delivery_task
from sealpost.delivery.tests.test_email import deliver, issued_order, smtp  # noqa: F401 - fixtures

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_or_skip() -> redis.Redis:
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=5)
    try:
        connection.ping()
    except redis.exceptions.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({error}): the RQ backend is not tested")
    return connection


@pytest.fixture
def rq_backend(settings, smtp):  # noqa: F811
    connection = redis_or_skip()
    connection.flushdb()
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    yield smtp
    connection.flushdb()
    connection.close()


def queued():
    import django_rq

    return django_rq.get_queue("default").count


def simple_worker():
    """An RQ worker that runs the jobs in this process (no fork): they see the test database."""
    from django_rq import get_worker

    return get_worker("default", job_class="django_tasks_rq.Job", worker_class="rq.SimpleWorker")


def test_a_delivery_through_redis_is_sent_once(rq_backend, issued_order, django_capture_on_commit_callbacks):  # noqa: F811
    backend = task_backends["default"]
    assert type(backend).__name__ == "RQBackend"
    deliveries = deliver(issued_order, django_capture_on_commit_callbacks)
    assert queued() == len(deliveries) == 4  # in Redis, nothing sent yet
    assert rq_backend.mailbox.messages == []
    delivery = deliveries[0]
    # The same delivery enqueued once more (a sweep, a retry): it still goes once.
    result = send_delivery_task.enqueue(delivery.pk)
    assert simple_worker().work(burst=True)
    assert queued() == 0
    assert backend.get_result(result.id).return_value == "skipped"
    received = [m for rcpts, m in rq_backend.mailbox.messages if rcpts == [delivery.recipient.email]]
    assert len(received) == 1 and received[0]["Message-ID"] == delivery.message_id
    assert set(rq_backend.mailbox.by_message_id().values()) == {1} and len(rq_backend.mailbox.messages) == 4
    assert all(d.state == Delivery.State.SENT and d.attempts == 1 for d in Delivery.objects.all())


# The worker command closes its database connections: no wrapping transaction.
@pytest.mark.django_db(transaction=True)
def test_the_worker_command_runs_the_rq_worker(rq_backend, issued_order, settings, django_capture_on_commit_callbacks):  # noqa: F811
    # `sealpost worker --batch` with the Redis backend: a sweep, then django-rq's rqworker in
    # burst mode with django-tasks-rq's job class (here without forking, as above).
    settings.RQ = {"WORKER_CLASS": "rq.SimpleWorker"}
    deliver(issued_order, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("worker", batch=True, verbosity=0)
    assert queued() == 0
    assert all(d.state == Delivery.State.SENT for d in Delivery.objects.all())
    assert set(rq_backend.mailbox.by_message_id().values()) == {1} and len(rq_backend.mailbox.messages) == 4
