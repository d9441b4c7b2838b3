"""The dependency audit in CI (.ci/audit.py): it audits where a vulnerability database answers,
fails on a known vulnerability, and says plainly that nothing was checked where none answers
(pip-audit alone prints "No known vulnerabilities found" then). The database is a local server
speaking OSV's query API on 127.0.0.1, as the SFTP stand-in speaks for WES."""

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / ".ci" / "audit.py"
LOCK = ROOT / "requirements.lock"


class OsvStandIn(BaseHTTPRequestHandler):
    vulnerable: dict[str, dict] = {}  # package name -> the OSV entry it answers
    queries: list[dict] = []

    def do_POST(self):
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).queries.append(query)
        entry = self.vulnerable.get(query["package"]["name"])
        body = json.dumps({"vulns": [entry]} if entry else {}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def osv():
    OsvStandIn.vulnerable, OsvStandIn.queries = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), OsvStandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    server.shutdown()
    server.server_close()


def closed_url() -> str:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def audit(osv_url: str, strict: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "SEALPOST_AUDIT_OSV_URL": osv_url, "SEALPOST_AUDIT_PYPI_PROBE": closed_url(),
           "SEALPOST_AUDIT_TIMEOUT": "5", "SEALPOST_PIP_AUDIT_STRICT": "1" if strict else ""}
    return subprocess.run([sys.executable, str(SCRIPT), str(LOCK)], env=env, capture_output=True, text=True,
                          timeout=120)


def locked_version(name: str) -> str:
    for line in LOCK.read_text().splitlines():
        if line.startswith(f"{name}=="):
            return line.split("==", 1)[1].split()[0]
    raise AssertionError(name)


def test_a_known_vulnerability_in_a_locked_version_fails_and_is_named(osv):
    OsvStandIn.vulnerable["django"] = {
        "id": "GHSA-test-0001", "summary": "a test advisory", "aliases": ["CVE-2099-0001"],
        "affected": [{"package": {"name": "django", "ecosystem": "PyPI"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "99.0"}]}]}],
    }
    result = audit(osv)
    assert result.returncode == 1, result.stdout + result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("VULNERABLE"))
    assert line.startswith(f"VULNERABLE django {locked_version('django')}: ") and line.endswith("(fixed in: 99.0)")
    assert "GHSA-test-0001" in line and "CVE-2099-0001" in line
    assert "1 with known vulnerabilities" in result.stdout.splitlines()[-1]
    asked = {q["package"]["name"] for q in OsvStandIn.queries}
    assert {"django", "pyhanko", "typst"} <= asked  # every locked dependency is asked about


def test_a_clean_audit_says_what_was_checked_against_what(osv):
    result = audit(osv)
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.splitlines()[-1]
    assert "no known vulnerabilities" in last and osv in last
    assert "SKIPPED" not in result.stdout


def test_no_reachable_database_is_a_loud_skip_not_a_pass():
    result = audit(closed_url())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Dependency audit SKIPPED" in result.stdout and "were not checked" in result.stdout
    assert "No known vulnerabilities" not in result.stdout
    strict = audit(closed_url(), strict=True)
    assert strict.returncode == 1
