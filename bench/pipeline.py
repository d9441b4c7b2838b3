"""A reusable harness for benchmarks and fault tests of the whole pipeline: payment, issuance in
the worker, e-mail to every recipient, upload to WES.

Everything is real and local: an aiosmtpd SMTP server on 127.0.0.1 (an ephemeral port) that
records every message it accepts, the project's asyncssh SFTP stand-in for WES
(``sealpost.delivery.sftp_server.LocalSFTPServer``) on 127.0.0.1, and N worker subprocesses
(``python -m sealpost worker``). The harness creates students and orders and records payments in
its own process (through ``orders.services.place_order`` and ``payments.services.record_payment``,
as the desk would), then waits until every recipient has been e-mailed and every WES file has
arrived, and audits the result.

Isolation: a temporary folder holds the data folder (demo PKI, document store, font cache), the
SFTP root, the worker logs and, for SQLite, the database file; for PostgreSQL a fresh database
(``sealpost_bench`` by default) is created, and dropped at the end. The Django connection of the
calling process is pointed at that database for the life of the pipeline and given back
afterwards, so the installation's data are never touched. Call it from a process where Django is
set up (``sealpost bench NAME`` does that).

API (stable; used by bench/latency.py, bench/batch.py, bench/memory.py and the fault suite)::

    from pipeline import Pipeline          # bench/ on sys.path; or load the file by path

    with Pipeline(database="sqlite", workers=2) as p:   # or database="postgres"
        orders = p.create_orders(10, documents=2, recipients=(1, 4), wes_share=0.3)
        for spec in orders:
            p.pay(spec)                    # records the payment; spec.paid_at = time.time()
        p.wait(orders, timeout=120)        # True once every e-mail and WES file arrived
        report = p.audit(orders)           # dict; report["ok"] is the verdict
        p.latencies(orders)                # seconds from payment to the last e-mail / WES file

Constructor options: ``database`` ("sqlite" or "postgres"), ``workers`` (started at once; 0 to
start them later with ``start_workers(n)``), ``postgres_url`` (server and database name to use;
default ``$SEALPOST_BENCH_POSTGRES_URL`` or ``postgres://postgres@127.0.0.1:5432/sealpost_bench``;
the database is dropped and created, so never point it at real data), ``worker_args`` (extra
``sealpost worker`` arguments, e.g. ``["--interval", "1"]``), ``worker_env`` (extra environment
for the workers), ``students`` (how many generated students the orders are spread over),
``keep`` (leave the temporary folder, for a post-mortem; or SEALPOST_BENCH_KEEP=1).

Attributes while running: ``tmp`` (the temporary folder), ``data_dir``, ``inbox`` (the SFTP
folder WES files land in), ``database_url``, ``smtp`` (the recording handler: ``.messages``, a
list of ``Message(at, recipients, message_id, subject)``), ``sftp`` (the ``LocalSFTPServer``, with
its fault hooks), ``workers`` (the ``subprocess.Popen`` objects), ``worker_logs``.

Methods: ``start_workers(n)``, ``stop_workers(kill=False)``, ``kill_worker(i)`` (SIGKILL),
``create_orders(...)`` -> list of ``OrderSpec``, ``pay(spec)``, ``pay_all(specs)``,
``delivered(spec)`` (everything arrived?), ``finished_at(spec)`` (time.time() of the last arrival
or None), ``wait(specs, timeout)``, ``audit(specs, grace=1.0)``, ``latencies(specs)``,
``worker_log_problems()`` (lines saying "database is locked" or a traceback, per worker),
``task_times()`` (per task: count, failures, mean run time and mean wait in the queue).

The audit checks that every recipient got exactly one e-mail (by address; the Message-IDs are
distinct), that no e-mail went to an address the orders do not name, that every WES order has
exactly one file per document and one manifest (no second version), that each file's SHA-256
and size match its manifest, and that no partial (``.part``) file is left; it also counts the
issued documents in the database (exactly the documents ordered, none twice).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/sealpost_bench"
ROOT = Path(__file__).resolve().parent.parent
# Settings that would take signing away from the demo PKI and the local timestamp authority,
# or mail, tasks and WES away from the local stand-ins: never inherited by the workers.
CLEARED_ENV = ("SEALPOST_SIGNING_PKCS12", "SEALPOST_PKCS11_MODULE", "SEALPOST_TSA_URL", "SEALPOST_TRUST_ROOTS",
               "SEALPOST_SIGNATURE_LTA", "SEALPOST_REDIS_URL", "SEALPOST_S3_BUCKET", "SEALPOST_DEMO")
DOCUMENT_KINDS = [("transcript", "en"), ("degree_certificate", "zh"), ("transcript", "zh"),
                  ("enrollment_certificate", "en")]
SURNAMES = [("陳", "CHEN"), ("林", "LIN"), ("黃", "HUANG"), ("張", "CHANG"), ("李", "LEE"), ("王", "WANG"),
            ("吳", "WU"), ("劉", "LIU"), ("蔡", "TSAI"), ("楊", "YANG")]
GIVEN = [("大偉", "TA-WEI"), ("怡君", "YI-CHUN"), ("志明", "CHIH-MING"), ("淑芬", "SHU-FEN"), ("家豪", "CHIA-HAO"),
         ("雅婷", "YA-TING"), ("冠宇", "KUAN-YU"), ("佳穎", "CHIA-YING")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Message:
    at: float
    recipients: list[str]
    message_id: str
    subject: str


class RecordingHandler:
    """aiosmtpd handler: accepts every message and records when, for whom, and its Message-ID."""

    def __init__(self):
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes

        parsed = message_from_bytes(envelope.original_content or envelope.content)
        with self.lock:
            self.messages.append(Message(time.time(), [r.lower() for r in envelope.rcpt_tos],
                                         parsed.get("Message-ID", ""), parsed.get("Subject", "")))
        return "250 OK"

    def snapshot(self) -> list[Message]:
        with self.lock:
            return list(self.messages)


class InboxWatcher:
    """Notes when each final (non-.part) file first appears in the SFTP inbox."""

    def __init__(self, folder: Path, every: float = 0.02):
        self.folder, self.every = folder, every
        self.seen: dict[str, float] = {}
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="inbox-watcher")

    def _run(self):
        while not self.stop_event.is_set():
            self.scan()
            self.stop_event.wait(self.every)

    def scan(self):
        now = time.time()
        try:
            names = [e.name for e in os.scandir(self.folder)]
        except FileNotFoundError:
            return
        for name in names:
            if not name.endswith(".part") and name not in self.seen:
                self.seen[name] = now

    def start(self):
        self.thread.start()

    def stop(self):
        self.stop_event.set()
        self.thread.join(5)
        self.scan()


@dataclass
class OrderSpec:
    """An order the harness placed, and what should come of it."""

    order_id: int
    number: str
    documents: int
    recipients: list[str]
    wes_reference: str = ""
    paid_at: float | None = None
    payment_s: float | None = None  # how long record_payment took

    @property
    def wes(self) -> bool:
        return bool(self.wes_reference)


def traceback_errors(text: str) -> list[str]:
    """The exception line ("Type: message") ending each traceback in a log, for the report."""
    errors = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last)"):
            for later in lines[i + 1:]:
                if later and not later.startswith((" ", "\t", "Traceback", "During handling", "The above")):
                    errors.append(later[:200])
                    break
    return errors


class Pipeline:
    def __init__(self, *, database: str = "sqlite", workers: int = 1, postgres_url: str | None = None,
                 worker_args=(), worker_env: dict | None = None, students: int = 20, keep: bool = False,
                 log=None):
        if database not in ("sqlite", "postgres"):
            raise ValueError("database: sqlite or postgres")
        self.database = database
        self.n_workers = workers
        self.postgres_url = postgres_url or os.environ.get("SEALPOST_BENCH_POSTGRES_URL") or DEFAULT_POSTGRES_URL
        self.worker_args = list(worker_args)
        self.worker_env = dict(worker_env or {})
        self.n_students = students
        self.keep = keep or os.environ.get("SEALPOST_BENCH_KEEP", "") not in ("", "0")
        self.log = log or (lambda *a: print(*a, file=sys.stderr, flush=True))
        self.workers: list[subprocess.Popen] = []
        self.worker_logs: list[Path] = []
        self._students: list = []
        self._order_seq = 0
        self._saved_db = None
        self._overrides = None
        self.smtp = None
        self.sftp = None
        self._controller = None
        self._watcher = None
        self.tmp = None

    # --- life cycle ---------------------------------------------------------------------------

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self) -> None:
        from django.conf import settings
        from django.test.utils import override_settings

        for noisy in ("mail.log", "asyncssh", "asyncssh.sftp"):  # a line per SMTP command / SFTP request
            logging.getLogger(noisy).setLevel(logging.WARNING)
        self.tmp = Path(tempfile.mkdtemp(prefix="sealpost-pipeline-"))
        self.data_dir = self.tmp / "data"
        self.data_dir.mkdir()
        self._switch_database()
        self._overrides = override_settings(
            DATA_DIR=self.data_dir, MEDIA_ROOT=self.data_dir / "files",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",  # the harness's own mail (none expected)
            TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
            STORAGES={**settings.STORAGES, "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(self.data_dir / "store")}}},
            SIGNING_PKCS12=None, PKCS11_MODULE=None, TSA_URL=None, TRUST_ROOTS=None,
            WES_SFTP_URL=None, WES_SFTP_KEY=None, WES_KNOWN_HOSTS=None, DEMO=False,
        )
        self._overrides.enable()
        self._migrate()
        self._warm_data_dir()
        self._start_smtp()
        self._start_sftp()
        self._write_worker_settings()
        self._make_students(self.n_students)
        if self.n_workers:
            self.start_workers(self.n_workers)

    def stop(self) -> None:
        self.stop_workers()
        if self._watcher:
            self._watcher.stop()
            self._watcher = None
        if self._controller:
            self._controller.stop()
            self._controller = None
        if self.sftp:
            self.sftp.stop()
        if self._overrides:
            self._overrides.disable()
            self._overrides = None
        self._restore_database()
        if self.tmp and not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        elif self.tmp:
            self.log(f"kept {self.tmp}")

    # --- the database -------------------------------------------------------------------------

    def _switch_database(self) -> None:
        """Point this process's default connection at the bench database (created here)."""
        import dj_database_url
        from django.db import connections

        if self.database == "sqlite":
            self.database_url = f"sqlite:///{self.tmp / 'bench.sqlite3'}"
        else:
            self.database_url = self.postgres_url
            self._recreate_postgres()
        config = dj_database_url.parse(self.database_url, conn_max_age=0)
        if self.database == "sqlite":  # as sealpost/settings.py configures SQLite
            from django.conf import settings

            current = settings.DATABASES["default"]
            options = dict(current.get("OPTIONS", {})) if current["ENGINE"].endswith("sqlite3") else {}
            config["OPTIONS"] = options or {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
                "transaction_mode": "IMMEDIATE"}
        connections["default"].close()
        self._saved_db = connections.settings["default"]
        connections.settings["default"] = connections.configure_settings({"default": config})["default"]
        del connections["default"]

    def _restore_database(self) -> None:
        from django.db import connections

        if self._saved_db is None:
            return
        connections["default"].close()
        connections.settings["default"] = self._saved_db
        del connections["default"]
        self._saved_db = None
        if self.database == "postgres":
            self._drop_postgres()

    def _admin_connection(self):
        import psycopg
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(self.postgres_url)
        self._pg_name = parts.path.lstrip("/") or "sealpost_bench"
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", self._pg_name):
            raise ValueError(f"unusual database name {self._pg_name!r}")
        return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)

    def _recreate_postgres(self) -> None:
        with self._admin_connection() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self._pg_name}"')

    def _drop_postgres(self) -> None:
        try:
            with self._admin_connection() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)')
        except Exception as error:  # leave it; the next run drops it first
            self.log(f"could not drop {self._pg_name}: {error}")

    def _migrate(self) -> None:
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        self.log(f"migrated the {self.database} bench database in {time.perf_counter() - started:.1f} s")

    def _warm_data_dir(self) -> None:
        """Generate once what every worker would otherwise race to create: the demo PKI and the
        font-coverage cache in the data folder, the fee schedule in the database."""
        from sealpost.documents import fonts, pki, signing
        from sealpost.records.demo import ensure_document_fees

        signing.reset()
        fonts.covered_codepoints.cache_clear()
        pki.ensure_demo_pki()
        fonts.covered_codepoints()
        ensure_document_fees()

    # --- the SMTP and SFTP servers -----------------------------------------------------------------

    def _start_smtp(self) -> None:
        from aiosmtpd.controller import Controller

        self.smtp = RecordingHandler()
        self._controller = Controller(self.smtp, hostname="127.0.0.1", port=free_port())
        self._controller.start()
        self.smtp_port = self._controller.port

    def _start_sftp(self) -> None:
        import asyncssh

        from sealpost.delivery.sftp_server import LocalSFTPServer

        keys = self.tmp / "wes-keys"
        keys.mkdir()
        client_key = keys / "id_ed25519"
        key = asyncssh.generate_private_key("ssh-ed25519", comment="sealpost-bench")
        key.write_private_key(str(client_key))
        os.chmod(client_key, 0o600)
        key.write_public_key(str(client_key) + ".pub")
        root = self.tmp / "wes-sftp"
        self.inbox = root / "inbox"
        self.inbox.mkdir(parents=True)
        self.sftp = LocalSFTPServer(root, 0, authorized_key=Path(str(client_key) + ".pub"))
        host, port = self.sftp.start()
        known_hosts = keys / "known_hosts"
        known_hosts.write_text(self.sftp.host_key_line() + "\n")
        self.wes_env = {
            "SEALPOST_WES_SFTP_URL": f"sftp://{self.sftp.username}@{host}:{port}/inbox",
            "SEALPOST_WES_SFTP_KEY": str(client_key), "SEALPOST_WES_KNOWN_HOSTS": str(known_hosts),
        }
        self._watcher = InboxWatcher(self.inbox)
        self._watcher.start()

    def _write_worker_settings(self) -> None:
        # SEALPOST_SMTP_URL on a port other than 25 means STARTTLS; the local server speaks plain SMTP.
        (self.tmp / "bench_worker_settings.py").write_text(
            "from sealpost.settings import *  # noqa: F403\nEMAIL_USE_TLS = False\n")

    # --- workers ----------------------------------------------------------------------------------

    def worker_environment(self) -> dict:
        import secrets

        env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENV and not k.startswith("SEALPOST_WES_")}
        if not hasattr(self, "_secrets"):
            self._secrets = (secrets.token_urlsafe(48), secrets.token_urlsafe(48))
        env.update({
            "DATABASE_URL": self.database_url, "SEALPOST_DATA_DIR": str(self.data_dir),
            "SEALPOST_SECRET_KEY": self._secrets[0], "SEALPOST_ID_HASH_KEY": self._secrets[1],
            "SEALPOST_SMTP_URL": f"smtp://127.0.0.1:{self.smtp_port}", "SEALPOST_TASKS_BACKEND": "db",
            "SEALPOST_MAIL_FROM": "registrar@bench.example.edu", "SEALPOST_BASE_URL": "http://127.0.0.1:8000",
            "DJANGO_SETTINGS_MODULE": "bench_worker_settings", "SEALPOST_DEBUG": "0",
            "PYTHONPATH": os.pathsep.join(p for p in [str(self.tmp), str(ROOT), os.environ.get("PYTHONPATH", "")] if p),
            **self.wes_env, **self.worker_env,
        })
        return env

    def start_workers(self, n: int) -> None:
        env = self.worker_environment()
        for _ in range(n):
            i = len(self.workers)
            log = self.tmp / f"worker-{i}.log"
            with open(log, "ab") as out:
                self.workers.append(subprocess.Popen(
                    [sys.executable, "-m", "sealpost", "worker", *self.worker_args], env=env, cwd=ROOT,
                    stdout=out, stderr=subprocess.STDOUT))
            self.worker_logs.append(log)

    def stop_workers(self, kill: bool = False) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        for proc in self.workers:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        self.workers_stopped = list(self.workers)
        self.workers = []

    def kill_worker(self, i: int) -> None:
        self.workers[i].send_signal(signal.SIGKILL)
        self.workers[i].wait(10)

    def worker_log_problems(self) -> dict:
        problems = {}
        for log in self.worker_logs:
            text = log.read_text(errors="replace") if log.exists() else ""
            problems[log.name] = {"database_is_locked": text.count("database is locked"),
                                  "tracebacks": text.count("Traceback (most recent call last)"),
                                  "errors": dict(Counter(traceback_errors(text)).most_common(5))}
        return problems

    def wait_workers_ready(self, timeout: float = 60) -> None:
        """Until every worker has started its task loop (django-tasks logs "Starting worker")."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            dead = [p.args for p in self.workers if p.poll() is not None]
            if dead:
                raise RuntimeError(f"a worker exited: see {self.tmp}")
            if all(log.exists() and "Starting worker" in log.read_text(errors="replace") for log in self.worker_logs
                   if log in self.worker_logs[-len(self.workers):]):
                return
            time.sleep(0.1)
        raise TimeoutError("workers did not start")

    # --- students, orders, payments ---------------------------------------------------------------

    def _make_students(self, n: int) -> None:
        from sealpost.records import nationalid
        from sealpost.records.models import Course, Grade, Programme, Semester, Student, StudentStatus

        rng = random.Random(2026)
        courses = [Course.objects.get_or_create(code=f"BN{1000 + i}", defaults={
            "title_zh": f"專業課程{i}", "title_en": f"Professional Course {i}"})[0] for i in range(48)]
        for s in range(n):
            (sz, se), (gz, ge) = SURNAMES[s % len(SURNAMES)], GIVEN[(s // len(SURNAMES)) % len(GIVEN)]
            student = Student.objects.create(
                student_number=f"B1090{s:04d}", name_zh=sz + gz, name_en=f"{se}, {ge}",
                date_of_birth=datetime.date(2001, 1 + s % 12, 1 + s % 28),
                national_id_hash=nationalid.keyed_hash(nationalid.make_valid(f"A1{s:07d}")),
                department_zh="資訊工程學系", department_en="Department of Computer Science and Information Engineering",
                programme=Programme.BACHELOR, degree_zh="工學士", degree_en="Bachelor of Engineering",
                status=StudentStatus.GRADUATED, admitted_on=datetime.date(2019, 9, 1),
                graduated_on=datetime.date(2023, 6, 30))
            for t in range(8):  # 8 semesters of 6 courses: a two-page transcript
                semester = Semester.objects.create(student=student, academic_year=108 + t // 2, term=1 + t % 2)
                Grade.objects.bulk_create([
                    Grade(semester=semester, course=courses[t * 6 + c], credits=Decimal(3), score=rng.randint(60, 99),
                          passed=True) for c in range(6)])
            self._students.append(student)

    def create_orders(self, n: int, *, documents: int = 2, recipients=(1, 4), wes_share: float = 0.3,
                      seed: int = 7) -> list[OrderSpec]:
        """Place n orders (online, alumni) of ``documents`` documents each, for 1 to 4 recipients
        (an int or an inclusive (min, max) range), a share of them for WES (the reference in the
        first recipient's message). Recipient addresses are unique across the run."""
        from sealpost.orders import services as order_services

        rng = random.Random(seed + self._order_seq)
        low, high = (recipients, recipients) if isinstance(recipients, int) else recipients
        specs = []
        for _ in range(n):
            self._order_seq += 1
            k = self._order_seq
            student = self._students[k % len(self._students)]
            emails = [f"r{k}-{i}@bench{i % 3}.example.edu" for i in range(rng.randint(low, high))]
            wes_reference = f"{7000000 + k}" if rng.random() < wes_share else ""
            messages = [f"WES Reference No. {wes_reference}" if (i == 0 and wes_reference) else f"Application ID {k}-{i}"
                        for i in range(len(emails))]
            draft = order_services.Draft(
                applicant_type="alumnus", documents=DOCUMENT_KINDS[:documents], name_zh=student.name_zh,
                name_en=student.name_en, phone="0912345678", email=f"applicant{k}@alumni.example.edu",
                recipients=list(zip(emails, messages)), language="en")
            order = order_services.place_order(student=student, draft=draft)
            if wes_reference and order.wes_reference != wes_reference:
                raise RuntimeError(f"the WES reference was not recognised: {order.wes_reference!r}")
            specs.append(OrderSpec(order.pk, order.number, documents, [e.lower() for e in emails], order.wes_reference))
        return specs

    def pay(self, spec: OrderSpec) -> None:
        """Record the payment at the counter (as a clerk would); the worker then issues."""
        from sealpost.orders.models import Order
        from sealpost.payments.models import Method
        from sealpost.payments.services import record_payment

        order = Order.objects.get(pk=spec.order_id)
        spec.paid_at = time.time()
        record_payment(order, order.total, Method.COUNTER, f"BENCH-{spec.number}")
        spec.payment_s = time.time() - spec.paid_at

    def pay_all(self, specs) -> None:
        for spec in specs:
            self.pay(spec)

    # --- waiting and auditing -----------------------------------------------------------------------

    def _wes_files(self) -> dict[str, list[str]]:
        by_reference = defaultdict(list)
        for name in list(self._watcher.seen):
            by_reference[name.split("_", 1)[0]].append(name)
        return by_reference

    def _first_arrivals(self) -> dict[str, float]:
        """Address -> time.time() its first e-mail was accepted."""
        first: dict[str, float] = {}
        for m in self.smtp.snapshot():
            for r in m.recipients:
                if r not in first or m.at < first[r]:
                    first[r] = m.at
        return first

    def finished_at(self, spec: OrderSpec, arrivals=None, wes_files=None) -> float | None:
        """time.time() when the last of the order's e-mails or WES files arrived; None before.
        ``arrivals`` and ``wes_files`` (from _first_arrivals and _wes_files) save recomputing them
        when many orders are checked at once."""
        arrivals = arrivals if arrivals is not None else self._first_arrivals()
        times = []
        for email in spec.recipients:
            if email not in arrivals:
                return None
            times.append(arrivals[email])
        if spec.wes:
            names = (wes_files if wes_files is not None else self._wes_files()).get(spec.wes_reference, [])
            if len(names) < spec.documents + 1:
                return None
            times.extend(self._watcher.seen[n] for n in names)
        return max(times)

    def delivered(self, spec: OrderSpec) -> bool:
        return self.finished_at(spec) is not None

    def wait(self, specs, timeout: float = 600, every: float = 0.05) -> bool:
        """Until every order's e-mails and WES files have arrived (True), or the timeout (False)."""
        pending = list(specs)
        end = time.monotonic() + timeout
        warned = False
        while pending:
            arrivals, wes_files = self._first_arrivals(), self._wes_files()
            pending = [s for s in pending if self.finished_at(s, arrivals, wes_files) is None]
            if not pending or time.monotonic() >= end:
                break
            if not warned and any(p.poll() is not None for p in self.workers):
                warned = True
                self.log(f"a worker exited; logs in {self.tmp}")
            time.sleep(every)
        return not pending

    def finished_all(self, specs) -> list[float | None]:
        """finished_at for many orders at once."""
        arrivals, wes_files = self._first_arrivals(), self._wes_files()
        return [self.finished_at(s, arrivals, wes_files) for s in specs]

    def latencies(self, specs) -> list[float]:
        arrivals, wes_files = self._first_arrivals(), self._wes_files()
        out = []
        for spec in specs:
            done = self.finished_at(spec, arrivals, wes_files)
            if done is not None and spec.paid_at is not None:
                out.append(done - spec.paid_at)
        return out

    def task_times(self) -> dict:
        """Per task (its function name): how many ran, and the mean and total seconds they ran,
        and the mean wait in the queue, from the database queue's own records."""
        from django_tasks_db.models import DBTaskResult

        rows = DBTaskResult.objects.filter(finished_at__isnull=False).values_list(
            "task_path", "status", "enqueued_at", "started_at", "finished_at")
        by_task = defaultdict(lambda: {"count": 0, "failed": 0, "run_s": 0.0, "wait_s": 0.0})
        for path, status, enqueued, started, finished in rows:
            entry = by_task[path.rsplit(".", 1)[-1]]
            entry["count"] += 1
            entry["failed"] += status == "FAILED"
            entry["run_s"] += (finished - started).total_seconds()
            entry["wait_s"] += (started - enqueued).total_seconds()
        return {name: {"count": e["count"], "failed": e["failed"], "total_run_s": round(e["run_s"], 2),
                       "mean_run_ms": round(e["run_s"] * 1000 / e["count"], 1),
                       "mean_wait_ms": round(e["wait_s"] * 1000 / e["count"], 1)}
                for name, e in sorted(by_task.items())}

    def audit(self, specs, grace: float = 1.0) -> dict:
        """Wait ``grace`` seconds for stragglers (a second copy would arrive by then), then check
        everything. Answers counts and lists of problems; ``ok`` is True when there are none."""
        from sealpost.documents.models import Document

        time.sleep(grace)
        self._watcher.scan()
        messages = self.smtp.snapshot()
        per_address = Counter(r for m in messages for r in m.recipients)
        expected = {e for s in specs for e in s.recipients}
        missing = sorted(e for e in expected if per_address[e] == 0)
        twice = sorted(e for e in expected if per_address[e] > 1)
        unexpected = sorted(set(per_address) - expected)
        message_ids = Counter(m.message_id for m in messages)
        repeated_ids = sorted(i for i, c in message_ids.items() if c > 1)

        names = sorted(os.listdir(self.inbox))
        partial = [n for n in names if n.endswith(".part")]
        by_reference = defaultdict(list)
        for name in names:
            if not name.endswith(".part"):
                by_reference[name.split("_", 1)[0]].append(name)
        wes_problems = []
        wes_orders = [s for s in specs if s.wes]
        for spec in wes_orders:
            files = by_reference.pop(spec.wes_reference, [])
            manifests = [n for n in files if n.endswith("_manifest.json")]
            pdfs = [n for n in files if n.endswith(".pdf")]
            if len(manifests) != 1 or len(pdfs) != spec.documents or len(files) != spec.documents + 1:
                wes_problems.append(f"{spec.number}: {len(pdfs)} documents, {len(manifests)} manifests")
                continue
            manifest = json.loads((self.inbox / manifests[0]).read_text(encoding="utf-8"))
            listed = {f["name"]: f for f in manifest.get("files", [])}
            if set(listed) != set(pdfs):
                wes_problems.append(f"{spec.number}: the manifest lists other files")
                continue
            for name in pdfs:
                body = (self.inbox / name).read_bytes()
                if hashlib.sha256(body).hexdigest() != listed[name]["sha256"] or len(body) != listed[name]["size"]:
                    wes_problems.append(f"{spec.number}: {name} differs from its manifest (partial?)")
        stray_files = sorted(n for files in by_reference.values() for n in files)

        order_ids = [s.order_id for s in specs]
        documents = Document.objects.filter(order_id__in=order_ids)
        issued = documents.count()
        ordered = sum(s.documents for s in specs)
        per_order = Counter(documents.values_list("order_id", flat=True))
        wrong_count = sorted(s.number for s in specs if per_order[s.order_id] != s.documents)
        report = {
            "orders": len(specs),
            "recipients": len(expected),
            "emails_accepted": len(messages),
            "recipients_missing": len(missing),
            "recipients_emailed_twice": len(twice),
            "emails_to_unexpected_addresses": len(unexpected),
            "repeated_message_ids": len(repeated_ids),
            "wes_orders": len(wes_orders),
            "wes_files": sum(s.documents + 1 for s in wes_orders),
            "wes_problems": len(wes_problems),
            "partial_files": len(partial),
            "stray_files": len(stray_files),
            "documents_ordered": ordered,
            "documents_issued": issued,
            "orders_with_wrong_document_count": len(wrong_count),
        }
        report["ok"] = not (missing or twice or unexpected or repeated_ids or wes_problems or partial or stray_files
                            or wrong_count or issued != ordered)
        report["examples"] = {k: v[:5] for k, v in {
            "missing": missing, "twice": twice, "unexpected": unexpected, "wes": wes_problems, "partial": partial,
            "stray": stray_files, "wrong_document_count": wrong_count}.items() if v}
        return report


def percentile(values, p: float) -> float | None:
    """The p-th percentile (0-100), nearest rank."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]
