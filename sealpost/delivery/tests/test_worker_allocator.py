"""The worker started as a command runs with jemalloc where the system has it (about 8 ms less
CPU per document: docs/performance.md), and can be told not to."""

import os
import subprocess
import sys

import pytest

from sealpost.delivery.management.commands.worker import JEMALLOC

pytestmark = pytest.mark.django_db(transaction=True)
installed = any(os.path.exists(path) for path in JEMALLOC)


def start_worker(**env):
    from django.conf import settings

    environment = dict(os.environ, **env)
    environment.pop("LD_PRELOAD", None)
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        pytest.skip("the test database of SQLite is in memory: a worker process cannot share it")
    environment["DATABASE_URL"] = (f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
                                   f"{database['PORT'] or 5432}/{database['NAME']}")
    out = subprocess.run([sys.executable, "-m", "sealpost", "worker", "--batch", "-v", "2"], env=environment,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.mark.skipif(not installed, reason="jemalloc is not installed (Debian: libjemalloc2)")
def test_worker_runs_with_jemalloc():
    assert "memory allocator: jemalloc" in start_worker()


def test_worker_can_be_told_to_keep_the_system_allocator():
    assert "memory allocator: system" in start_worker(SEALPOST_JEMALLOC="off")
