"""Verifying a document: by its file, by the file's SHA-256, or by its verification code.

The register of issued files is the first authority: a file whose SHA-256 is that of a file we
issued is exactly what we signed, so its answer (valid, or revoked) needs no PDF parsing. Any
other file is examined: the verification code it carries and its signature (pyHanko, against
explicit trust roots) tell a changed copy of one of our documents ("tampered": a changed byte,
an appended page, a copy re-signed with another key) from a file we know nothing of ("unknown").

Every function here answers a Verdict for any input, however malformed, and bounds its work:
files over settings.VERIFY_MAX_UPLOAD are refused before anything is parsed.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _

from sealpost.documents.models import Document, DocumentFile, normalise_code

if TYPE_CHECKING:  # pragma: no cover
    from sealpost.documents.validation import SignatureCheck

log = logging.getLogger(__name__)

VALID, REVOKED, TAMPERED, UNKNOWN = "valid", "revoked", "tampered", "unknown"
STATUSES = (VALID, REVOKED, TAMPERED, UNKNOWN)

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# A verification code as printed (four groups of four of Crockford's alphabet), found in the raw
# bytes of a file whose structure is too damaged for the PDF reader to find it.
RAW_CODE_RE = re.compile(rb"(?<![0-9A-Z])([0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4})(?![0-9A-Z])")


def max_upload() -> int:
    return int(getattr(settings, "VERIFY_MAX_UPLOAD", 20 * 1024 * 1024))


class TooLarge(ValueError):
    """A file larger than settings.VERIFY_MAX_UPLOAD: refused unread."""

    def __init__(self, size: int | None = None):
        self.size = size
        super().__init__(too_large_message())


def too_large_message() -> str:
    megabytes = max_upload() / (1024 * 1024)
    return _("The file is too large to check here: at most %(size)s MB is accepted. An issued document is far smaller; check that this is the right file.") % {
        "size": f"{megabytes:g}"}


@dataclass
class Verdict:
    status: str  # "valid" | "revoked" | "tampered" | "unknown"
    document: Document | None = None
    check: SignatureCheck | None = None
    reason: str = ""
    # How the answer was reached: "file", "hash" or "code".
    by: str = ""
    # The verification code found in a file that is not in the register (tampered copies).
    code: str = ""

    @property
    def known(self) -> bool:
        return self.document is not None


# --- the three ways in --------------------------------------------------------------------


def check_code(code: str) -> Verdict:
    """The document a typed or scanned verification code names (lenient: lower case, spaces,
    missing dashes, O for 0 ...)."""
    normalised = normalise_code(code or "")
    if not normalised:
        return Verdict(UNKNOWN, by="code", reason=_("This is not a verification code: a code has 16 letters and digits, printed as XXXX-XXXX-XXXX-XXXX."))
    document = Document.objects.filter(verification_code=normalised).first()
    if document is None:
        return Verdict(UNKNOWN, by="code", code=normalised, reason=_("No document was issued with this verification code."))
    return _registered(document, by="code")


def check_hash(sha256: str) -> Verdict:
    """The document whose issued file has this SHA-256 (hex). Only the register is asked, so a
    file we did not issue is "unknown" whether it is a changed copy of one of ours or not: only
    the file itself can tell those apart."""
    sha256 = (sha256 or "").strip().lower()
    if not SHA256_RE.match(sha256):
        return Verdict(UNKNOWN, by="hash", reason=_("This is not a SHA-256 fingerprint: it has 64 hexadecimal digits."))
    known = DocumentFile.objects.select_related("document").filter(sha256=sha256).first()
    if known is None:
        return Verdict(UNKNOWN, by="hash", reason=_(
            "No document we issued is exactly this file. It may be a changed copy of one of our documents, "
            "or a file we never issued: checking by fingerprint cannot tell which. Upload the file to find out."))
    return _registered(known.document, by="hash")


def check_pdf(data: bytes, *, details: bool = True) -> Verdict:
    """The answer for a file. ``details``: also examine the signature of a file found in the
    register, to show who signed it and when (the answer does not depend on it)."""
    if data is None:
        data = b""
    if len(data) > max_upload():
        raise TooLarge(len(data))
    sha256 = hashlib.sha256(data).hexdigest()
    known = DocumentFile.objects.select_related("document").filter(sha256=sha256).first()
    if known is not None:
        verdict = _registered(known.document, by="file")
        if details:
            verdict.check = _validate(data)
        return verdict

    check = _validate(data)
    code = _embedded_code(data)
    document = Document.objects.filter(verification_code=code).first() if code else None
    if document is not None:
        return Verdict(TAMPERED, document=document, check=check, by="file", code=code, reason=_tamper_reason(check))
    if check is not None and getattr(check, "signed", False) and _claims_us(check):
        if _sound(check):
            # Sealed by us and untouched, yet not in the register (issued by another installation,
            # or the register lost it): we cannot vouch for it, and it is not a changed copy.
            return Verdict(UNKNOWN, check=check, by="file", code=code or "", reason=_(
                "The file carries our intact signature, but our register has no record of this document. "
                "Ask the registrar's office."))
        return Verdict(TAMPERED, check=check, by="file", code=code or "", reason=_tamper_reason(check))
    if check is not None and getattr(check, "signed", False):
        reason = _("The file is signed, but not by us, and names no document we issued.")
    elif data.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        reason = _("The file names no document we issued, and it carries no signature of ours.")
    else:
        reason = _("This is not a PDF document, or it is too damaged to read.")
    return Verdict(UNKNOWN, check=check, by="file", code=code or "", reason=reason)


# --- helpers --------------------------------------------------------------------------------


def _registered(document: Document, *, by: str) -> Verdict:
    if document.is_revoked:
        return Verdict(REVOKED, document=document, by=by, code=document.verification_code,
                       reason=_("The registrar's office revoked this document. It is no longer valid."))
    return Verdict(VALID, document=document, by=by, code=document.verification_code,
                   reason=_("This document was issued by us and has not been changed."))


def _validate(data: bytes):
    """validation.validate, which answers for any bytes; guarded all the same, so that a bug in
    the PDF reader is a logged "could not read" and never a failed request."""
    from sealpost.documents import validation

    try:
        return validation.validate(data)
    except Exception:  # noqa: BLE001 - a verifier must answer for any input
        log.warning("signature validation failed unexpectedly", exc_info=True)
        return None


def _embedded_code(data: bytes) -> str:
    """The verification code the file carries: read from the PDF, or, in a file too damaged for
    that, a code-shaped string found in its raw bytes that names a document we issued."""
    from sealpost.documents import rendering

    code = ""
    try:
        code = normalise_code(rendering.embedded_code(data) or "")
    except Exception:  # noqa: BLE001 - same as above
        log.warning("reading the verification code failed unexpectedly", exc_info=True)
    if code:
        return code
    candidates = {m.decode() for m in RAW_CODE_RE.findall(data[: max_upload()])}
    if candidates:
        found = Document.objects.filter(verification_code__in=list(candidates)[:100]).values_list("verification_code", flat=True).first()
        return found or ""
    return ""


def _sound(check) -> bool:
    return all(getattr(check, name, False) for name in ("signed", "intact", "trusted", "whole_file"))


def _claims_us(check) -> bool:
    """Whether the signature is ours or pretends to be: made with a certificate we trust, or by
    a signer whose name is our institution's or our seal's."""
    if getattr(check, "trusted", False):
        return True
    signer = (getattr(check, "signer", "") or "").casefold()
    if not signer:
        return False
    names = {
        getattr(settings, "INSTITUTION_NAME_EN", ""), getattr(settings, "INSTITUTION_NAME_ZH", ""),
        getattr(settings, "SEAL_TEXT_EN", ""), getattr(settings, "SEAL_TEXT_ZH", ""),
    } | _our_subject_names()
    return any(name and name.casefold() in signer for name in names)


def _our_subject_names() -> set[str]:
    """The organisation and common name in our seal certificate's subject."""
    from sealpost.documents import keys

    try:
        from cryptography import x509
        from cryptography.x509.oid import NameOID

        certificate = x509.load_pem_x509_certificate(keys.certificate_pem())
    except Exception:  # noqa: BLE001 - no certificate configured: nothing to compare with
        return set()
    names = set()
    for oid in (NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME):
        for attribute in certificate.subject.get_attributes_for_oid(oid):
            if isinstance(attribute.value, str) and len(attribute.value) >= 4:
                names.add(attribute.value)
    return names


