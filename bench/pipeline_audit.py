"""The pipeline harness (bench/pipeline.py): what it observes and how it judges a run. The SMTP
handler that records every message accepted, the watcher that notes when each WES file lands in
the SFTP inbox, the orders placed (OrderSpec), and the Pipeline's waiting, latencies, task times
and audit (the Audit mixin)."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path


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


class Audit:
    """Waiting for the orders and auditing them: the part of Pipeline that reads what arrived
    (``self.smtp``, ``self._watcher``, ``self.inbox``) and the database."""

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
