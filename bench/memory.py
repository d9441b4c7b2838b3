"""Memory: the resident set size of one worker while it issues 10,000 documents.

Issue text: "worker RSS while a worker issues 10,000 documents: flat, <= 400 MB."

How: the pipeline harness (bench/pipeline.py) with one ``sealpost worker`` subprocess, on SQLite
by default (``--database postgres`` for PostgreSQL). 5,000 orders of 2 documents for one
recipient each (no WES: the e-mails are the cheap part) are placed, then paid in a row; the
worker issues and e-mails them all while psutil samples its RSS (with its children's, if any)
every SAMPLE_EVERY seconds, with the number of documents issued so far. Reported: RSS at start
(after the first document: Python, Django, Typst, fonts and the signer loaded), the maximum,
at the end, and the slope in MB per 1,000 documents over the second half of the run (a leak
shows there; the first half includes warming caches). ``--orders`` sets the number of orders
(``--quick``: 50, 100 documents).
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pipeline  # noqa: E402

N_FULL, N_QUICK = 5000, 50  # orders of 2 documents: 10,000 and 100 documents
SAMPLE_EVERY = 0.5
TARGET_MB = 400


def _rss(process) -> int:
    import psutil

    total = process.memory_info().rss
    for child in process.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.Error:
            pass
    return total


def _slope(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of MB against documents, in MB per 1,000 documents."""
    if len(points) < 3 or len({d for d, _ in points}) < 2:
        return None
    xs, ys = [d for d, _ in points], [m for _, m in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx * 1000 if sxx else None


def run(quick: bool, orders: int | None = None, database: str | None = None) -> dict:
    import psutil

    from sealpost.documents.models import Document

    n = orders or (N_QUICK if quick else N_FULL)
    database = database or "sqlite"
    samples: list[tuple[float, int, float]] = []  # (seconds, documents issued, MB)
    with pipeline.Pipeline(database=database, workers=1, students=5 if quick else 50) as p:
        specs = p.create_orders(n, documents=2, recipients=1, wes_share=0.0)
        p.wait_workers_ready()
        worker = psutil.Process(p.workers[0].pid)
        stop = threading.Event()
        counts = {"documents": 0}

        def sample():  # in its own thread, with its own database connection
            from django.db import connection

            t0 = time.monotonic()
            try:
                while not stop.is_set():
                    counts["documents"] = Document.objects.count()  # a fresh database: every document is ours
                    try:
                        samples.append((time.monotonic() - t0, counts["documents"], _rss(worker) / 2**20))
                    except psutil.Error:
                        return
                    stop.wait(SAMPLE_EVERY)
            finally:
                connection.close()

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.monotonic()
        p.pay_all(specs)
        end = time.monotonic() + max(300.0, n * 4.0)
        while time.monotonic() < end:
            if counts["documents"] >= 2 * n and p.wait(specs, timeout=0):
                break
            time.sleep(1.0)
        elapsed = time.monotonic() - started
        time.sleep(SAMPLE_EVERY * 2)
        stop.set()
        sampler.join(5)
        audit = p.audit(specs)
    issued = [(d, mb) for _, d, mb in samples if d > 0]
    start_mb = issued[0][1] if issued else None
    second_half = [(d, mb) for d, mb in issued if d >= n]  # documents n .. 2n of 2n
    peak = max(mb for _, _, mb in samples) if samples else None
    return {
        "orders": n,
        "documents": 2 * n,
        "database": database,
        "elapsed_s": elapsed,
        "samples": len(samples),
        "rss_mb": {
            "before_first_document": samples[0][2] if samples else None,
            "start": start_mb,
            "max": peak,
            "end": samples[-1][2] if samples else None,
            "slope_mb_per_1000_documents": _slope(issued),
            "slope_second_half_mb_per_1000_documents": _slope(second_half),
        },
        "curve": [{"documents": d, "mb": round(mb, 1)} for d, mb in issued[:: max(1, len(issued) // 20)]],
        "audit": audit,
        "target": {"max_mb": TARGET_MB, "met": peak is not None and peak <= TARGET_MB},
    }
