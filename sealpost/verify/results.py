"""A stable address for the answer to an uploaded file.

Answers by verification code (/verify/<code>/) and by fingerprint (/verify/hash/<sha256>/) have an
address; the answer to an upload came only as the answer to a POST, so switching the language
(a POST to set_language, then a GET of `next`) lost it (issue 14). The upload's answer is put in
a signed token (django.core.signing, with SECRET_KEY; nothing kept on the server, and the file
itself is not kept) and /verify/file/<token>/ shows it again, in any language, for a day.

Shown again, the answer is brought up to date: a document revoked since is shown revoked. The
reason is kept as its message id (the answer is computed in English) and translated when shown.
The token carries the file's SHA-256, which the page shows, so the answer names the file it
is about.
"""

from __future__ import annotations

import dataclasses
import datetime

from django.core import signing
from django.utils.translation import gettext

from sealpost.documents import verification
from sealpost.documents.models import Document
from sealpost.documents.validation import SignatureCheck

SALT = "sealpost.verify.file-result"
MAX_AGE = 24 * 60 * 60  # seconds


def token_for(verdict: verification.Verdict, sha256: str) -> str:
    """The token of an answer computed under translation.override("en") (its reason a msgid)."""
    check = None
    if verdict.check is not None:
        check = {f.name: getattr(verdict.check, f.name) for f in dataclasses.fields(SignatureCheck)}
        if isinstance(check.get("signed_at"), datetime.datetime):
            check["signed_at"] = check["signed_at"].isoformat()
    document = verdict.document.verification_code if verdict.document is not None else ""
    return signing.dumps({"s": verdict.status, "r": verdict.reason, "c": verdict.code, "d": document,
                          "k": check, "h": sha256}, salt=SALT, compress=True)


def verdict_from(token: str) -> tuple[verification.Verdict, str] | None:
    """The answer of a token, in the active language, and the file's SHA-256; None when the
    token is not ours, was changed, or is older than MAX_AGE."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except (signing.BadSignature, ValueError):
        return None
    status = data.get("s")
    if status not in verification.STATUSES:
        return None
    document = Document.objects.filter(verification_code=data.get("d") or "").first() if data.get("d") else None
    check = None
    if isinstance(data.get("k"), dict):
        fields = {f.name for f in dataclasses.fields(SignatureCheck)}
        values = {k: v for k, v in data["k"].items() if k in fields}
        if values.get("signed_at"):
            values["signed_at"] = datetime.datetime.fromisoformat(values["signed_at"])
        check = SignatureCheck(**values)
    if status == verification.VALID and document is not None and document.is_revoked:
        status = verification.REVOKED  # revoked since the file was checked
    reason = gettext(data.get("r") or "") if data.get("r") else ""
    return verification.Verdict(status, document=document, check=check, reason=reason, by="file",
                                code=data.get("c") or ""), str(data.get("h") or "")
