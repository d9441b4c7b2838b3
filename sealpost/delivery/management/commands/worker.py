"""`sealpost worker`: runs the django-tasks database worker, and the delivery sweeper every
SWEEP_EVERY seconds in a thread beside it. With the Redis backend run `rqworker` instead
(and `sealpost sweep` from cron)."""

import logging
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from sealpost.delivery.services import sweep

log = logging.getLogger(__name__)
SWEEP_EVERY = 60


def sweeper(stop: threading.Event, every: float) -> None:
    while not stop.is_set():
        try:
            close_old_connections()
            sweep()
        except Exception:
            log.exception("delivery sweep failed")
        finally:
            close_old_connections()
        stop.wait(every)


class Command(BaseCommand):
    help = "Run the background worker (tasks and the delivery sweeper)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Run what is due, then exit.")
        parser.add_argument("--sweep-every", type=float, default=SWEEP_EVERY)

    def handle(self, *args, batch=False, sweep_every=SWEEP_EVERY, **options):
        if batch:
            sweep()
            call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=options["verbosity"])
            return
        stop = threading.Event()
        thread = threading.Thread(target=sweeper, args=(stop, sweep_every), daemon=True, name="sweeper")
        thread.start()
        try:
            call_command("db_worker", reload=False, verbosity=options["verbosity"])
        finally:
            stop.set()
