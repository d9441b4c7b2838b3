"""``sealpost bench NAME [--quick] [options]``: run the benchmark ``bench/NAME.py`` of the source
tree.

A benchmark is a module with ``run(quick: bool, **options) -> dict``; it sets up (and tears
down) whatever it needs, without touching the installation's data. This command prints the
figures it returns and writes them, with a description of the machine, to
``bench/results/NAME-TIMESTAMP.json``. Benchmarks are not part of the test suite.

The options below are passed to ``run`` when given and when its signature takes them (a
benchmark ignores nothing silently: an option it does not take is an error). ``bench/`` is on
``sys.path`` while it runs, so benchmarks can share helpers (``bench/pipeline.py``).
"""

import datetime
import importlib.util
import inspect
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sealpost.config import BASE_DIR

BENCH_DIR = BASE_DIR / "bench"


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _memory_bytes() -> int | None:
    try:
        match = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
        return int(match.group(1)) * 1024 if match else None
    except OSError:
        return None


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def machine() -> dict:
    memory = _memory_bytes()
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_bytes": memory,
        "memory_gib": round(memory / 2**30, 1) if memory else None,
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "git_commit": _git_commit(),
    }


class Command(BaseCommand):
    help = "Run a benchmark from bench/ and record its figures in bench/results/."
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("name", help="The benchmark: bench/NAME.py (e.g. issuance).")
        parser.add_argument("--quick", action="store_true", help="Fewer iterations (a smoke run).")
        parser.add_argument("--database-url", metavar="URL",
                            help="A PostgreSQL server to run on as well (web); the benchmark creates and drops a "
                                 "database of its own there.")
        parser.add_argument("--orders", type=int, help="How many orders (latency, batch, memory).")
        parser.add_argument("--configs", help="Which configurations, comma-separated (batch: sqlite-1,postgres-1,postgres-2).")
        parser.add_argument("--database", choices=["sqlite", "postgres"], help="The database (latency, memory).")
        parser.add_argument("--workers", type=int, help="How many worker processes (latency).")
        parser.add_argument("--interval", type=float, help="The workers' polling interval in seconds (latency).")

    def handle(self, name, quick, **options):
        wanted = {k: options[k] for k in ("orders", "configs", "database", "workers", "interval", "database_url")
                  if options.get(k) is not None}  # fmt: skip
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise CommandError(f"not a benchmark name: {name!r}")
        path = BENCH_DIR / f"{name}.py"
        if not path.is_file():
            available = sorted(p.stem for p in BENCH_DIR.glob("[a-z]*.py")) if BENCH_DIR.is_dir() else []
            raise CommandError(f"no benchmark {path} (available: {', '.join(available) or 'none'})")
        spec = importlib.util.spec_from_file_location(f"sealpost_bench_{name}", path)
        module = importlib.util.module_from_spec(spec)
        if str(BENCH_DIR) not in sys.path:
            sys.path.insert(0, str(BENCH_DIR))
        spec.loader.exec_module(module)
        accepted = inspect.signature(module.run).parameters
        refused = [k for k in wanted if k not in accepted]
        if refused:
            raise CommandError(f"the {name} benchmark takes no {', '.join('--' + k for k in refused)}")

        started = datetime.datetime.now(datetime.timezone.utc)
        figures = module.run(quick=quick, **wanted)
        result = {
            "benchmark": name,
            "quick": quick,
            "options": wanted,
            "started_at": started.isoformat(timespec="seconds"),
            "machine": machine(),
            "figures": figures,
        }
        self.stdout.write(f"{name}{' (quick)' if quick else ''}")
        self._print(figures, indent="  ")
        results = BENCH_DIR / "results"
        results.mkdir(parents=True, exist_ok=True)
        out = results / f"{name}-{started.strftime('%Y%m%dT%H%M%SZ')}{'-quick' if quick else ''}.json"
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
        self.stdout.write(f"written to {out}")

    def _print(self, value, indent):
        for key, item in value.items():
            if isinstance(item, dict):
                self.stdout.write(f"{indent}{key}:")
                self._print(item, indent + "  ")
            else:
                if isinstance(item, float):
                    item = f"{item:.2f}"
                elif item is None:
                    item = "—"
                elif isinstance(item, bool):
                    item = "yes" if item else "no"
                self.stdout.write(f"{indent}{key}: {item}")
