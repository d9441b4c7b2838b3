"""A reusable harness for benchmarks and fault tests of the whole pipeline: payment, issuance in
the worker, e-mail to every recipient, upload to WES.

Everything is real and local: an aiosmtpd SMTP server on 127.0.0.1 (an ephemeral port) that
records every message it accepts, the project's asyncssh SFTP stand-in for WES
(``sealpost.testing.sftp.FaultySFTPServer``, the demo's with test hooks) on 127.0.0.1, and N worker subprocesses
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
list of ``Message(at, recipients, message_id, subject)``), ``sftp`` (the ``FaultySFTPServer``, with
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

The waiting and the audit, and what they observe (the recording SMTP handler, the inbox
watcher), are in bench/pipeline_audit.py.
"""

from __future__ import annotations

import datetime
import logging
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # pipeline_audit, however this file is loaded
from pipeline_audit import Audit, InboxWatcher, OrderSpec, RecordingHandler, traceback_errors  # noqa: E402

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


class Pipeline(Audit):
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
        from sealpost.documents import fonts, keys, pki
        from sealpost.demo.school import ensure_document_fees

        keys.reset()
        fonts.covered_codepoints.cache_clear()
        pki.ensure_demo_pki()
        fonts.covered_codepoints()
        ensure_document_fees()

    # --- the SMTP and SFTP servers -----------------------------------------------------------------

    def _start_smtp(self) -> None:
        from aiosmtpd.controller import Controller

        from sealpost.testing import free_port

        self.smtp = RecordingHandler()
        self._controller = Controller(self.smtp, hostname="127.0.0.1", port=free_port())
        self._controller.start()
        self.smtp_port = self._controller.port

    def _start_sftp(self) -> None:
        import asyncssh

        from sealpost.testing.sftp import FaultySFTPServer

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
        self.sftp = FaultySFTPServer(root, 0, authorized_key=Path(str(client_key) + ".pub"))
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
