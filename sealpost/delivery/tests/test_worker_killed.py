"""A worker killed (SIGKILL) in the middle of a batch, and another started after it: every
recipient still gets exactly one e-mail.

The worker is a real `python -m sealpost worker` subprocess, so it needs a database it can
open: on SQLite a database file of this test's own (migrated by `sealpost migrate`, and made
the default connection of this process for the test's duration; the test database is a
shared in-memory one no other process sees); on PostgreSQL the test database itself. The mail
server is a real aiosmtpd on 127.0.0.1 that takes SLOW seconds to accept each message, so that
the worker can be killed while it is sending one: a message whose sender vanished before the
server's "250 OK" is not kept (aiosmtpd cancels the handler), as a mail server does."""

import asyncio
import email
import email.policy
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend
from django.utils import timezone

from sealpost.delivery import services
from sealpost.delivery.models import Delivery
from sealpost.documents import storage
from sealpost.documents.models import Document, DocumentFile
from sealpost.orders import services as order_services
from sealpost.orders.models import Order, Status
from sealpost.testing import free_port

pytestmark = pytest.mark.django_db(transaction=True)

RECIPIENTS = 6
SLOW = 0.5  # seconds the server takes to accept each message
LEASE = 3  # seconds: DELIVERY_LEASE_SECONDS of both workers
ROOT = Path(__file__).resolve().parents[3]


class SlowMailbox:
    def __init__(self):
        self.messages = []
        self.in_flight = {}  # DATA commands being accepted: id -> when they began
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        key = object()
        with self.lock:
            self.in_flight[key] = time.monotonic()
        try:
            await asyncio.sleep(SLOW)  # cancelled when the client is gone: the message is not kept
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            with self.lock:
                self.messages.append((tuple(envelope.rcpt_tos), message["Message-ID"]))
            return "250 OK"
        finally:
            with self.lock:
                self.in_flight.pop(key, None)

    def snapshot(self):
        with self.lock:
            return list(self.messages), list(self.in_flight.values())


@pytest.fixture
def slow_smtp():
    mailbox = SlowMailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


def run(args, env, **kwargs):
    return subprocess.run([sys.executable, "-m", "sealpost", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120, **kwargs)


@pytest.fixture
def shared_db(tmp_path, transactional_db):
    """Answers the DATABASE_URL of a database this process and a worker subprocess both use
    (the default connection, for this test)."""
    current = connections[DEFAULT_DB_ALIAS]
    if current.vendor == "postgresql":
        s = current.settings_dict
        yield f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"
        return
    if current.vendor != "sqlite":
        pytest.skip(f"no subprocess-visible test database on {current.vendor}")
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "SEALPOST_DATA_DIR": str(tmp_path / "data")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    migrated = run(["migrate", "--noinput", "-v", "0"], env)
    assert migrated.returncode == 0, migrated.stderr
    wrapper = load_backend(current.settings_dict["ENGINE"]).DatabaseWrapper(
        {**current.settings_dict, "NAME": str(tmp_path / "shared.sqlite3")}, DEFAULT_DB_ALIAS)
    connections[DEFAULT_DB_ALIAS] = wrapper
    try:
        yield url
    finally:
        wrapper.close()
        connections[DEFAULT_DB_ALIAS] = current  # the in-memory test database, left open


def make_order(make_user, make_student):
    applicant = make_user(student=make_student(), email="ta-wei.chen@example.com")
    draft = order_services.Draft(
        applicant_type="alumnus", documents=[("transcript", "en")], name_en="CHEN, TA-WEI", name_zh="陳大偉",
        phone="0912345678", email=applicant.email,
        recipients=[(f"admissions{i}@school{i}.example.org", f"ref {i}") for i in range(1, RECIPIENTS + 1)],
    )
    order = order_services.place_order(student=applicant.student, draft=draft, applicant=applicant)
    Order.objects.filter(pk=order.pk).update(status=Status.ISSUED)
    order.refresh_from_db()
    data = f"%PDF-1.7 stand-in transcript {order.number}".encode()
    document = Document.objects.create(order=order, student=order.student, document_type="transcript",
                                       language="en", holder_name_en=order.name_en, holder_name_zh=order.name_zh,
                                       issued_at=timezone.now())
    DocumentFile.objects.create(document=document, sha256=storage.put(data), size=len(data))
    return order


def worker(env, log, *args):
    """A worker subprocess, its output in the file `log` (a pipe nobody reads could fill up)."""
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "sealpost", "worker", *args], env=env, cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT)


