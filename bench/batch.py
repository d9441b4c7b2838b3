"""Batch: 5,000 orders (2 documents each, 1 to 4 recipients, 30% for WES) through the whole
pipeline, on the embedded default (SQLite, the database task queue, one worker per core), then on
PostgreSQL with 1 and 2 workers.

Issue text: "a batch of 5,000 orders through the whole pipeline: elapsed time, documents per
second, and the audit (nothing lost, nothing sent twice), on SQLite with one worker and on
PostgreSQL with 1 and 2 workers."

How: for each configuration a fresh pipeline (bench/pipeline.py: its own database, real SMTP
and SFTP stand-ins on 127.0.0.1, N ``sealpost worker`` subprocesses). The orders are placed
first (not timed); once the workers are up, every payment is recorded in a row, as a bank
reconciliation would, while the workers already issue; the clock runs from the first payment to
the last e-mail accepted or WES file renamed into place. Worker start-up (Python, Django, the
Typst compiler and the signer, loaded by the first task) is inside the time. Then the audit.

Size: ``--orders N`` or ``SEALPOST_BENCH_ORDERS`` (default 5,000; ``--quick`` 30), and which
configurations run: ``--configs sqlite-2,postgres-1,postgres-2`` or ``SEALPOST_BENCH_CONFIGS``
(any ``DATABASE-WORKERS``). PostgreSQL: ``SEALPOST_BENCH_POSTGRES_URL`` (default
``postgres://postgres@127.0.0.1:5432/sealpost_bench``; that database is dropped and created).

It writes an SVG plot of documents per second against the number of workers to
docs/images/performance/workers.svg.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pipeline  # noqa: E402

N_FULL, N_QUICK = 5000, 10
# The embedded default runs one worker per core (sealpost demo, SEALPOST_WORKERS).
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
CONFIGS = f"sqlite-{CORES},postgres-1,postgres-2"
SVG = pipeline.ROOT / "docs" / "images" / "performance" / "workers.svg"


def _configs(text: str) -> list[tuple[str, int]]:
    out = []
    for item in text.split(","):
        database, _, workers = item.strip().partition("-")
        if database not in ("sqlite", "postgres") or not workers.isdigit() or int(workers) < 1:
            raise ValueError(f"not a configuration: {item!r} (e.g. sqlite-1, postgres-2)")
        out.append((database, int(workers)))
    return out


def run_one(database: str, workers: int, n: int, quick: bool) -> dict:
    with pipeline.Pipeline(database=database, workers=workers, students=5 if quick else 50) as p:
        placing = time.perf_counter()
        specs = p.create_orders(n, documents=2, recipients=(1, 4), wes_share=0.3)
        placing = time.perf_counter() - placing
        p.wait_workers_ready()
        started = time.time()
        p.pay_all(specs)
        payments_s = time.time() - started
        complete = p.wait(specs, timeout=max(300.0, n * 2.0))
        finished = p.finished_all(specs)
        elapsed = (max(f for f in finished if f) - started) if any(finished) else None
        audit = p.audit(specs)
        problems = p.worker_log_problems()
        tasks = p.task_times()
    documents = sum(s.documents for s in specs)
    return {
        "database": database,
        "workers": workers,
        "orders": n,
        "documents": documents,
        "recipients": sum(len(s.recipients) for s in specs),
        "wes_orders": sum(s.wes for s in specs),
        "complete": complete,
        "placing_orders_s": placing,
        "recording_payments_s": payments_s,
        "elapsed_s": elapsed,
        "documents_per_second": documents / elapsed if elapsed else None,
        "orders_per_second": n / elapsed if elapsed else None,
        "audit": audit,
        "database_is_locked": sum(v["database_is_locked"] for v in problems.values()),
        "worker_tracebacks": sum(v["tracebacks"] for v in problems.values()),
        "worker_errors": dict(sum((Counter(v["errors"]) for v in problems.values()), Counter())),
        "tasks": tasks,
    }


def plot(results: list[dict], path: Path = SVG, note: str = "") -> None:
    """A small hand-written SVG (no plotting dependency): documents per second against workers,
    one line per database."""
    width, height, left, bottom, top, right = 480, 300, 60, 50, 40, 110
    points = [r for r in results if r.get("documents_per_second")]
    max_workers = max([r["workers"] for r in points] + [2])
    max_rate = max([r["documents_per_second"] for r in points] + [1.0]) * 1.15
    def x(w):
        return left + (w - 0.5) / max_workers * (width - left - right)
    def y(v):
        return height - bottom - v / max_rate * (height - top - bottom)
    colours = {"sqlite": "#1f77b4", "postgres": "#d62728"}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           'font-family="sans-serif" font-size="12">',
           f'<title>Documents per second against worker processes{note}</title>',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{width / 2 - 40}" y="20" text-anchor="middle" font-size="14">Throughput by worker processes{note}</text>',
           f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="black"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="black"/>',
           f'<text x="{(left + width - right) / 2}" y="{height - 12}" text-anchor="middle">worker processes</text>',
           f'<text x="16" y="{(top + height - bottom) / 2}" text-anchor="middle" '
           f'transform="rotate(-90 16 {(top + height - bottom) / 2})">documents per second</text>']
    for w in range(1, max_workers + 1):
        out.append(f'<text x="{x(w):.1f}" y="{height - bottom + 16}" text-anchor="middle">{w}</text>')
    for i in range(5):
        v = max_rate * i / 4
        out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.1f}</text>')
        out.append(f'<line x1="{left}" y1="{y(v):.1f}" x2="{width - right}" y2="{y(v):.1f}" stroke="#ddd"/>')
    for n, database in enumerate(sorted({r["database"] for r in points})):
        line = sorted((r["workers"], r["documents_per_second"]) for r in points if r["database"] == database)
        colour = colours.get(database, "black")
        if len(line) > 1:
            path_d = " ".join(f"{x(w):.1f},{y(v):.1f}" for w, v in line)
            out.append(f'<polyline points="{path_d}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for w, v in line:
            out.append(f'<circle cx="{x(w):.1f}" cy="{y(v):.1f}" r="4" fill="{colour}"/>')
            out.append(f'<text x="{x(w) + 7:.1f}" y="{y(v) - 7:.1f}" fill="{colour}">{v:.1f}</text>')
        out.append(f'<rect x="{width - right + 12}" y="{top + 20 * n}" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{width - right + 30}" y="{top + 20 * n + 11}">{"SQLite" if database == "sqlite" else "PostgreSQL"}</text>')
    out.append("</svg>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def run(quick: bool, orders: int | None = None, configs: str | None = None) -> dict:
    n = orders or int(os.environ.get("SEALPOST_BENCH_ORDERS") or (N_QUICK if quick else N_FULL))
    chosen = _configs(configs or os.environ.get("SEALPOST_BENCH_CONFIGS") or CONFIGS)
    results = {}
    for database, workers in chosen:
        print(f"batch: {n} orders on {database} with {workers} worker(s) ...", file=sys.stderr, flush=True)
        results[f"{database}-{workers}"] = run_one(database, workers, n, quick)
    # The plot in the docs is redrawn by full runs only (a quick run's figures are start-up noise).
    if not quick:
        plot(list(results.values()), note=f" ({n} orders)")
    return {
        "orders": n,
        "configurations": results,
        "all_ok": all(r["audit"]["ok"] and r["complete"] for r in results.values()),
        "plot": None if quick else str(SVG.relative_to(pipeline.ROOT)),
    }
