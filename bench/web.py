"""Web: the production server under 50 concurrent clients.

Issue text: "the order form (signed-in applicant), the order page, and a verification lookup,
under 50 concurrent clients with wrk against the production server configuration: p50, p95,
requests per second, no non-2xx answer. Target: p95 <= 100 ms; verification >= 300 requests/s
on 2 cores."

What is measured: ``sealpost serve`` (gunicorn gthread workers, WhiteNoise, DEBUG off: the
production configuration, docs/operations.md) with its default workers and threads for this
machine, on 127.0.0.1 at a port the kernel chooses, in a temporary data folder with a fresh
database filled by the demo (``create_demo_school``; the demo alumnus's first order paid and
issued, which gives the order page its documents and deliveries and verification a real
document). wrk (Debian package ``wrk``) keeps 50 connections busy on each page in turn, after a
warm-up:

    order form          GET /orders/new/ as the demo alumnus (session cookie)
    order page          GET /orders/<number>/ of the alumnus's issued order (same cookie)
    verification        GET /verify/<code>/ of the issued document (no cookie)

The session is made by signing the alumnus in programmatically (``Client.force_login``, which
writes the session to the database like a real sign-in) and handed to wrk in a Cookie header.
A Lua script counts every answer whose status is not 2xx (wrk itself only counts >= 400) and
reports p50/p90/p95/p99 from wrk's latency histogram. The access log goes to a file, as in
production. wrk runs on the same machine, so it takes some of the CPU it measures.

The database: SQLite in the temporary folder; and, when a PostgreSQL URL is given
(``sealpost bench web --database-url postgres://USER@HOST:5432/NAME``, or DATABASE_URL is a
PostgreSQL URL), a second round on a fresh database ``NAME_bench_web`` on that server, created
and dropped by the benchmark. The installation's data are never touched.

Besides wrk's figures, each page records the server's CPU milliseconds per request (master and
workers, from /proc, over the requests its access log shows) and the rate that cost allows on
this machine's cores: figures that hold when other processes share the machine, which wrk's
latencies do not. The per-address rate limit of verification is raised for the run: wrk's 50
connections all come from 127.0.0.1, where the public comes from many addresses; the requests
are still counted, so the counting's cost is in the figures.

--quick: 4 s per page (1 s warm-up), under a minute in all; the full run 30 s per page.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

CONNECTIONS = 50
TARGET_P95_MS = 100.0
TARGET_VERIFY_RPS = 300.0
QUICK = {"duration_s": 4, "warmup_s": 1}
FULL = {"duration_s": 30, "warmup_s": 5}
ROOT = Path(__file__).resolve().parent.parent
PAGES = ("order_form", "order_page", "verification")

# Settings from the environment that would point the server away from its temporary folder.
DROPPED_ENV = re.compile(
    r"^(DATABASE_URL|SEALPOST_(DATA_DIR|BASE_URL|DEBUG|DEMO|SIGNING_.*|PKCS11_.*|TSA_URL|TRUST_ROOTS|S3_.*|SMTP_URL|"
    r"WES_.*|BIND|ACCESS_LOG|TASKS_BACKEND|BENCH_.*|RATELIMIT_.*))$"
)

LUA = textwrap.dedent("""\
    -- Count every answer that is not 2xx (wrk's own count only covers >= 400) and report the
    -- figures as one JSON line.
    local threads = {}
    function setup(thread) table.insert(threads, thread) end
    function init(args) non2xx = 0 end
    function response(status, headers, body)
      if status < 200 or status > 299 then non2xx = non2xx + 1 end
    end
    function done(summary, latency, requests)
      local n = 0
      for _, t in ipairs(threads) do n = n + t:get("non2xx") end
      local e = summary.errors
      io.write(string.format(
        'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"non2xx":%d,' ..
        '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
        '"latency_us":{"mean":%.1f,"stdev":%.1f,"max":%d,"p50":%d,"p90":%d,"p95":%d,"p99":%d}}\\n',
        summary.requests, summary.duration, summary.bytes, n,
        e.connect, e.read, e.write, e.status, e.timeout,
        latency.mean, latency.stdev, latency.max,
        latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99)))
    end
