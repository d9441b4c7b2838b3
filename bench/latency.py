"""Latency: from a payment being recorded to every recipient's e-mail accepted by the local SMTP
server and the WES files on the local SFTP server.

Issue text: "from a payment being recorded to every recipient's e-mail accepted and the WES
files uploaded: p50 and p95 over 100 orders. Target: p95 <= 5 s."

How: the pipeline harness (bench/pipeline.py): a fresh database (SQLite file by default, or a
fresh PostgreSQL database with ``--database postgres``), the real SMTP and SFTP stand-ins on
127.0.0.1, one ``sealpost worker`` subprocess (``--workers``). Orders of 2 documents for 1 to 4
recipients, 30% for WES, are placed beforehand; then, one at a time with the worker idle, a
payment is recorded and the clock runs until the last of that order's e-mails is accepted and,
for a WES order, the last of its files (documents and manifest) has its final name on the SFTP
server. The time to record the payment itself (what the clerk waits for) is reported apart.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pipeline  # noqa: E402
from pipeline_audit import percentile  # noqa: E402

N_FULL, N_QUICK = 100, 10
TARGET_P95_S = 5.0


def run(quick: bool, orders: int | None = None, database: str | None = None, workers: int | None = None,
        interval: float | None = None) -> dict:
    """``interval``: the workers' polling interval (``sealpost worker --interval``; its default
    when None), to compare."""
    n = orders or (N_QUICK if quick else N_FULL)
    database, workers = database or "sqlite", workers or 1
    worker_args = ["--interval", str(interval)] if interval is not None else []
    with pipeline.Pipeline(database=database, workers=workers, worker_args=worker_args) as p:
        specs = p.create_orders(n, documents=2, recipients=(1, 4), wes_share=0.3)
        p.wait_workers_ready()
        warm = p.create_orders(1, documents=2, recipients=1, wes_share=1.0, seed=99)
        p.pay(warm[0])  # the first order loads the compiler and the signer in the worker
        if not p.wait(warm, timeout=120):
            raise RuntimeError(f"the warm-up order did not arrive; logs in {p.tmp}")
        timed_out = 0
        for spec in specs:
            p.pay(spec)
            if not p.wait([spec], timeout=60, every=0.01):
                timed_out += 1
        audit = p.audit(specs + warm)
        latencies = p.latencies(specs)
        wes = p.latencies([s for s in specs if s.wes])
        payment_ms = [s.payment_s * 1000 for s in specs]
        problems = p.worker_log_problems()
        tasks = p.task_times()
    p95 = percentile(latencies, 95)
    return {
        "orders": n,
        "database": database,
        "workers": workers,
        "worker_poll_interval_s": interval if interval is not None else "default",
        "wes_orders": sum(s.wes for s in specs),
        "recipients": sum(len(s.recipients) for s in specs),
        "timed_out": timed_out,
        "latency_s": {
            "p50": percentile(latencies, 50),
            "p95": p95,
            "max": max(latencies) if latencies else None,
            "mean": statistics.fmean(latencies) if latencies else None,
        },
        "latency_wes_orders_s": {"p50": percentile(wes, 50), "p95": percentile(wes, 95)},
        "record_payment_ms": {"p50": percentile(payment_ms, 50), "p95": percentile(payment_ms, 95)},
        "audit": audit,
        "worker_logs": problems,
        "tasks": tasks,
        "target": {"p95_s": TARGET_P95_S, "met": p95 is not None and p95 <= TARGET_P95_S and not timed_out},
    }
