"""The public verification pages: no sign-in, no personal data beyond the holder's masked name.

    /verify/                 the three ways in: upload a file, check a file without uploading it
                             (static/sealpost/verify.js hashes it in the browser), type a code
    /verify/<code>/          the answer for a verification code (what the QR code opens)
    /verify/hash/<sha256>/   the answer for a file's SHA-256 (the in-browser check)
    /verify/file/<token>/    the answer to an uploaded file again (verify.results)
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from sealpost.accounts import throttle
from sealpost.documents import verification
from sealpost.documents.models import normalise_code
from sealpost.verify import results
from sealpost.verify.uploads import read_upload


def is_demo() -> bool:
    """Whether documents are signed by the generated demo PKI (the embedded default)."""
    try:
        from sealpost.documents import keys

        return bool(keys.is_demo())
    except Exception:  # noqa: BLE001 - the page must answer even if signing is misconfigured
        return False


def institution_name() -> str:
    zh = (get_language() or "").startswith("zh")
    return settings.INSTITUTION_NAME_ZH if zh else settings.INSTITUTION_NAME_EN


def _form_context(**extra) -> dict:
    return {
        "max_megabytes": f"{verification.max_upload() / (1024 * 1024):g}",
        "max_bytes": verification.max_upload(),
        "hash_url": reverse("verify:hash", args=["0" * 64]),
        "signing_demo": is_demo(),
        **extra,
    }


# Uploading a file changes nothing and needs no account, so the form carries no CSRF token; being
# exempt also keeps the CSRF check from reading the body before its size is limited (uploads.py).
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def index(request):
    if request.method == "POST":
        limited = throttle.hit(request, "verify_upload_ip")  # counted before the body is read
        if limited:
            return throttle.too_many(request, limited, "verify/index.html", _form_context(file_error=limited.message()))
        try:
            data = read_upload(request, "file")
        except verification.TooLarge as too_large:
            return render(request, "verify/index.html", _form_context(file_error=str(too_large)), status=413)
        if data == b"":
            return render(request, "verify/index.html", _form_context(file_error=_("The file is empty.")), status=400)
        if not data:
            return render(request, "verify/index.html", _form_context(file_error=_("Choose the PDF file to check.")), status=400)
        # The answer in English, its reason a message id: its address (results.token_for) keeps it,
        # and the page shows it in the reader's language, now and after switching language.
        with translation.override("en"):
            verdict = verification.check_pdf(data)
        sha256 = hashlib.sha256(data).hexdigest()
        address = reverse("verify:file", args=[results.token_for(verdict, sha256)])
        verdict.reason = _(verdict.reason) if verdict.reason else ""
        return result(request, verdict, address=address, fingerprint=sha256)

    code = request.GET.get("code")
    if code is not None:
        normalised = normalise_code(code)
        if normalised:
            return redirect("verify:code", code=normalised)  # counted there
        limited = throttle.hit(request, "verify_ip")
        if limited:
            return throttle.too_many(request, limited, "verify/index.html",
                                     _form_context(code=code[:40], code_error=limited.message()))
        return render(request, "verify/index.html", _form_context(
            code=code[:40], code_error=_("A verification code has 16 letters and digits, printed as XXXX-XXXX-XXXX-XXXX."),
        ))
    return render(request, "verify/index.html", _form_context())


@throttle.limit("verify_ip")
def by_code(request, code):
    normalised = normalise_code(code)
    if normalised and normalised != code:
        return redirect("verify:code", code=normalised)  # one address per document
    return result(request, verification.check_code(code))


@throttle.limit("verify_ip")
def by_file(request, token):
    """The answer to an uploaded file again, by its address (verify.results): after switching
    the language, or from the link on the answer."""
    found = results.verdict_from(token)
    if found is None:
        messages.info(request, _("That answer is no longer available here: check the file again."))
        return redirect("verify:index")
    verdict, sha256 = found
    return result(request, verdict, address=request.path, fingerprint=sha256)


@throttle.limit("verify_ip")
def by_hash(request, sha256):
    if sha256.lower() != sha256 and verification.SHA256_RE.match(sha256.lower()):
        return redirect("verify:hash", sha256=sha256.lower())
    return result(request, verification.check_hash(sha256))


def result(request, verdict: verification.Verdict, address: str = "", fingerprint: str = ""):
    """The answer page. ``address``: the answer's own address when the request's is not one (an
    upload), for the language switch to come back to; ``fingerprint``: the SHA-256 of the
    uploaded file the answer is about."""
    document = verdict.document
    context = {
        "language_next": address,
        "result_address": address,
        "fingerprint": fingerprint,
        "verdict": verdict,
        "document": document,
        "check": verdict.check,
        "issuer": institution_name(),
        "holder": verification.masked_holder(document) if document else "",
        "signing_demo": is_demo(),
    }
    response = render(request, "verify/result.html", context)
    response["Cache-Control"] = "no-store"  # a revocation must show at once
    response["X-Robots-Tag"] = "noindex"
    return response
