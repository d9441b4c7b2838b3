"""`sealpost demo`: the whole system on its embedded default, for a first look.

Brings the database up to date, creates the demo school once, prints where to go and how to
sign in, then starts everything the embedded default needs: a local SFTP server standing in
for WES (asyncssh, in a thread), a background worker (a subprocess) and the web server. E-mails
land in the mailbox folder and are read at /mailbox/.
"""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

WES_PORT = 2222


class Command(BaseCommand):
    help = "Run sealpost on its embedded default with demo data (what `./dev start` runs)."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true",
                            help="Prepare and print the logins, then stop (no server, no worker, no WES stand-in).")
        parser.add_argument("--wes-port", type=int, default=WES_PORT,
                            help=f"Port of the local WES stand-in (default {WES_PORT}; a free one if taken).")

    def handle(self, *args, no_serve=False, wes_port=WES_PORT, **options):
        from sealpost.documents.fonts import covered_codepoints
        from sealpost.demo.school import create_demo_school, demo_logins

        call_command("migrate", interactive=False, verbosity=0)
        create_demo_school()
        covered_codepoints()  # read the fonts once now rather than on the first order
        sample = issued_sample()
        url = settings.BASE_URL
        parts = urlsplit(url)
        style = self.style
        self.stdout.write("")
        self.stdout.write(style.SUCCESS(f"sealpost is ready at {url}/"))
        self.stdout.write(f"  Data folder: {settings.DATA_DIR}")
        self.stdout.write(f"  E-mails are written to: {settings.EMAIL_FILE_PATH}")
        self.stdout.write(f"  Read them in the mailbox: {url}/mailbox/")
        self.stdout.write("")
        self.stdout.write(style.MIGRATE_HEADING("Demo sign-ins (password, then for staff a code from `.venv/bin/sealpost totp EMAIL`):"))
        for role, email, password, student_number in demo_logins():
            extra = f"  (student {student_number})" if student_number else ""
            self.stdout.write(f"  {role:<10} {email:<32} {password}{extra}")
        if sample:
            self.stdout.write(style.MIGRATE_HEADING("A signed demo document to verify:"))
            self.stdout.write(f"  {url}/verify/{sample.verification_code}/")
            self.stdout.write("")
        if no_serve:
            return
        server = start_wes_stand_in(wes_port)
        if server:
            self.stdout.write(style.MIGRATE_HEADING("WES stand-in (a local SFTP server):"))
            self.stdout.write(f"  {os.environ['SEALPOST_WES_SFTP_URL']}")
            self.stdout.write(f"  Files land in: {server.root / 'inbox'}  (listed at {url}/mailbox/wes/)")
        else:
            self.stdout.write(f"WES uploads go to {os.environ['SEALPOST_WES_SFTP_URL']} (configured).")
        self.stdout.write("")
        # One worker per core (SEALPOST_WORKERS to choose): issuing is CPU work, and the batch
        # benchmark measured 1.7x the documents per second with two on two cores.
        workers = [subprocess.Popen([sys.executable, "-m", "sealpost", "worker"], env=os.environ.copy())
                   for _ in range(worker_count())]
        self.stdout.write(f"  Task workers: {len(workers)} (SEALPOST_WORKERS)")
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stopped by a supervisor: stop the workers too
        addrport = f"{parts.hostname or '127.0.0.1'}:{parts.port or 8000}"
        try:
            call_command("runserver", addrport, use_reloader=False, use_threading=True)
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
            if server:
                server.stop()


def worker_count() -> int:
    """How many task workers the embedded default runs: SEALPOST_WORKERS, else one per core
    this process may use."""
    value = os.environ.get("SEALPOST_WORKERS", "").strip()
    if value:
        try:
            return max(1, int(value))
        except ValueError:
            raise CommandError(f"SEALPOST_WORKERS must be a whole number, not {value!r}") from None
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wes_keys(folder: Path) -> tuple[Path, Path]:
    """The demo's SSH keys in DATA_DIR/wes, generated once: our client key (Ed25519, whose
    public half the stand-in accepts) and the stand-in's host key."""
    import asyncssh

    folder.mkdir(parents=True, exist_ok=True)
    client_key, host_key = folder / "id_ed25519", folder / "host_ed25519"
    for path in (client_key, host_key):
        if not path.exists():
            key = asyncssh.generate_private_key("ssh-ed25519", comment="sealpost-demo")
            key.write_private_key(str(path))
            os.chmod(path, 0o600)
            key.write_public_key(str(path) + ".pub")
    return client_key, host_key


def start_wes_stand_in(port: int = WES_PORT):
    """Start the local SFTP server standing in for WES and point the WES settings at it
    (through the environment, which the worker subprocess inherits), unless the person
    configured a WES server of their own. Answers the running server, or None."""
    if os.environ.get("SEALPOST_WES_SFTP_URL") or getattr(settings, "WES_SFTP_URL", None):
        return None
    from sealpost.demo.sftp_server import LocalSFTPServer

    data = Path(settings.DATA_DIR)
    client_key, host_key = wes_keys(data / "wes")
    root = data / "wes-sftp"
    (root / "inbox").mkdir(parents=True, exist_ok=True)
    server = LocalSFTPServer(root, port if port and _port_free(port) else 0,
                             authorized_key=Path(str(client_key) + ".pub"), host_key=host_key)
    host, bound = server.start()
    known_hosts = data / "wes" / "known_hosts"
    known_hosts.write_text(server.host_key_line() + "\n")
    os.environ["SEALPOST_WES_SFTP_URL"] = f"sftp://{server.username}@{host}:{bound}/inbox"
    os.environ["SEALPOST_WES_SFTP_KEY"] = str(client_key)
    os.environ["SEALPOST_WES_KNOWN_HOSTS"] = str(known_hosts)
    return server


def issued_sample():
    """One issued document in the demo school, so that verification has something to show:
    the demo alumnus's first order, paid with the demonstration method on first start."""
    from sealpost.demo.school import APPLICANT_EMAILS
    from sealpost.documents.models import Document
    from sealpost.issuance.services import issue_paid
    from sealpost.orders.models import Order, Status
    from sealpost.payments.models import Method
    from sealpost.payments.services import record_payment

    document = Document.objects.order_by("id").first()
    if document:
        return document
    order = Order.objects.filter(applicant__email=APPLICANT_EMAILS[0], status=Status.SUBMITTED).order_by("id").first()
    if order is None or order.student.active_holds().exists():
        return None
    record_payment(order, order.total, Method.DEMO, f"DEMO-{order.number}")
    # The worker would issue it (the task is queued); issue now to print a document, once: the
    # queued task then finds the order issued and does nothing.
    issue_paid(order.pk)
    return Document.objects.filter(order=order).order_by("id").first()
