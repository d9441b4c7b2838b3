"""`sealpost serve`: the production web server's settings, its access log without personal data,
and one real start (gunicorn, WhiteNoise, DEBUG off)."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sealpost.system.management.commands.serve import redact_path, server_config


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/", "/"),
        ("/orders/new/", "/orders/new/"),
        ("/orders/SP3HP5GWY8/", "/orders/*/"),
        ("/orders/SP3HP5GWY8/form-2-07-3.pdf", "/orders/*/form-2-07-3.pdf"),
        ("/orders/SP3HP5GWY8/documents/NA4J-8MNJ-X9ZC-FAT9.pdf", "/orders/*/documents/*.pdf"),
        ("/verify/NA4J-8MNJ-X9ZC-FAT9/", "/verify/*/"),
        ("/verify/hash/" + "ab" * 32 + "/", "/verify/hash/*/"),
        ("/d/Zm9vYmFyLXRva2VuLXdpdGgtZW5vdWdoLWJpdHM/", "/d/*/"),
        ("/accounts/password/reset/MQ/c3x9fk-0123456789abcdef/", "/accounts/password/reset/*/*/"),
        ("/accounts/verify/MQ/token/", "/accounts/verify/*/token/"),
        ("/desk/holds/17/release/", "/desk/holds/*/release/"),
        ("/desk/calendar/2026-10-10/remove/", "/desk/calendar/*/remove/"),
        ("/pki/ca.pem", "/pki/ca.pem"),
        ("/api/v1/orders/SP3HP5GWY8/", "/api/v1/orders/*/"),
        ("/api/v1/openapi.json", "/api/v1/openapi.json"),
        ("/static/sealpost/site.css", "/static/sealpost/site.css"),
        ("/mailbox/20261126T011917-alice@example.org.eml/", "/mailbox/*.eml/"),
    ],
)
def test_access_log_paths_carry_no_identifiers(path, logged):
    assert redact_path(path) == logged


def test_config_from_environment(monkeypatch):
    monkeypatch.setenv("SEALPOST_BIND", "127.0.0.1:9000,unix:/run/sealpost.sock")
    monkeypatch.setenv("SEALPOST_WEB_WORKERS", "3")
    monkeypatch.setenv("SEALPOST_WEB_THREADS", "2")
    monkeypatch.setenv("SEALPOST_ACCESS_LOG", "off")
    config = server_config()
    assert config["bind"] == ["127.0.0.1:9000", "unix:/run/sealpost.sock"]
    assert (config["workers"], config["threads"], config["worker_class"]) == (3, 2, "gthread")
    assert config["accesslog"] is None
    assert "%(h)s" not in config["access_log_format"] and "%(q)s" not in config["access_log_format"]
    assert server_config(bind="0.0.0.0:80", workers=9, threads=1)["bind"] == ["0.0.0.0:80"]
    monkeypatch.delenv("SEALPOST_WEB_WORKERS")
    assert server_config()["workers"] == 2 * len(os.sched_getaffinity(0)) + 1


def test_serves_pages_and_static_files_and_logs_no_query_or_address(tmp_path):
    data = tmp_path / "data"
    log = tmp_path / "access.log"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SEALPOST_DEBUG")}
    env |= {"SEALPOST_DATA_DIR": str(data), "SEALPOST_ACCESS_LOG": str(log), "SEALPOST_WEB_WORKERS": "1",
            "SEALPOST_BASE_URL": "http://127.0.0.1:8000", "DJANGO_SETTINGS_MODULE": "sealpost.settings"}  # fmt: skip
    subprocess.run([sys.executable, "-m", "sealpost", "migrate", "-v0"], env=env, check=True, timeout=300)
    out = tmp_path / "server.out"
    with open(out, "w") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "sealpost", "serve", "--bind", "127.0.0.1:0"], env=env,
                                stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        port = None
        for _ in range(300):
            match = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", out.read_text())
            if match and "Booting worker" in out.read_text():
                port = int(match.group(1))
                break
            assert proc.poll() is None, out.read_text()
            time.sleep(0.1)
        assert port, out.read_text()
        base = f"http://127.0.0.1:{port}"
        for _ in range(50):
            try:
                page = urllib.request.urlopen(f"{base}/verify/?code=not-a-code", timeout=10)
                break
            except OSError:
                time.sleep(0.1)
        assert page.status == 200 and b"<html" in page.read()
        css = urllib.request.urlopen(f"{base}/static/sealpost/site.css", timeout=10)
        assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
        assert urllib.request.urlopen(f"{base}/verify/2345-6789-ABCD-EFGH/", timeout=10).status == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    text = Path(log).read_text()
    assert '"GET /verify/" 200' in text and '"GET /verify/*/" 200' in text
    assert "not-a-code" not in text and "2345-6789" not in text and "127.0.0.1" not in text
