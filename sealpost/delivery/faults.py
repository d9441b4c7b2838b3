"""The fault suite: a batch of orders goes through the real delivery pipeline while it is hurt.

Real servers on 127.0.0.1 and a real worker process:

- an SMTP server (aiosmtpd) that takes a little while to accept each message and counts what it
  accepted by recipient and by Message-ID; it is stopped for a while (an outage);
- the WES SFTP stand-in (sealpost.delivery.sftp_server) serving a folder on a tiny tmpfs of its
  own (when this process may mount one: root), which drops connections in the middle of uploads,
  refuses connections for a while, and whose disk is filled (ENOSPC) for a while;
- `python -m sealpost worker` subprocesses, each SIGKILLed at a random moment and started again.

Orders (issued, with stand-in PDF bytes of realistic sizes, some for WES) are released a few
at a time while the faults happen. At the end it checks that every order completed (every
recipient's e-mail recorded sent, every WES upload recorded uploaded), that the SMTP server got
exactly one message per recipient (duplicates are counted, and each one is matched with a
"delivery_uncertain" event: the documented at-least-once window), that every e-mail recorded
sent is at the server, that no WES file was written twice or directly under its final name,
that every final file on the SFTP server is whole (its SHA-256 is the document's or the
manifest's), and that no .part file is left.

    sealpost faults                         # the full run: 40 orders, 10 kills (about a minute)
    sealpost faults --orders 12 --kills 4   # shorter
    python -m sealpost.delivery.faults      # the same, without the sealpost command

The run uses a database and a data folder of its own (a temporary folder) unless
--database-url names one (a PostgreSQL database to use and overwrite: a test database only).
The test sealpost/delivery/tests/test_faults.py runs a short version against the test database.
See docs/reliability.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# --- the mail server ------------------------------------------------------------------------


class CountingMailbox:
    """aiosmtpd handler: accepts each message after a short random delay (so that a worker can
    be killed mid-send: a message whose sender vanished before "250 OK" is not kept, aiosmtpd
    cancels the handler) and keeps (recipients, Message-ID)."""

    def __init__(self, delay=(0.02, 0.2), seed=0):
        self.delay = delay
        self.random = random.Random(seed)
        self.messages: list[tuple[tuple[str, ...], str]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.random.uniform(*self.delay))
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((tuple(envelope.rcpt_tos), str(message["Message-ID"]).strip()))
        return "250 OK"

    def snapshot(self):
        with self.lock:
            return list(self.messages)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPServer:
    """A real SMTP server on a fixed port that can be stopped (an outage) and started again."""

    def __init__(self, mailbox: CountingMailbox):
        self.port = free_port()
        self.mailbox = mailbox
        self.controller = None

    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None


# --- a small disk ---------------------------------------------------------------------------


class SmallDisk:
    """A tmpfs of its own (``size`` bytes) at ``path`` when this process may mount one; else a
    plain folder, and the disk-full fault is not injected (``real`` is False)."""

    def __init__(self, path: Path, size: int = 32 * 1024 * 1024):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.real = False
        if os.geteuid() == 0:
            done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
                                  capture_output=True)
            self.real = done.returncode == 0
        self.ballast = path / ".ballast"

    def fill(self) -> int:
        """Write a ballast file until the disk is full (ENOSPC); answers its size."""
        written = 0
        with open(self.ballast, "wb") as out:
            chunk = b"\0" * 65536
            try:
                while True:
                    out.write(chunk)
                    out.flush()
                    written += len(chunk)
            except OSError:
                pass
        return written

    def free(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.ballast.unlink()

    def close(self) -> None:
        if self.real:
            subprocess.run(["umount", "-l", str(self.path)], capture_output=True)
            self.real = False


# --- the run --------------------------------------------------------------------------------


@dataclass
class Plan:
    orders: int = 40
    kills: int = 10
    wes_share: float = 0.3
    seed: int = 1
    release_every: float = 0.3  # seconds between two orders released
    uptime: tuple = (0.2, 3.0)  # a worker is killed this many seconds (random) after it is ready,
    # or sooner for a kill aimed at work in progress (an e-mail being sent, a WES upload running:
    # then at a random moment within 0.1 s of seeing it)
    sftp_write_delay: float = 0.01  # seconds per 32 KB written: uploads take a while
    smtp_outage: tuple = (3.0, 4.0)  # (start, length) in seconds from the beginning
    sftp_refusing: tuple = (5.0, 3.0)
    disk_full: tuple = (9.0, 3.0)
    drops_mid_upload: int = 3  # the SFTP server drops the connection after N bytes of a write
    drops_now: int = 2  # every open SFTP connection dropped at once
    lease: int = 3  # seconds: the delivery and WES leases of the workers
    timeout: float = 240.0  # the run fails if not everything completed by then
    settle: float = 5.0  # after completion, seconds to wait for anything sent twice
    policy: str = "resend"  # SEALPOST_DELIVERY_ON_UNCERTAIN
    # Issue in the worker too: orders start paid, the worker renders, signs and stores them
    # (documents.tasks.issue_order_task), then delivers; the document store is on a tmpfs of its
    # own (when root), filled for a while (store_disk_full: start, length).
    issue: bool = False
    store_disk_full: tuple = (6.0, 3.0)


@dataclass
class Figures:
    faults: Counter = field(default_factory=Counter)
    orders: int = 0
    orders_completed: int = 0
    orders_held: int = 0  # policy "hold": an uncertain e-mail waits for staff
    emails_expected: int = 0
    emails_received: int = 0
    duplicates: int = 0  # recipients e-mailed more than once (extra copies)
    duplicates_unexplained: int = 0  # duplicates without a delivery_uncertain event
    uncertain: int = 0  # delivery_uncertain events
    lost: list = field(default_factory=list)  # recorded sent, never received
    wes_files: int = 0
    wes_written_twice: list = field(default_factory=list)
    wes_direct_writes: list = field(default_factory=list)
    wes_bad_files: list = field(default_factory=list)
    wes_part_files: list = field(default_factory=list)
    email_attempts: int = 0
    wes_attempts: int = 0
    wes_submissions: int = 0
    kills_mid_send: int = 0
    kills_mid_upload: int = 0
    seconds: float = 0.0
    problems: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        faults = ", ".join(f"{k} {v}" for k, v in sorted(self.faults.items()))
        return [
            f"faults injected: {sum(self.faults.values())} ({faults})",
            f"worker kills while an e-mail was being sent: {self.kills_mid_send}; while a WES upload ran: "
            f"{self.kills_mid_upload}",
            f"orders completed: {self.orders_completed}/{self.orders}"
            + (f"; held for staff (uncertain e-mail, policy hold): {self.orders_held}" if self.orders_held else ""),
            f"e-mails: {self.emails_expected} expected, {self.emails_received} received by the SMTP server",
            f"duplicates found: {self.duplicates} (outside the documented uncertain window: "
            f"{self.duplicates_unexplained}); uncertain hand-overs: {self.uncertain}",
            f"e-mails recorded sent but never received: {len(self.lost)}",
            f"attempts: {self.email_attempts} for {self.emails_expected} e-mails, {self.wes_attempts} for "
            f"{self.wes_submissions} WES uploads",
            f"WES files: {self.wes_files}; written twice: {len(self.wes_written_twice)}; written directly under "
            f"the final name: {len(self.wes_direct_writes)}; final files not whole: {len(self.wes_bad_files)}; "
            f".part files left: {len(self.wes_part_files)}",
            f"seconds: {self.seconds:.1f}",
            "result: " + ("OK" if self.ok else "PROBLEMS: " + "; ".join(self.problems)),
        ]


WORKER_SETTINGS = """from sealpost.settings import *  # noqa
EMAIL_USE_TLS = False  # the test SMTP server speaks plain SMTP on a port other than 25
EMAIL_TIMEOUT = 5
DELIVERY_BACKOFF_SECONDS = 1
DELIVERY_BACKOFF_MAX_SECONDS = 4
DELIVERY_MAX_ATTEMPTS = 100
WES_MAX_ATTEMPTS = 100
WES_LEASE_SECONDS = {lease}
{store}"""


class Run:
    """One fault run in this process (Django set up, its default database the one the workers
    use: ``database_url``; documents stored under ``data_dir``/store)."""

    def __init__(self, plan: Plan, workdir: Path, database_url: str, data_dir: Path, log=print):
        self.plan = plan
        self.workdir = workdir
        self.database_url = database_url
        self.data_dir = data_dir
        self.log = log
        self.random = random.Random(plan.seed)
        self.figures = Figures()
        self.expected_files: dict[str, str] = {}  # final name -> sha256, for WES
        self.worker: subprocess.Popen | None = None
        self.worker_started = 0.0
        self.t0 = 0.0
        self.store_disk = None

    # set-up ------------------------------------------------------------------------------

    def _keys(self):
        import asyncssh

        key = asyncssh.generate_private_key("ssh-ed25519")
        (self.workdir / "wes_key").write_bytes(key.export_private_key("openssh"))
        os.chmod(self.workdir / "wes_key", 0o600)
        return key.export_public_key("openssh")

    def _orders(self):
        """The orders, created issued with their documents; not yet scheduled."""
        import datetime

        from django.utils import timezone

        from sealpost.accounts.models import Role, User
        from sealpost.documents import storage
        from sealpost.documents.models import Document, DocumentFile
        from sealpost.orders import services as order_services
        from sealpost.orders.models import Order, Status
        from sealpost.records import nationalid
        from sealpost.records.models import Programme, Student, StudentStatus

        national_id = nationalid.make_valid(f"A1{self.plan.seed % 10_000_000:07d}")
        student = Student.objects.create(
            student_number=f"F{self.plan.seed % 100_000_000:08d}", name_zh="陳大偉", name_en="CHEN, TA-WEI",
            date_of_birth=datetime.date(2000, 1, 15), national_id_hash=nationalid.keyed_hash(national_id),
            department_zh="資訊工程學系", department_en="Department of Computer Science", programme=Programme.BACHELOR,
            degree_zh="工學士", degree_en="Bachelor of Engineering", status=StudentStatus.GRADUATED,
            admitted_on=datetime.date(2018, 9, 1), graduated_on=datetime.date(2022, 6, 30))
        applicant = User.objects.create_user(f"faults{self.plan.seed}@example.com", None, role=Role.APPLICANT,
                                             student=student, email_verified=True)
        orders = []
        for i in range(self.plan.orders):
            wes = self.random.random() < self.plan.wes_share
            documents = [("transcript", "en")] + ([("transcript", "zh")] if self.random.random() < 0.5 else [])
            n_recipients = self.random.randint(1, 3)
            recipients = [(f"r{p}.o{i}@school{p}.example.org", f"WES Reference No. {1000000 + i}" if wes and p == 1 else "")
                          for p in range(1, n_recipients + 1)]
            draft = order_services.Draft(applicant_type="alumnus", documents=documents, name_en="CHEN, TA-WEI",
                                         name_zh="陳大偉", phone="0912345678", email=applicant.email,
                                         recipients=recipients)
            order = order_services.place_order(student=student, draft=draft, applicant=applicant)
            if self.plan.issue:  # paid long enough ago that the sweeper may queue a lost issuance at once
                Order.objects.filter(pk=order.pk).update(status=Status.PAID, wes_reference=str(1000000 + i) if wes else "",
                                                         paid_at=timezone.now() - datetime.timedelta(minutes=5))
                order.refresh_from_db()
                orders.append(order)
                continue
            Order.objects.filter(pk=order.pk).update(status=Status.ISSUED,
                                                     wes_reference=str(1000000 + i) if wes else "")
            order.refresh_from_db()
            for document_type, language in documents:
                size = self.random.randint(60_000, 220_000)
                data = b"%PDF-1.7 stand-in " + order.number.encode() + language.encode() + os.urandom(size)
                document = Document.objects.create(
                    order=order, student=student, document_type=document_type, language=language,
                    holder_name_en=order.name_en, holder_name_zh=order.name_zh, issued_at=timezone.now())
                DocumentFile.objects.create(document=document, sha256=storage.put(data), size=len(data))
            orders.append(order)
        return orders

    def _expected_wes(self, order):
        from sealpost.delivery import wes

        documents = wes.documents_of(order)
        payloads = wes._payloads(order, documents, 1)
        for name, _document, data in payloads:
            self.expected_files[name] = hashlib.sha256(data).hexdigest()
        self.expected_files[wes.manifest_name(order, 1)] = hashlib.sha256(
            wes.manifest(order, documents, 1, payloads=payloads)).hexdigest()

    # the worker --------------------------------------------------------------------------

    def _env(self, smtp_port, sftp_port):
        store = ""
        if self.store_disk is not None:
            store = ('STORAGES = {**STORAGES, "documents": {**STORAGES["documents"], "OPTIONS": '
                     '{**STORAGES["documents"]["OPTIONS"], "location": %r}}}\n' % str(self.store_disk.path))
        (self.workdir / "fault_settings.py").write_text(WORKER_SETTINGS.format(lease=self.plan.lease, store=store))
        env = {
            **os.environ, "DATABASE_URL": self.database_url, "SEALPOST_DATA_DIR": str(self.data_dir),
            "SEALPOST_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}", "SEALPOST_DELIVERY_LEASE_SECONDS": str(self.plan.lease),
            "SEALPOST_TASKS_BACKEND": "db", "SEALPOST_WES_SFTP_URL": f"sftp://wes@127.0.0.1:{sftp_port}/inbox",
            "SEALPOST_WES_SFTP_KEY": str(self.workdir / "wes_key"),
            "SEALPOST_WES_KNOWN_HOSTS": str(self.workdir / "known_hosts"), "SEALPOST_WES_SFTP_TIMEOUT": "5",
            "SEALPOST_DELIVERY_ON_UNCERTAIN": self.plan.policy, "DJANGO_SETTINGS_MODULE": "fault_settings",
            "PYTHONPATH": os.pathsep.join([str(self.workdir), str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        return env

    def _start_worker(self):
        self.worker_count = getattr(self, "worker_count", 0) + 1
        self.worker_log = self.workdir / f"worker-{self.worker_count}.log"
        with open(self.worker_log, "ab") as log:
            self.worker = subprocess.Popen([sys.executable, "-m", "sealpost", "worker", "--sweep-every", "1"],
                                           env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        self.worker_started = time.monotonic()
        self.ready_at = None
        # What the next kill waits for: a random moment after the worker is ready ("any"), an
        # e-mail being sent, a WES upload running, or a random moment while it starts up.
        self.aim = self.random.choice(["any", "any", "send", "send", "upload", "startup"])
        self.uptime = self.random.uniform(*self.plan.uptime)

    def _ready(self) -> bool:
        if self.ready_at is None:
            with open(self.worker_log, "rb") as log:
                if b"Starting worker" in log.read(65536):
                    self.ready_at = time.monotonic()
        return self.ready_at is not None

    def _busy(self):
        """(e-mails being sent, WES uploads running) by the current worker: claims it took."""
        import datetime

        from django.utils import timezone

        from sealpost.delivery.models import Delivery, WESSubmission

        up = time.monotonic() - self.worker_started
        since = timezone.now() - datetime.timedelta(seconds=up) + datetime.timedelta(seconds=self.plan.lease)
        return (Delivery.objects.filter(state=Delivery.State.SENDING, lease_until__gt=since).count(),
                WESSubmission.objects.filter(state=WESSubmission.State.UPLOADING, lease_until__gt=since).count())

    def _kill_worker(self):
        from sealpost.delivery.models import Delivery

        sending, uploading = self._busy()
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait(10)
        self.figures.faults["worker SIGKILL"] += 1
        self.figures.kills_mid_send += bool(sending)
        self.figures.kills_mid_upload += bool(uploading)
        self.log(f"  {time.monotonic() - self.t0:5.1f} s: worker killed after {time.monotonic() - self.worker_started:.1f} s "
                 f"(aimed at: {self.aim}; it was sending {sending}, uploading {uploading}; "
                 f"e-mails sent so far {Delivery.objects.filter(state=Delivery.State.SENT).count()})")

    def _kill_due(self) -> bool:
        if self.aim == "startup":
            return not self._ready() and time.monotonic() - self.worker_started > self.uptime / 4
        if not self._ready():
            return False
        up = time.monotonic() - self.ready_at
        if up > self.uptime:
            return True
        if self.aim == "any":
            return False
        sending, uploading = self._busy()
        busy = sending if self.aim == "send" else uploading
        if busy:
            time.sleep(self.random.uniform(0, 0.1))
        return bool(busy)

    def _stop_worker(self):
        if self.worker and self.worker.poll() is None:
            self.worker.terminate()
            try:
                self.worker.wait(15)
            except subprocess.TimeoutExpired:
                self.worker.kill()
                self.worker.wait(5)

    # faults on a timeline ----------------------------------------------------------------

    def _timeline(self, smtp, sftp, disk):
        p = self.plan
        events = []

        def at(t, name, action):
            events.append((t, name, action))

        start, length = p.smtp_outage
        if length:
            at(start, "SMTP server stopped", smtp.stop)
            at(start + length, None, smtp.start)
        start, length = p.sftp_refusing
        if length:
            at(start, "SFTP refusing connections", sftp.pause)
            at(start + length, None, sftp.resume)
        start, length = p.disk_full
        if length and disk.real:
            at(start, "SFTP disk full (ENOSPC)", disk.fill)
            at(start + length, None, disk.free)
        start, length = p.store_disk_full
        if p.issue and length and self.store_disk is not None and self.store_disk.real:
            at(start, "document store disk full (ENOSPC)", self.store_disk.fill)
            at(start + length, None, self.store_disk.free)
        for _ in range(p.drops_mid_upload):
            def drop_mid_upload():
                sftp.fail_after_bytes = sftp.bytes_written + self.random.randint(1, 150_000)
            at(self.random.uniform(0.5, p.orders * p.release_every + 2), "SFTP dropped mid-upload (armed)",
               drop_mid_upload)
        for _ in range(p.drops_now):
            at(self.random.uniform(0.5, p.orders * p.release_every + 2), "SFTP connections dropped",
               sftp.drop_connections)
        return sorted(events, key=lambda e: e[0])

    # the whole run -----------------------------------------------------------------------

    def run(self) -> Figures:
        from sealpost.delivery import services, wes_submissions
        from sealpost.delivery.sftp_server import LocalSFTPServer

        p = self.plan
        f = self.figures
        public = self._keys()
        disk = SmallDisk(self.workdir / "wes-disk")
        restore_storages = None
        if p.issue:
            from django.conf import settings
            from django.core.files.storage import storages

            from sealpost.documents import pki

            self.store_disk = SmallDisk(self.workdir / "store-disk", size=64 * 1024 * 1024)
            restore_storages = settings.STORAGES
            documents = settings.STORAGES["documents"]
            settings.STORAGES = {**settings.STORAGES, "documents": {
                **documents, "OPTIONS": {**documents.get("OPTIONS", {}), "location": str(self.store_disk.path)}}}
            storages._storages.pop("documents", None)
            pki.ensure_demo_pki()  # made once here: not by a worker that may be killed making it
        mailbox = CountingMailbox(seed=p.seed)
        smtp = SMTPServer(mailbox)
        sftp = LocalSFTPServer(disk.path, authorized_key=public)
        try:
            smtp.start()
            sftp.start()
            sftp.write_delay = p.sftp_write_delay
            (disk.path / "inbox").mkdir(exist_ok=True)
            (self.workdir / "known_hosts").write_text(sftp.host_key_line() + "\n")
            self.env = self._env(smtp.port, sftp.port)
            orders = self._orders()
            f.orders = len(orders)
            self.log(f"{len(orders)} orders, {sum(o.recipients.count() for o in orders)} recipients, "
                     f"{sum(bool(o.wes_reference) for o in orders)} for WES; tmpfs: {disk.real}")
            events = self._timeline(smtp, sftp, disk)
            pending = list(orders)
            self.t0 = time.monotonic()
            next_release = 0.0
            first_ready = None
            self._start_worker()
            while True:
                now = time.monotonic() - self.t0
                while pending and now >= next_release:  # release the next order into the pipeline
                    order = pending.pop(0)
                    if p.issue:
                        from sealpost.documents.tasks import issue_order_task

                        issue_order_task.enqueue(order.pk)
                    else:
                        services.schedule_delivery(order)
                        if order.wes_reference:
                            wes_submissions.schedule_wes(order)
                    next_release += p.release_every
                if first_ready is None and self._ready():
                    first_ready = time.monotonic() - self.t0  # the faults' timeline starts here
                while events and first_ready is not None and now - first_ready >= events[0][0]:
                    _, name, action = events.pop(0)
                    try:
                        action()
                    except Exception as error:  # a fault that could not be injected is reported
                        f.problems.append(f"injecting {name}: {error}")
                    if name:
                        f.faults[name] += 1
                if self.worker.poll() is not None:
                    f.problems.append(f"the worker exited by itself ({self.worker.returncode})")
                    self._start_worker()
                elif f.faults["worker SIGKILL"] < p.kills and self._kill_due():
                    self._kill_worker()
                    time.sleep(self.random.uniform(0, 0.5))
                    self._start_worker()
                if not pending and not events and f.faults["worker SIGKILL"] >= p.kills and self._done():
                    break
                if now > p.timeout:
                    f.problems.append(f"not complete after {p.timeout:.0f} s")
                    break
                time.sleep(0.05)
            time.sleep(p.settle)  # anything sent twice would be sent by now: a lease and a sweep
            self._stop_worker()
            f.seconds = time.monotonic() - self.t0
            self._check(orders, mailbox, sftp, disk)
        finally:
            self._stop_worker()
            with contextlib.suppress(Exception):
                smtp.stop()
            with contextlib.suppress(Exception):
                sftp.stop()
            disk.close()
            if self.store_disk is not None:
                from django.conf import settings
                from django.core.files.storage import storages

                self.store_disk.close()
                settings.STORAGES = restore_storages
                storages._storages.pop("documents", None)
        return f

    def _held(self):
        """Deliveries held for staff as uncertain (policy "hold"): an end state of the run."""
        from django.db.models import Q

        from sealpost.delivery.models import Delivery

        if self.plan.policy != "hold":
            return Q(pk__in=[])
        return Q(state=Delivery.State.FAILED, next_attempt_at__isnull=True, handed_over_at__isnull=False)

    def _done(self) -> bool:
        from sealpost.delivery.models import Delivery, WESSubmission

        from sealpost.orders.models import Order, Status

        if Order.objects.filter(status=Status.PAID).exists():
            return False
        return (not Delivery.objects.exclude(state=Delivery.State.SENT).exclude(self._held()).exists()
                and not WESSubmission.objects.exclude(state=WESSubmission.State.UPLOADED).exists())

    def _check(self, orders, mailbox, sftp, disk):
        from sealpost.delivery.models import Delivery, WESSubmission
        from sealpost.orders.models import Order, OrderEvent, Status

        f = self.figures
        completed = 0
        for order in orders:
            order = Order.objects.get(pk=order.pk)
            sent = all(d.state == Delivery.State.SENT for d in Delivery.objects.filter(order=order))
            count_ok = Delivery.objects.filter(order=order).count() == order.recipients.count()
            wes_ok = not order.wes_reference or WESSubmission.objects.filter(
                order=order, state=WESSubmission.State.UPLOADED).exists()
            held = Delivery.objects.filter(self._held(), order=order).exists()
            f.orders_held += held
            completed += sent and count_ok and wes_ok and order.status == Status.DELIVERED
        f.orders_completed = completed
        if completed + f.orders_held != len(orders):
            f.problems.append(f"{len(orders) - completed} order(s) not completed")

        from django.db.models import Sum

        f.email_attempts = Delivery.objects.aggregate(n=Sum("attempts"))["n"] or 0
        f.wes_attempts = WESSubmission.objects.aggregate(n=Sum("attempts"))["n"] or 0
        f.wes_submissions = WESSubmission.objects.count()
        received = mailbox.snapshot()
        by_recipient = Counter(r for rcpts, _ in received for r in rcpts)
        everyone = dict(Delivery.objects.values_list("recipient__email", "message_id"))
        expected = dict(Delivery.objects.exclude(self._held()).values_list("recipient__email", "message_id"))
        f.emails_expected = len(expected)
        f.emails_received = len(received)
        uncertain_ids = {e.details.get("message_id") for e in OrderEvent.objects.filter(kind="delivery_uncertain")}
        f.uncertain = OrderEvent.objects.filter(kind="delivery_uncertain").count()
        ids_by_recipient = {}
        for rcpts, message_id in received:
            for r in rcpts:
                ids_by_recipient.setdefault(r, []).append(message_id)
        for recipient, n in by_recipient.items():
            if n > 1:
                f.duplicates += n - 1
                if everyone.get(recipient) not in uncertain_ids:
                    f.duplicates_unexplained += n - 1
            if recipient not in everyone:
                f.problems.append(f"an e-mail to {recipient}, who is no recipient")
        for recipient, message_id in expected.items():
            if message_id not in ids_by_recipient.get(recipient, []):
                f.lost.append(recipient)
        if f.duplicates_unexplained:
            f.problems.append(f"{f.duplicates_unexplained} duplicate e-mail(s) outside the uncertain window")
        if f.lost:
            r = f.lost[0]
            f.problems.append(f"{len(f.lost)} e-mail(s) recorded sent but not received "
                              f"(e.g. {r} {expected[r]!r}, got {ids_by_recipient.get(r)!r})")

        if self.plan.issue:  # every stored document whole: read back and checked by its SHA-256
            from sealpost.documents.backup import verify_store

            for problem in verify_store():
                f.problems.append(f"document store: {problem}")
        for order in orders:
            order = Order.objects.get(pk=order.pk)
            if order.wes_reference and order.issued_documents.exists():
                self._expected_wes(order)
        inbox = disk.path / "inbox"
        renamed_to = Counter(new.rsplit("/", 1)[-1] for _, new in sftp.renames)
        f.wes_written_twice = sorted(n for n, c in renamed_to.items() if c > 1)
        f.wes_direct_writes = list(sftp.opened_final) + [
            new for old, new in sftp.renames if not old.endswith(".part")]  # renamed from anything but a .part
        f.wes_part_files = sorted(p.name for p in inbox.glob("*.part"))
        finals = {p.name: p for p in inbox.iterdir() if not p.name.endswith(".part")}
        f.wes_files = len(finals)
        for name, sha256 in self.expected_files.items():
            path = finals.get(name)
            if path is None or hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
                f.wes_bad_files.append(name)
        for name in finals:
            if name not in self.expected_files:
                f.wes_bad_files.append(name)
        for what, found in (("WES file(s) written twice", f.wes_written_twice),
                            ("WES file(s) written under the final name", f.wes_direct_writes),
                            ("WES final file(s) missing or not whole", f.wes_bad_files),
                            (".part file(s) left on the SFTP server", f.wes_part_files)):
            if found:
                f.problems.append(f"{len(found)} {what}: {', '.join(found[:5])}")
        for submission in WESSubmission.objects.all():
            listed = set(submission.files)
            if submission.state == WESSubmission.State.UPLOADED and not listed <= set(finals):
                f.problems.append(f"submission {submission.pk} lists files not on the server")


def main(argv=None) -> int:
    """Standalone: a database and data folder of its own (SQLite in a temporary folder) unless
    --database-url is given; prints the figures; exit status 1 when a check failed."""
    import argparse

    parser = argparse.ArgumentParser(prog="sealpost faults", description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=40)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--policy", choices=["resend", "hold"], default="resend")
    parser.add_argument("--database-url", default=None,
                        help="a database to use and OVERWRITE (a test database); default: SQLite in a temporary folder")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (worker log, files)")
    parser.add_argument("--issue", action="store_true",
                        help="start from paid orders: the worker issues (renders, signs, stores) them too")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1, 1_000_000)
    workdir = Path(tempfile.mkdtemp(prefix="sealpost-faults-"))
    data_dir = workdir / "data"
    database_url = args.database_url or f"sqlite:///{workdir / 'faults.sqlite3'}"
    os.environ["DATABASE_URL"] = database_url
    os.environ["SEALPOST_DATA_DIR"] = str(data_dir)
    os.environ.pop("SEALPOST_SMTP_URL", None)  # this process's own mail (order notices) stays local
    os.environ["DJANGO_SETTINGS_MODULE"] = "sealpost.settings"
    import logging

    import django

    django.setup()
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    from django.core.management import call_command

    if args.database_url:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)
    plan = Plan(orders=args.orders, kills=args.kills, seed=seed, policy=args.policy, issue=args.issue)
    print(f"fault run: seed {seed}, folder {workdir}")
    try:
        figures = Run(plan, workdir, database_url, data_dir).run()
    finally:
        if not args.keep:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    for line in figures.lines():
        print(line)
    return 0 if figures.ok else 1


if __name__ == "__main__":
    sys.exit(main())