def _tamper_reason(check) -> str:
    """What was wrong with a file that claims to be one of our documents, in plain words."""
    if check is None or not getattr(check, "signed", False):
        return _("The file names a document we issued, but it is not the file we issued and it no longer carries a "
                 "signature that can be checked: it was changed or damaged.")
    if not getattr(check, "intact", False):
        return _("The content was changed after it was signed: the signature no longer matches it.")
    if not getattr(check, "trusted", False):
        return _("The file was signed again by someone else, not with our seal: it is not the document we issued.")
    if not getattr(check, "whole_file", False):
        return _("Content was added to the file after it was signed (for example a page): what was added is not "
                 "covered by our signature.")
    return _("This file is not the one we issued under its verification code.")


# --- the holder's name, partly masked --------------------------------------------------------


def mask_name_en(name: str) -> str:
    """A passport-style name with the given names masked: "CHEN, TA-WEI" → "CHEN, T*-W**".
    Without a comma (surname unknown), every word keeps only its first letter."""
    name = (name or "").strip()
    if not name:
        return ""
    if "," in name:
        surname, given = name.split(",", 1)
        masked = _mask_words(given.strip())
        return f"{surname.strip()}, {masked}" if masked else surname.strip()
    return _mask_words(name)


def _mask_words(text: str) -> str:
    # Keep the first letter of each part; parts are separated by spaces, hyphens and apostrophes.
    return re.sub(r"[^\s\-']+", lambda m: m.group(0)[0] + "*" * (len(m.group(0)) - 1), text)


def mask_name_zh(name: str) -> str:
    """A Chinese name with the middle masked: "陳大偉" → "陳*偉", "陳偉" → "陳*", "歐陽娜娜" → "歐**娜"."""
    chars = list((name or "").strip())
    if not chars:
        return ""
    if len(chars) == 1:
        return "*"
    if len(chars) == 2:
        return chars[0] + "*"
    return chars[0] + "*" * (len(chars) - 2) + chars[-1]


def masked_holder(document: Document) -> str:
    """The holder's name as the verification answer shows it: both forms, partly masked."""
    parts = [mask_name_zh(document.holder_name_zh), mask_name_en(document.holder_name_en)]
    return " ".join(p for p in parts if p)