""")

# Run in a subprocess with the benchmark's environment: fill the fresh database and answer
# what the load needs (one JSON line).
SETUP = textwrap.dedent("""\
    import json, os, sys
    import django
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sealpost.settings")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    call_command("migrate", interactive=False, verbosity=0, skip_checks=True)
    from sealpost.demo.school import APPLICANT_EMAILS, create_demo_school
    create_demo_school()
    from sealpost.demo.management.commands.demo import issued_sample
    issued_sample()  # pays the demo alumnus's first order; the worker below issues it
    call_command("worker", batch=True, skip_checks=True)
    from sealpost.accounts.models import User
    from sealpost.documents.models import Document
    user = User.objects.get(email=APPLICANT_EMAILS[0])
    document = Document.objects.filter(order__applicant=user).order_by("id").first()
    if document is None:
        sys.exit("no document was issued for the demo alumnus")
    client = Client()
    client.force_login(user)
    print("SETUPJSON " + json.dumps({
        "cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
        "order": document.order.number,
        "code": document.verification_code,
        "documents": Document.objects.count(),
    }))
""")


def _wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"], check=True, env=env,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        path = shutil.which("wrk")
        if path:
            return path
    raise SystemExit(
        "bench web needs wrk: install the Debian package `wrk` (sudo apt-get install wrk) and run it again."
    )


def _json_line(text: str, tag: str) -> dict:
    for line in text.splitlines():
        if line.startswith(tag + " "):
            return json.loads(line[len(tag) + 1 :])
    raise RuntimeError(f"no {tag} line in:\n{text[-3000:]}")


def _postgres_url(given: str | None) -> str | None:
    url = given or os.environ.get("DATABASE_URL") or ""
    if given and not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"--database-url must be a PostgreSQL URL (postgres://…), not {url.split(':', 1)[0]}:")
    return url if url.startswith(("postgres://", "postgresql://")) else None


class _PostgresDatabase:
    """A fresh database <name>_bench_web on the given server, dropped on exit."""

    def __init__(self, url: str):
        import dj_database_url

        self.config = dj_database_url.parse(url)
        self.name = f"{self.config['NAME'] or 'sealpost'}_bench_web"
        from urllib.parse import quote

        user = quote(self.config["USER"] or "", safe="")
        password = f":{quote(self.config['PASSWORD'], safe='')}" if self.config["PASSWORD"] else ""
        host = f"{self.config['HOST'] or '127.0.0.1'}:{self.config['PORT'] or 5432}"
        self.url = f"postgres://{user}{password}{'@' if user else ''}{host}/{self.name}"

    def _admin(self, sql: str):
        import psycopg

        c = self.config
        with psycopg.connect(host=c["HOST"] or "127.0.0.1", port=c["PORT"] or 5432, user=c["USER"] or None,
                             password=c["PASSWORD"] or None, dbname="postgres", autocommit=True) as conn:  # fmt: skip
            conn.execute(sql)

    def __enter__(self):
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{self.name}"')
        return self

    def __exit__(self, *exc):
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _server(env: dict, log: Path) -> tuple[subprocess.Popen, int]:
    """Start ``sealpost serve`` on 127.0.0.1 at a port the kernel chooses; answer it and the port."""
    with open(log, "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "sealpost", "serve", "--bind", "127.0.0.1:0"], env=env,
                                stdout=err, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        match = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", text)
        if match and "Booting worker" in text:
            return proc, int(match.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    _stop(proc)
    raise RuntimeError(f"sealpost serve did not start:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(proc: subprocess.Popen):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: the master and its workers
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _get(url: str, cookie: str | None) -> tuple[int, bytes]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _wait_ready(base: str, tries: int = 100):
    for _ in range(tries):
        try:
            _get(base + "/verify/", None)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server does not answer")


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _server_cpu_s(pid: int) -> float:
    """CPU seconds used so far by the server: master, live workers, and workers it has reaped
    (replaced after max_requests)."""
    import psutil

    master = psutil.Process(pid)
    t = master.cpu_times()
    total = t.user + t.system + t.children_user + t.children_system
    for child in master.children():
        try:
            c = child.cpu_times()
            total += c.user + c.system
        except psutil.NoSuchProcess:
            pass
    return total


def _lines(path: Path | None) -> int:
    try:
        with open(path, "rb") as f:
            return sum(1 for _ in f)
    except (OSError, TypeError):
        return 0


def _settled(log: Path | None) -> int:
    """The access log's line count once the server has answered what it still had in hand
    when wrk stopped (its CPU is counted, so its requests must be too)."""
    count, deadline = _lines(log), time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = _lines(log)
        if now == count:
            return now
        count = now
    return count


def _load(wrk: str, script: Path, url: str, cookie: str | None, seconds: int, server_pid: int | None = None,
          access_log: Path | None = None) -> dict:  # fmt: skip
    threads = max(1, min(2, os.cpu_count() or 1))
    cmd = [wrk, f"-t{threads}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "10s", "-s", str(script)]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    served0 = _settled(access_log)
    cpu0 = _server_cpu_s(server_pid) if server_pid else None
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=seconds + 60)
    served = _settled(access_log) - served0
    cpu = _server_cpu_s(server_pid) - cpu0 if server_pid else None
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed: {out.stderr or out.stdout}")
    raw = _json_line(out.stdout, "WRKJSON")
    seconds_run = raw["duration_us"] / 1e6
    lat = raw["latency_us"]
    return {
        "requests": raw["requests"],
        "requests_per_second": raw["requests"] / seconds_run if seconds_run else 0.0,
        "p50_ms": lat["p50"] / 1000,
        "p90_ms": lat["p90"] / 1000,
        "p95_ms": lat["p95"] / 1000,
        "p99_ms": lat["p99"] / 1000,
        "max_ms": lat["max"] / 1000,
        "mean_ms": lat["mean"] / 1000,
        "non_2xx": raw["non2xx"],
        # Load-independent: what one request costs the server, and the rate that cost allows
        # on this machine's cores with nothing else running (wrk's own CPU not counted).
        # (requests the server answered, from its access log, including those still in hand
        # when wrk stopped)
        "server_cpu_ms_per_request": cpu * 1000 / served if cpu is not None and served else None,
        "cpu_bound_requests_per_second": _cores() * served / cpu if cpu and served else None,
        "socket_errors": sum(raw["errors"][k] for k in ("connect", "read", "write", "timeout")),
        "kilobytes_per_response": raw["bytes"] / raw["requests"] / 1024 if raw["requests"] else 0.0,
        "seconds": seconds_run,
    }


def _round(database: str, database_url: str | None, times: dict, wrk: str) -> dict:
    from sealpost.system.management.commands.serve import server_config

    with tempfile.TemporaryDirectory(prefix="sealpost-bench-web-") as tmp:
        tmp = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not DROPPED_ENV.match(k)}
        env |= {
            "SEALPOST_DATA_DIR": str(tmp / "data"), "SEALPOST_DEBUG": "0", "SEALPOST_DEMO": "0",
            "SEALPOST_BASE_URL": "http://127.0.0.1:8000", "SEALPOST_ACCESS_LOG": str(tmp / "access.log"),
            "DJANGO_SETTINGS_MODULE": "sealpost.settings", "PYTHONPATH": str(ROOT),
            # wrk's 50 connections all come from 127.0.0.1, where the public would come from many
            # addresses: the per-address limit on verification is raised out of the way (the
            # requests are still counted in the cache, so its cost is measured).
            "SEALPOST_RATELIMIT_VERIFY_IP": "1000000000/10m",
        }  # fmt: skip
        if database_url:
            env["DATABASE_URL"] = database_url
        load_before = os.getloadavg()
        started = time.perf_counter()
        setup = subprocess.run([sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, timeout=600)
        if setup.returncode != 0:
            raise RuntimeError(f"setting up the demo database failed:\n{setup.stdout[-2000:]}\n{setup.stderr[-4000:]}")
        data = _json_line(setup.stdout, "SETUPJSON")
        setup_s = time.perf_counter() - started

        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)  # server_config reads the same environment as the server
        try:
            config = server_config(bind="127.0.0.1:0")
        finally:
            for k, v in saved.items():
                os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)

        script = tmp / "count.lua"
        script.write_text(LUA)
        proc, port = _server(env, tmp / "server.log")
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base)
            urls = {
                "order_form": (f"{base}/orders/new/", data["cookie"]),
                "order_page": (f"{base}/orders/{data['order']}/", data["cookie"]),
                "verification": (f"{base}/verify/{data['code']}/", None),
            }
            expect = {"order_form": b'name="recipients-TOTAL_FORMS"', "order_page": data["order"].encode(),
                      "verification": data["code"].encode()}  # fmt: skip
            pages = {}
            for name, (url, cookie) in urls.items():
                status, body = _get(url, cookie)
                if status != 200 or expect[name] not in body:
                    raise RuntimeError(f"{name}: {url} answered {status} without the expected page")
                if times["warmup_s"]:
                    _load(wrk, script, url, cookie, times["warmup_s"])
                pages[name] = _load(wrk, script, url, cookie, times["duration_s"], proc.pid, tmp / "access.log")
                pages[name]["path"] = re.sub(r"^http://[^/]+", "", url).replace(data["order"], "<order>").replace(
                    data["code"], "<code>")
        finally:
            _stop(proc)
    return {
        "database": database,
        "server": {k: config[k] for k in ("workers", "worker_class", "threads", "timeout", "keepalive", "max_requests",
                                          "preload_app")} | {  # fmt: skip
            "access_log": "file", "debug": False,
            "cache": "redis" if env.get("SEALPOST_REDIS_URL") else "files (sealpost.cache.LockedFileBasedCache)",
        },
        "setup_s": setup_s,
        # Other processes on the machine during the round (1-minute load average): wrk's
        # latencies and rates are only comparable between runs with similar figures here.
        "load_average": {"before": load_before[0], "after": os.getloadavg()[0], "cores": _cores()},
        "pages": pages,
        "targets_met": {
            "p95": all(p["p95_ms"] <= TARGET_P95_MS for p in pages.values()),
            "verification_rps": pages["verification"]["requests_per_second"] >= TARGET_VERIFY_RPS,
            # what the server's CPU cost per verification would allow with the cores to itself
            "verification_rps_cpu_bound": (
                (pages["verification"]["cpu_bound_requests_per_second"] or 0) >= TARGET_VERIFY_RPS
            ),
            "no_non_2xx": all(p["non_2xx"] == 0 and p["socket_errors"] == 0 for p in pages.values()),
        },
    }


def run(quick: bool, database_url: str | None = None) -> dict:
    import django
    import gunicorn

    wrk = _wrk()
    times = QUICK if quick else FULL
    rounds = {"sqlite": _round("sqlite", None, times, wrk)}
    pg = _postgres_url(database_url)
    if pg:
        with _PostgresDatabase(pg) as database:
            rounds["postgresql"] = _round("postgresql", database.url, times, wrk)
    wrk_version = subprocess.run([wrk, "--version"], capture_output=True, text=True).stdout.split("\n", 1)[0]
    return {
        "connections": CONNECTIONS,
        "seconds_per_page": times["duration_s"],
        "warmup_seconds_per_page": times["warmup_s"],
        "software": {"django": django.get_version(), "gunicorn": gunicorn.__version__, "wrk": wrk_version.strip()},
        **rounds,
        "target": {"p95_ms": TARGET_P95_MS, "verification_requests_per_second": TARGET_VERIFY_RPS},
    }
