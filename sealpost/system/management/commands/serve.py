"""``sealpost serve``: the production web server (gunicorn) for sealpost's WSGI application.

    sealpost serve                          # workers, threads, address from the environment
    sealpost serve --bind 0.0.0.0:8000 --workers 9 --threads 4
    sealpost serve --print-config           # what it would run with, then exit

Everything is read from the environment (docs/operations.md), and the options override it:

    SEALPOST_BIND            address: HOST:PORT or unix:/path/to.sock (default 127.0.0.1:8000);
                             several, comma-separated
    SEALPOST_WEB_WORKERS     worker processes (default 2 x usable cores + 1)
    SEALPOST_WEB_THREADS     threads per worker (default 4)
    SEALPOST_WEB_TIMEOUT     seconds a request may take before its worker is restarted (60)
    SEALPOST_WEB_MAX_REQUESTS  requests after which a worker is replaced (default 2000, 0 never),
                             with a random jitter of up to 10 % so that they do not all restart at once
    SEALPOST_ACCESS_LOG      "-" (standard output, the default), a file path, or "off"
    SEALPOST_FORWARDED_ALLOW_IPS  addresses of the reverse proxies whose X-Forwarded-Proto is
                             believed (default 127.0.0.1,::1); "*" for any

The workers are gunicorn "gthread" workers: each serves several connections with its threads
and keeps connections alive, which matters behind a reverse proxy that reuses them. The
application is loaded once in the master process and forked (less memory, faster restarts).
Static files are served by WhiteNoise inside the application (settings.MIDDLEWARE).

The access log holds no personal data: no client address, no user agent, no referrer, no query
string, and path segments that identify a person, an order or a document (order numbers,
verification codes, download and password-reset tokens, record ids) are replaced by ``*``.
"""

from __future__ import annotations

import os
import re
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sealpost.config import env, env_int

# Path segments kept as they are: route words ("orders", "new", "form-2-07-3.pdf", "ca.pem").
# Anything else (an order number, a code, a token, an id, a date) is replaced by "*".
_ROUTE_WORD = re.compile(r"(?:[a-z][a-z_]*(?:[-.][a-z0-9_]+)*|v[0-9])\Z")  # v1: the API's version
_ROUTE_WORD_MAX = 24  # longer is a token or a hash that happens to be all letters
_KEPT_PREFIXES = ("/static/",)
# Route words that are also identifiers elsewhere would need listing here; none today.
ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


def redact_path(path: str) -> str:
    """The request path with every segment that is not a route word replaced by ``*`` (a
    trailing extension is kept: ``*.pdf``)."""
    if not path or path.startswith(_KEPT_PREFIXES):
        return path or "/"
    out = []
    for segment in path.split("/"):
        if not segment or (len(segment) <= _ROUTE_WORD_MAX and _ROUTE_WORD.match(segment)):
            out.append(segment)
        else:
            stem, dot, ext = segment.rpartition(".")
            out.append("*." + ext if dot and stem and ext.isalpha() and len(ext) <= 4 else "*")
    return "/".join(out)


def default_workers() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 2 * cores + 1


def server_config(bind: str | None = None, workers: int | None = None, threads: int | None = None) -> dict:
    """The gunicorn settings ``sealpost serve`` runs with (also recorded by bench/web.py)."""
    access_log = env("SEALPOST_ACCESS_LOG", "-")
    timeout = env_int("SEALPOST_WEB_TIMEOUT", 60)
    max_requests = env_int("SEALPOST_WEB_MAX_REQUESTS", 2000)
    binds = [b.strip() for b in (bind or env("SEALPOST_BIND", "127.0.0.1:8000")).split(",") if b.strip()]
    return {
        "bind": binds,
        "workers": workers if workers is not None else env_int("SEALPOST_WEB_WORKERS", default_workers()),
        "worker_class": "gthread",
        "threads": threads if threads is not None else env_int("SEALPOST_WEB_THREADS", 4),
        "timeout": timeout,
        "graceful_timeout": 30,
        "keepalive": 5,
        "max_requests": max_requests,
        "max_requests_jitter": max_requests // 10,
        "preload_app": True,
        "forwarded_allow_ips": env("SEALPOST_FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        "accesslog": None if access_log.lower() in ("off", "none", "0", "false") else access_log,
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "loglevel": (env("SEALPOST_LOG_LEVEL", "INFO") or "INFO").lower(),
        "proc_name": "sealpost",
        # gunicorn's control socket (gunicornc) defaults to one path per user: two servers
        # of one user would fight over it. Not used by sealpost.
        "control_socket_disable": True,
    }


def _make_logger_class():
    from gunicorn.glogging import Logger

    class RedactingLogger(Logger):
        """gunicorn's logger with the request path redacted (see redact_path) and no query
        string, client address, user agent or referrer available to the access log format."""

        def atoms(self, resp, req, environ, request_time):
            atoms = super().atoms(resp, req, environ, request_time)
            path = redact_path(environ.get("PATH_INFO", ""))
            atoms.update({
                "U": path, "r": f"{environ.get('REQUEST_METHOD')} {path} {environ.get('SERVER_PROTOCOL')}",
                "q": "-", "h": "-", "a": "-", "f": "-", "u": "-",
            })
            for key in [k for k in atoms if k.startswith("{")]:
                del atoms[key]  # request and response headers, environ: cookies, tokens, addresses
            return atoms

    return RedactingLogger


def _make_application(options: dict):
    from gunicorn.app.base import BaseApplication

    class SealpostApplication(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)
            self.cfg.set("logger_class", _make_logger_class())

        def load(self):
            from sealpost.wsgi import application

            return application

    return SealpostApplication(prog="sealpost serve")


class Command(BaseCommand):
    help = "Run the production web server (gunicorn, with WhiteNoise for static files). See docs/operations.md."

    def add_arguments(self, parser):
        parser.add_argument("--bind", help="HOST:PORT or unix:PATH (default $SEALPOST_BIND or 127.0.0.1:8000).")
        parser.add_argument("--workers", type=int,
                            help="Worker processes (default $SEALPOST_WEB_WORKERS or 2 x cores + 1).")
        parser.add_argument("--threads", type=int, help="Threads per worker (default $SEALPOST_WEB_THREADS or 4).")
        parser.add_argument("--print-config", action="store_true", help="Print the server settings and exit.")

    def handle(self, *args, bind=None, workers=None, threads=None, print_config=False, **options):
        config = server_config(bind, workers, threads)
        if config["workers"] < 1 or config["threads"] < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        if print_config:
            for key, value in config.items():
                self.stdout.write(f"{key}: {value}")
            return
        self.check_migrations()  # warns; the system checks ran before (errors stop the command)
        from django.db import connections

        connections.close_all()  # opened by the checks: no worker may inherit the master's connection
        if settings.DEBUG:
            self.stderr.write(self.style.WARNING("SEALPOST_DEBUG is on: never serve the public like this."))
        sys.argv = [sys.argv[0]]  # gunicorn must not read the management command's arguments
        _make_application(config).run()
