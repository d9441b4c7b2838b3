"""`sealpost worker`: runs the task worker of the configured backend, and the delivery sweeper
every SWEEP_EVERY seconds in a thread beside it.

- the database backend (the default): django-tasks' `db_worker`;
- the Redis backend (SEALPOST_TASKS_BACKEND=rq): django-rq's `rqworker` with the job class
  django-tasks-rq needs (`django_tasks_rq.Job`) and RQ's scheduler, which runs the deferred
  retries.

`--batch` sweeps once, runs what is due, then exits.

The sweeper also queues again the issuance of paid orders whose task was lost
(issuance.services.sweep_unissued). The database worker looks for new tasks every
`--interval` seconds when its queue is empty (POLL_INTERVAL, 0.2 s: django-tasks' own default,
1 s, added up to a second to each of the three steps from payment to e-mail and WES upload:
bench/latency.py). An idle look is one short transaction with an indexed query (on SQLite it
takes the write lock for that moment), five times a second per idle worker."""

import logging
import os
import sys
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from sealpost.delivery import wes
from sealpost.delivery.services import sweep

log = logging.getLogger(__name__)
SWEEP_EVERY = 60
POLL_INTERVAL = 0.2
RQ_JOB_CLASS = "django_tasks_rq.Job"


def sweeper(stop: threading.Event, every: float) -> None:
    while not stop.is_set():
        try:
            close_old_connections()
            sweep_all()
        except Exception:
            log.exception("delivery sweep failed")
        finally:
            close_old_connections()
        stop.wait(every)


def sweep_all() -> None:
    """One sweep: due deliveries and WES uploads, then paid orders whose issuance was lost."""
    from sealpost.issuance.services import sweep_unissued

    sweep()
    sweep_unissued()
    wes.close_idle()  # the WES connection kept open between uploads, once idle too long


def uses_rq() -> bool:
    return settings.TASKS["default"]["BACKEND"].startswith("django_tasks_rq.")


def run_tasks(*, batch: bool, verbosity: int, interval: float = POLL_INTERVAL) -> None:
    if uses_rq():
        queues = list(settings.TASKS["default"].get("QUEUES") or []) or list(getattr(settings, "RQ_QUEUES", {}))
        # django-rq's `rqworker` command (the command object itself: found even where the
        # settings at hand leave django_rq out of INSTALLED_APPS, as the tests' do).
        from django_rq.management.commands.rqworker import Command as RQWorker

        call_command(RQWorker(), *queues, job_class=RQ_JOB_CLASS, with_scheduler=True, burst=batch,
                     verbosity=verbosity)
    elif batch:
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=verbosity)
    else:
        call_command("db_worker", reload=False, interval=interval, verbosity=verbosity)


# jemalloc where the system has it (Debian: libjemalloc2): Typst and pyHanko allocate a lot, and
# with jemalloc a document takes about 8 ms less CPU (docs/performance.md, issuance benchmark).
JEMALLOC = ("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2",
            "/usr/lib/libjemalloc.so.2", "/usr/local/lib/libjemalloc.so.2")


def restart_with_jemalloc() -> None:
    """Start this worker again with jemalloc preloaded (an allocator can only be chosen when a
    process starts), when jemalloc is installed and SEALPOST_JEMALLOC is not "off". Only for a
    worker started as a command (`sealpost worker`, `python -m sealpost worker`), never for one
    run inside another process (call_command in the tests)."""
    if os.environ.get("SEALPOST_JEMALLOC", "auto").lower() in ("off", "0", "no", "false"):
        return
    if sys.argv[1:2] != ["worker"] or "jemalloc" in os.environ.get("LD_PRELOAD", ""):
        return
    library = next((path for path in JEMALLOC if os.path.exists(path)), None)
    if library is None:
        return
    env = dict(os.environ, LD_PRELOAD=f"{library} {os.environ.get('LD_PRELOAD', '')}".strip())
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", "sealpost", *sys.argv[1:]], env)


def allocator() -> str:
    """"jemalloc" when this process runs with it, else "system"."""
    try:
        with open("/proc/self/maps") as maps:
            return "jemalloc" if "libjemalloc" in maps.read() else "system"
    except OSError:
        return "system"


class Command(BaseCommand):
    help = "Run the background worker (tasks and the delivery sweeper)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Run what is due, then exit.")
        parser.add_argument("--sweep-every", type=float, default=SWEEP_EVERY)
        parser.add_argument("--interval", type=float, default=POLL_INTERVAL,
                            help="Seconds between looks at an empty database queue (default %(default)s).")

    def handle(self, *args, batch=False, sweep_every=SWEEP_EVERY, interval=POLL_INTERVAL, **options):
        restart_with_jemalloc()
        if options["verbosity"] >= 2:
            self.stdout.write(f"memory allocator: {allocator()}")
        if batch:
            sweep_all()
            try:
                run_tasks(batch=True, verbosity=options["verbosity"])
            finally:
                wes.close_idle(now=float("inf"))
            return
        stop = threading.Event()
        thread = threading.Thread(target=sweeper, args=(stop, sweep_every), daemon=True, name="sweeper")
        thread.start()
        try:
            run_tasks(batch=False, verbosity=options["verbosity"], interval=interval)
        finally:
            stop.set()
            wes.close_idle(now=float("inf"))
