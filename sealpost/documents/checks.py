"""System checks for the signing key: a key file that other users can read is an error.

Run by every management command (and ``sealpost check --deploy``). Only files that exist and
that this process can look at are checked: the demo PKI is not generated here, and a web
process running as another user than the signing worker (docs/signing.md) cannot even see the
key, which is as it should be. Signing refuses such a file as well (sealpost.documents.pki.
check_key_file), so the check is the early warning, not the only guard.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def key_files_private(app_configs=None, **kwargs):
    from sealpost.documents import keys, pki

    candidates: list[tuple[Path, str]] = []
    p12 = keys.setting("SEALPOST_SIGNING_PKCS12")
    if p12:
        candidates.append((Path(str(p12)), "SEALPOST_SIGNING_PKCS12"))
    if getattr(settings, "DATA_DIR", None):
        directory = pki.pki_dir()
        for name in ("seal.key", "tsa.key", "ca.key"):
            candidates.append((directory / name, ""))
    errors = []
    for path, setting_name in candidates:
        problem = pki.key_file_problem(path, setting_name)
        if problem:
            errors.append(checks.Error(
                problem, hint=f"chmod 600 {path}", obj=str(path), id="sealpost.E701",
            ))
    return errors
