"""Audit the locked dependencies for known vulnerabilities, where a vulnerability database answers.

    .venv/bin/python .ci/audit.py [requirements.lock]

pip-audit reads the lock's hashes itself (--disable-pip: no resolver, no install) and asks a
vulnerability service about every pinned version. Where the service cannot be reached, pip-audit
would skip every dependency and still print "No known vulnerabilities found"; this script asks the
services first and says plainly which one it used, or that none answered and nothing was checked.

Services, in order: OSV (SEALPOST_AUDIT_OSV_URL, default OSV's public API), then PyPI's JSON API
(asked first at SEALPOST_AUDIT_PYPI_PROBE).
Exit status: 1 when a locked version has a known vulnerability; 0 when none has, and 0 when no
service answered (the audit is SKIPPED, said in the last line) unless SEALPOST_PIP_AUDIT_STRICT=1,
which also fails on a skipped audit and on dependencies the service could not answer for.
The last line is the result, for the CI log and docs/security.md.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

OSV_URL = os.environ.get("SEALPOST_AUDIT_OSV_URL") or "https://api.osv.dev/v1/query"
PYPI_PROBE = os.environ.get("SEALPOST_AUDIT_PYPI_PROBE") or "https://pypi.org/pypi/django/5.2/json"
TIMEOUT = float(os.environ.get("SEALPOST_AUDIT_TIMEOUT", "10"))
STRICT = os.environ.get("SEALPOST_PIP_AUDIT_STRICT") == "1"


def probe_osv(url: str) -> str | None:
    """None when the OSV API at url answers a query; else why not."""
    query = json.dumps({"package": {"name": "django", "ecosystem": "PyPI"}, "version": "5.2"}).encode()
    request = urllib.request.Request(url, data=query, headers={"Content-Type": "application/json"})
    return _answers(request, lambda body: isinstance(json.loads(body or b"{}"), dict))


def probe_pypi(url: str = PYPI_PROBE) -> str | None:
    """None when PyPI's JSON API answers for a known project; else why not."""
    return _answers(urllib.request.Request(url), lambda body: "info" in json.loads(body))


def _answers(request, looks_right) -> str | None:
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except (urllib.error.URLError, OSError) as error:
        return str(getattr(error, "reason", error))
    try:
        return None if looks_right(body) else "an answer that is not the API's"
    except ValueError:
        return "an answer that is not JSON"


def judge(report: dict, service: str) -> tuple[int, list[str]]:
    """The exit status and the lines to print for a pip-audit JSON report."""
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if "skip_reason" in d]
    lines = []
    for d in vulnerable:
        for v in d["vulns"]:
            fixed = ", ".join(v.get("fix_versions") or []) or "no fixed version yet"
            names = " / ".join([v["id"], *v.get("aliases", [])])
            lines.append(f"VULNERABLE {d['name']} {d['version']}: {names} (fixed in: {fixed})")
    if len(skipped) < len(deps):
        lines += [f"not audited: {d['name']}: {d['skip_reason']}" for d in skipped]
    today = datetime.date.today().isoformat()
    checked = len(deps) - len(skipped)
    if not deps or checked == 0:
        lines.append(f"Dependency audit SKIPPED on {today}: {service} answered for none of the "
                     f"{len(deps)} dependencies: nothing was checked.")
        return (1 if STRICT else 0), lines
    status = 1 if vulnerable or (STRICT and skipped) else 0
    verdict = (f"{len(vulnerable)} with known vulnerabilities" if vulnerable else "no known vulnerabilities")
    lines.append(f"Dependency audit on {today} against {service}: {checked} of {len(deps)} locked dependencies "
                 f"checked, {verdict}" + (f", {len(skipped)} not audited" if skipped else "") + ".")
    return status, lines


def main(argv: list[str]) -> int:
    lock = argv[1] if len(argv) > 1 else "requirements.lock"
    why_not = {}
    service = None
    why_not["OSV"] = probe_osv(OSV_URL)
    if why_not["OSV"] is None:
        service, args = f"OSV ({OSV_URL})", ["-s", "osv", "--osv-url", OSV_URL]
    else:
        why_not["PyPI"] = probe_pypi()
        if why_not["PyPI"] is None:
            service, args = "PyPI", ["-s", "pypi"]
    if service is None:
        reasons = "; ".join(f"{name}: {reason}" for name, reason in why_not.items())
        print(f"Dependency audit SKIPPED on {datetime.date.today().isoformat()}: no vulnerability database "
              f"could be reached from this machine ({reasons}). The locked dependencies were not checked; "
              "the last audit that ran is recorded in docs/security.md.")
        return 1 if STRICT else 0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        command = [sys.executable, "-m", "pip_audit", "-r", lock, "--require-hashes", "--disable-pip",
                   "--progress-spinner", "off", "--timeout", str(int(TIMEOUT) or 1), "--cache-dir", tmp,
                   "-f", "json", "-o", str(out), *args]
        # Its own verdict ("No known vulnerabilities found" even when nothing could be checked) is
        # not printed: the report is judged below.
        run = subprocess.run(command, capture_output=True, text=True)
        try:
            report = json.loads(out.read_text())
        except (OSError, ValueError):
            print(run.stderr[-2000:])
            print(f"Dependency audit FAILED: pip-audit wrote no report (service {service}).")
            return 1
    status, lines = judge(report, service)
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
