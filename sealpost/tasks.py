"""Starting background work by name: the one seam through which an area hands work to the worker.

A task (django-tasks) is named by its dotted path, for example
``"sealpost.issuance.tasks.issue_order_task"``, and resolved when it is enqueued. So the area
that starts the work does not import the area that does it: payments starts the issuance of a
paid order (payments.approval.enqueue_issue_on_commit), and a delivery's services start its own
send and upload tasks, without importing them (the task modules import the services). This
module imports nothing of sealpost; every area may use it (docs/architecture.md).

The state of the work lives in the database rows the task is given the id of, never only in the
queue: losing an enqueue (the queue is down, the process dies before the commit) loses nothing,
because each area's sweeper finds the rows that are due and enqueues them again. That is why a
failure to enqueue is logged and not raised. The arguments are plain ids (or lists of ids): they
survive the JSON round trip of every backend.

django-tasks keeps the dotted path of each queued task in its table (``task_path``): renaming or
moving a task orphans the tasks of that name already queued (docs/operations.md, upgrades).
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


def resolve(name: str):
    """The task (a django_tasks Task) at the dotted path ``name``."""
    return import_string(name)


def enqueue(name: str, *args, run_after: datetime.datetime | None = None) -> None:
    """Queue the task named ``name`` with ``args`` now. With ``run_after``, not before then; on a
    backend that cannot wait, not at all (the area's sweeper enqueues it when it is due)."""
    task = resolve(name)
    if run_after is not None and task.get_backend().supports_defer:
        task = task.using(run_after=run_after)
    elif run_after is not None:
        return  # this backend cannot wait: the sweeper enqueues it when it is due
    try:
        task.enqueue(*args)
    except Exception:  # the queue is down: the state is kept in the rows, the sweeper enqueues it later
        log.exception("could not enqueue %s for %s", task.name, args[0] if len(args) == 1 else list(args))


def enqueue_on_commit(name: str, *args, run_after: datetime.datetime | None = None) -> None:
    """Queue the task once the current transaction commits (at once outside one): a task never
    runs before the rows it is about are visible to the worker, nor at all if they are rolled
    back."""
    transaction.on_commit(lambda: enqueue(name, *args, run_after=run_after))


def pending_ids(*names: str) -> set[int]:
    """The ids already waiting in the database queue (django-tasks-db, READY: not started, or
    deferred to a retry time) for the tasks named, so that a sweep does not queue them again: on
    a backlog, a sweep every minute would otherwise add a task per waiting row each time, and the
    worker would spend its time skipping them (and hold the database's write lock doing so).
    Empty for other backends: there a duplicate task costs one claim that fails."""
    from django_tasks_db.backend import DatabaseBackend

    found: set[int] = set()
    for name in names:
        task = resolve(name)
        if not isinstance(task.get_backend(), DatabaseBackend):
            continue
        from django_tasks_db.models import DBTaskResult

        for args_kwargs in DBTaskResult.objects.filter(status="READY", task_path=task.module_path).values_list(
                "args_kwargs", flat=True):
            for arg in (args_kwargs or {}).get("args") or []:
                found.update(arg if isinstance(arg, list) else [arg])
    return found


# --- the worker's rhythm -----------------------------------------------------------------------
# How long a worker holds a claimed row (a delivery, an issuance) before the sweeper takes it for
# one whose worker died, and how long a failed attempt waits before the next. Deliveries and the
# issuance task share them (settings.DELIVERY_LEASE_SECONDS, DELIVERY_BACKOFF_SECONDS,
# DELIVERY_BACKOFF_MAX_SECONDS); WES uploads have their own (delivery.wes_submissions).

LEASE = datetime.timedelta(minutes=5)  # the default of settings.DELIVERY_LEASE_SECONDS
BACKOFF_BASE = 30  # seconds: 30 s, 1 min, 2 min, 4 min … at most an hour
BACKOFF_MAX = 3600


def lease() -> datetime.timedelta:
    seconds = getattr(settings, "DELIVERY_LEASE_SECONDS", None)
    return datetime.timedelta(seconds=seconds) if seconds else LEASE


def backoff(attempts: int) -> datetime.timedelta:
    base = getattr(settings, "DELIVERY_BACKOFF_SECONDS", None) or BACKOFF_BASE  # shortened by the fault suite
    cap = getattr(settings, "DELIVERY_BACKOFF_MAX_SECONDS", None) or BACKOFF_MAX
    return datetime.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))
