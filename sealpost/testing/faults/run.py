"""One fault run: orders released into the real pipeline (a worker subprocess, the SMTP and SFTP
servers) while faults are injected on a timeline; then the checks (checks.py)."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sealpost.testing.disk import SmallDisk
from sealpost.testing.faults.checks import Checks
from sealpost.testing.faults.plan import Figures, Plan
from sealpost.testing.smtp import CountingMailbox, SMTPServer

ROOT = Path(__file__).resolve().parents[3]


WORKER_SETTINGS = """from sealpost.settings import *  # noqa
EMAIL_USE_TLS = False  # the test SMTP server speaks plain SMTP on a port other than 25
EMAIL_TIMEOUT = 5
DELIVERY_BACKOFF_SECONDS = 1
DELIVERY_BACKOFF_MAX_SECONDS = 4
DELIVERY_MAX_ATTEMPTS = 100
WES_MAX_ATTEMPTS = 100
WES_LEASE_SECONDS = {lease}
{store}"""


class Run(Checks):
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
        from sealpost.testing.sftp import FaultySFTPServer

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
        sftp = FaultySFTPServer(disk.path, authorized_key=public)
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
                        from sealpost.issuance.tasks import issue_order_task

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
