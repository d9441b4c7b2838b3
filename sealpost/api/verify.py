"""Verifying documents through the API: by file, or by verification code. No authentication:
anyone may verify a document, as on the public verification page (sealpost.verify).

Both answer the same shape (VerificationOut); see docs/verification.md.
"""

from __future__ import annotations

from datetime import datetime
from functools import wraps
from typing import Literal, Optional

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema
from ninja.decorators import decorate_view
from ninja.files import UploadedFile

from sealpost.accounts import throttle
from sealpost.api import errors
from sealpost.api.errors import ApiError
from sealpost.api.schemas import DOCUMENT_LANGUAGES, DOCUMENT_TYPES, ErrorOut
from sealpost.documents import verification
from sealpost.verify.uploads import read_upload

router = Router(tags=["verification"])


class VerificationOut(Schema):
    status: Literal["valid", "revoked", "tampered", "unknown"] = Field(
        ..., description="valid: issued by us, unchanged, not revoked. revoked: issued by us, then revoked "
        "(see revoked_at and revocation_reason). tampered: a changed copy of one of our documents (a changed "
        "byte, added content, or signed again with another key). unknown: we have no record of it.",
    )
    document_type: Optional[str] = Field(..., json_schema_extra={"enum": DOCUMENT_TYPES + [None]},
                                         description="The kind of document; null when unknown.")
    language: Optional[str] = Field(..., json_schema_extra={"enum": DOCUMENT_LANGUAGES + [None]})
    issued_at: Optional[datetime] = Field(..., description="When the document was issued; null when unknown.")
    issuer: Optional[str] = Field(..., description="The issuing institution, in the request's language; null when unknown.")
    revoked_at: Optional[datetime] = Field(..., description="When it was revoked; null unless revoked.")
    revocation_reason: Optional[str] = Field(..., description="Why it was revoked; null unless revoked.")
    demo: Optional[bool] = Field(..., description="True for a document of a demonstration installation, "
                                 "which is not an official record; null when unknown.")
    reason: str = Field(..., description="The answer explained for a person, in the request's language.")


def verdict_out(verdict: verification.Verdict) -> dict:
    document = verdict.document
    if document is None:
        return {
            "status": verdict.status, "document_type": None, "language": None, "issued_at": None, "issuer": None,
            "revoked_at": None, "revocation_reason": None, "demo": None, "reason": verdict.reason,
        }
    zh = (get_language() or "").startswith("zh")
    return {
        "status": verdict.status,
        "document_type": document.document_type,
        "language": document.language,
        "issued_at": document.issued_at,
        "issuer": settings.INSTITUTION_NAME_ZH if zh else settings.INSTITUTION_NAME_EN,
        "revoked_at": document.revoked_at,
        "revocation_reason": document.revoked_reason if document.is_revoked else None,
        "demo": document.demo,
        "reason": verdict.reason,
    }


def bounded_upload(run):
    """Read the upload under the size limit before ninja parses the request (uploads.py): an
    over-size file answers 413 without being read whole."""

    @wraps(run)
    def wrapped(request, *args, **kwargs):
        limited = throttle.hit(request, "verify_upload_ip")  # as on the page, before the body is read
        if limited:
            return errors.response(request, 429, limited.message(), headers={"Retry-After": str(limited.seconds)})
        try:
            data = read_upload(request, "file")
        except verification.TooLarge as too_large:
            return errors.response(request, 413, str(too_large), {"file": [str(too_large)]})
        if data is None:
            # Said here, because ninja would name the field "file.file" (its location and name).
            missing = errors.invalid({"file": [_("This field is required.")]})
            return errors.response(request, 422, missing.detail, missing.errors)
        return run(request, *args, **kwargs)

    return wrapped


@router.post(
    "/verify",
    auth=None,
    response={200: VerificationOut, 413: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    operation_id="verify_file",
    summary="Verify a PDF file",
    description=(
        "Send the document as multipart/form-data in the field `file`. The file is compared with the files "
        f"we issued and its signature is checked; it is not kept. At most {settings.VERIFY_MAX_UPLOAD // (1024 * 1024)} MB "
        "(413 otherwise). No authentication; a limited number of files per network address (429 past it, "
        "with Retry-After)."
    ),
)
@decorate_view(bounded_upload)
def verify_file(request, file: UploadedFile = File(..., description="The PDF document to verify.")):
    data = b"".join(file.chunks())
    try:
        verdict = verification.check_pdf(data, details=False)
    except verification.TooLarge as too_large:
        raise ApiError(413, str(too_large), {"file": [str(too_large)]})
    return verdict_out(verdict)


@router.get(
    "/verify/{code}",
    auth=None,
    response={200: VerificationOut, 429: ErrorOut},
    operation_id="verify_code",
    summary="Verify a verification code",
    description=(
        "The document issued with this verification code (as printed: XXXX-XXXX-XXXX-XXXX; lower case, "
        "spaces and missing dashes are accepted). An unknown or malformed code answers 200 with status "
        "unknown. No authentication; a limited number of look-ups per network address (429 past it, with "
        "Retry-After)."
    ),
)
def verify_code(request, code: str):
    limited = throttle.hit(request, "verify_ip")
    if limited:
        raise ApiError(429, limited.message(), headers={"Retry-After": str(limited.seconds)})
    return verdict_out(verification.check_code(code))