def wait_for(condition, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def test_a_worker_killed_mid_batch_and_a_new_one_send_each_email_once(
        shared_db, slow_smtp, make_user, make_student, settings, tmp_path, django_capture_on_commit_callbacks):
    controller, mailbox = slow_smtp
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.MAIL_FROM = "registrar@ndu.example.edu"
    order = make_order(make_user, make_student)
    with django_capture_on_commit_callbacks(execute=True):
        deliveries = services.schedule_delivery(order)
    assert len(deliveries) == RECIPIENTS
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(status="READY").count() == RECIPIENTS
    expected = {d.recipient.email: d.message_id for d in deliveries}

    # SEALPOST_SMTP_URL on a port other than 25 means STARTTLS; this server speaks plain SMTP.
    (tmp_path / "worker_settings.py").write_text("from sealpost.settings import *  # noqa\nEMAIL_USE_TLS = False\n")
    env = {
        **os.environ, "DATABASE_URL": shared_db, "SEALPOST_DATA_DIR": str(tmp_path / "data"),
        "SEALPOST_SMTP_URL": f"smtp://127.0.0.1:{controller.port}", "SEALPOST_MAIL_FROM": settings.MAIL_FROM,
        "SEALPOST_DELIVERY_LEASE_SECONDS": str(LEASE), "SEALPOST_TASKS_BACKEND": "db",
        "DJANGO_SETTINGS_MODULE": "worker_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }

    first = worker(env, tmp_path / "worker1.log")
    try:
        # Killed while the server is accepting a message, after at least one was accepted.
        def mid_send():
            received, in_flight = mailbox.snapshot()
            return 1 <= len(received) < RECIPIENTS and any(time.monotonic() - t > SLOW / 4 for t in in_flight)

        wait_for(mid_send, 30, "the first worker to be sending")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    received, _ = mailbox.snapshot()
    assert 1 <= len(received) < RECIPIENTS
    states = dict(Delivery.objects.values_list("recipient__email", "state"))
    assert list(states.values()).count(Delivery.State.SENDING) == 1  # left claimed by the dead worker
    assert list(states.values()).count(Delivery.State.SENT) == len(received)

    second = worker(env, tmp_path / "worker2.log", "--sweep-every", "0.5")
    try:
        wait_for(lambda: Delivery.objects.filter(state=Delivery.State.SENT).count() == RECIPIENTS, 30,
                 "the second worker to send the rest")
        time.sleep(LEASE + 1)  # anything sent twice would be sent by now: a lease, a sweep
    finally:
        second.terminate()
        try:
            second.wait(15)
        except subprocess.TimeoutExpired:
            second.kill()
            second.wait(5)

    received, _ = mailbox.snapshot()
    by_recipient, by_message_id = {}, {}
    for rcpts, message_id in received:
        for rcpt in rcpts:
            by_recipient[rcpt] = by_recipient.get(rcpt, 0) + 1
        by_message_id[message_id] = by_message_id.get(message_id, 0) + 1
    assert by_recipient == {email: 1 for email in expected}
    assert by_message_id == {message_id: 1 for message_id in expected.values()}
    retried = Delivery.objects.filter(attempts=2)
    assert retried.count() == 1  # the one the dead worker was sending, taken over after its lease
    order.refresh_from_db()
    assert order.status == Status.DELIVERED
