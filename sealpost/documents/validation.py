"""Checking signed files: is this PDF sealed by us (or by a key under given trust roots),
intact, whole, trusted and timestamped? Without the network, and for any bytes at all.

The signature profile it expects is in sealpost.documents.signing (docs/signing.md).
"""

from __future__ import annotations

import datetime
import io
import logging
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko_certvalidator import ValidationContext

from sealpost.documents.keys import cert_from_pyca, get_trust, load_certs, setting
from sealpost.documents.signers import off_loop

log = logging.getLogger(__name__)

# validate() reads at most this much; anything bigger is not one of our documents.
DEFAULT_MAX_VALIDATE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class SignatureCheck:
    signed: bool = False  # the file carries at least one signature
    intact: bool = False  # the signed bytes hash to the signed digest and the signature value checks
    trusted: bool = False  # the signer's certificate chains to a trust root (and is not revoked)
    whole_file: bool = False  # nothing was changed after signing but validation data and timestamps
    certified: bool = False  # a certification (DocMDP) signature
    signer: str = ""  # "common name, organisation" of the signer's certificate
    signer_common_name: str = ""
    signer_organization: str = ""
    signed_at: datetime.datetime | None = None  # from the signature timestamp
    timestamp_valid: bool = False  # signature timestamp (and every document timestamp) intact and trusted
    level: str = ""  # PAdES level: B-B, B-T, B-LT, B-LTA
    document_timestamps: int = 0
    problem: str = ""  # why the file is not valid, in plain English; empty when it is

    @property
    def valid(self) -> bool:
        """Everything holds: the seal, the file, the trust, and every timestamp."""
        return self.signed and self.intact and self.trusted and self.whole_file and not self.problem


def _name_attr(cert: asn1_x509.Certificate, attr: str) -> str:
    try:
        value = cert.subject.native.get(attr, "")
    except Exception:  # noqa: BLE001 — a certificate from an arbitrary file
        return ""
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return str(value or "")


def validate(pdf: bytes, trust_roots=None, *, at: datetime.datetime | None = None) -> SignatureCheck:
    """Check a signed PDF against explicit trust roots (ours by default), without the network.

    ``trust_roots``: certificates (asn1crypto or ``cryptography`` objects, PEM/DER bytes, or
    paths to PEM files); by default the roots this installation signs under.
    ``at``: check as of that moment instead of now (what-if checks and tests).

    Never raises: anything that is not a signed PDF we can read comes back with signed=False
    and the reason in ``problem``.
    """
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=datetime.timezone.utc)
    try:
        return off_loop(lambda: _validate(pdf, trust_roots, at))
    except Exception as exc:  # noqa: BLE001 — arbitrary bytes from anyone
        log.info("signature check failed: %r", exc)
        return SignatureCheck(problem=f"The file could not be checked: {_describe(exc)}")


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _coerce_roots(roots) -> list[asn1_x509.Certificate]:
    result = []
    for root in roots:
        if isinstance(root, asn1_x509.Certificate):
            result.append(root)
        elif isinstance(root, (bytes, bytearray)):
            result += load_certs(bytes(root))
        elif isinstance(root, (str, Path)):
            result += load_certs(Path(root).read_bytes())
        else:  # a cryptography certificate
            result.append(cert_from_pyca(root))
    return result


def _ok(status) -> bool:
    return status is not None and status.intact and status.valid and status.trusted


def _validate(pdf: bytes, roots, at: datetime.datetime | None) -> SignatureCheck:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import DocumentSecurityStore, validate_pdf_signature, validate_pdf_timestamp
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if not isinstance(pdf, (bytes, bytearray, memoryview)):
        return SignatureCheck(problem="Not a file.")
    pdf = bytes(pdf)
    limit = int(setting("SEALPOST_VALIDATE_MAX_BYTES", DEFAULT_MAX_VALIDATE_BYTES))
    if len(pdf) > limit:
        return SignatureCheck(problem=f"The file is too large to check (over {limit // (1024 * 1024)} MB).")
    if b"%PDF-" not in pdf[:1024]:
        return SignatureCheck(problem="Not a PDF file.")
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    except Exception as exc:  # noqa: BLE001
        return SignatureCheck(problem=f"The PDF file cannot be read: {_describe(exc)}")
    if reader.encrypted:
        return SignatureCheck(problem="The PDF file is encrypted; sealed documents are not.")
    signatures = reader.embedded_regular_signatures
    doc_timestamps = reader.embedded_timestamp_signatures
    if not signatures:
        return SignatureCheck(problem="The PDF file is not signed.", document_timestamps=len(doc_timestamps))

    if roots is None:
        ours = get_trust()
        trust = list(ours.roots)
        extra_certs, extra_crls = list(ours.other_certs), list(ours.crls)
    else:
        trust = _coerce_roots(roots)
        extra_certs, extra_crls = [], []
        if not trust:
            return SignatureCheck(signed=True, problem="No trust root was given.")
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except Exception:  # noqa: BLE001 — no DSS (B-B, B-T) or an unreadable one
        dss = None

    def context(moment: datetime.datetime | None = at, *, past: bool = False) -> ValidationContext:
        """Trust only the given roots; revocation data only from the file (and our own CRL);
        never the network. ``past``: validation at an earlier time, with the revocation data
        embedded later (at signing) accepted for that time."""
        kwargs = dict(
            trust_roots=trust, other_certs=extra_certs, crls=extra_crls, allow_fetching=False,
            moment=moment, retroactive_revinfo=past,
        )
        if dss is not None:
            try:
                return dss.as_validation_context(kwargs)
            except Exception:  # noqa: BLE001
                pass
        return ValidationContext(**kwargs)

    first = signatures[0]
    statuses = []
    for embedded in signatures:
        try:
            statuses.append(validate_pdf_signature(embedded, context(), context()))
        except Exception as exc:  # noqa: BLE001
            log.info("signature %s could not be validated: %r", embedded.field_name, exc)
            return SignatureCheck(
                signed=True,
                problem=f"The signature cannot be checked: the file is damaged or was changed after signing ({_describe(exc)}).",
            )
    status = statuses[0]

    # Document timestamps, newest first: the newest must hold now; each older one at the time
    # of the one after it. `proven_at` ends as the earliest time the chain vouches for.
    later = sorted((ts for ts in doc_timestamps if ts.signed_revision > first.signed_revision), key=lambda ts: ts.signed_revision)
    proven_at, chain_ok, moment = None, True, at
    for ts in reversed(later):
        try:
            ts_status = validate_pdf_timestamp(ts, context(moment, past=moment is not at))
        except Exception as exc:  # noqa: BLE001
            log.info("document timestamp could not be validated: %r", exc)
            ts_status = None
        if not _ok(ts_status):
            chain_ok = False
            break
        moment = proven_at = ts_status.timestamp

    # Long-term validation: when the seal certificate is no longer valid now (it expired),
    # the signature still counts if it was valid when its timestamp says it was made, and
    # that timestamp is itself valid now or when the document timestamps vouch for it.
    ts_status = status.timestamp_validity
    if status.intact and status.valid and not status.trusted and ts_status is not None and ts_status.intact and ts_status.valid:
        signed_time = ts_status.timestamp
        for ts_moment in [at] + ([proven_at] if proven_at is not None else []):
            try:
                past = validate_pdf_signature(first, context(signed_time, past=True), context(ts_moment, past=ts_moment is not at))
            except Exception as exc:  # noqa: BLE001
                log.info("past validation failed: %r", exc)
                continue
            if past.trusted and _ok(past.timestamp_validity):
                status = statuses[0] = past
                ts_status = past.timestamp_validity
                break

    cert = first.signer_cert
    common_name, organization = _name_attr(cert, "common_name"), _name_attr(cert, "organization_name")
    intact = all(s.intact and s.valid for s in statuses)
    trusted = all(s.trusted for s in statuses)
    certified = _is_certification(reader, first)

    # whole_file: the seal covers the file, or all that came after it is validation data and
    # document timestamps (no page, annotation or form change), and nobody signed again.
    level = status.modification_level
    whole_file = (
        len(signatures) == 1
        and status.coverage is not None
        and (
            status.coverage == SignatureCoverageLevel.ENTIRE_FILE
            or (
                status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
                and level is not None
                and level <= ModificationLevel.LTA_UPDATES
            )
        )
        and status.docmdp_ok is not False
    )
    signature_ts_ok = _ok(ts_status)
    # document timestamps before the seal (someone else's) do not count either way
    timestamp_valid = signature_ts_ok and chain_ok

    problems: list[str] = []
    if not intact:
        problems.append("The signature does not match the file: it was changed after signing.")
    if not trusted:
        problems.append(_trust_problem(next(s for s in statuses if not s.trusted)))
    if len(signatures) > 1:
        problems.append("The file was signed again after the institution's seal.")
    elif not whole_file:
        problems.append("Something was added to the file after it was sealed.")
    if ts_status is None:
        problems.append("The signature has no timestamp.")
    elif not signature_ts_ok:
        problems.append("The signature timestamp is not valid or not trusted.")
    if not chain_ok:
        problems.append("A document timestamp is not valid or not trusted.")

    return SignatureCheck(
        signed=True,
        intact=intact,
        trusted=trusted,
        whole_file=whole_file,
        certified=certified,
        signer=", ".join(p for p in (common_name, organization) if p),
        signer_common_name=common_name,
        signer_organization=organization,
        signed_at=ts_status.timestamp if signature_ts_ok else None,
        timestamp_valid=timestamp_valid,
        level=_pades_level(first, ts_status, dss, later),
        document_timestamps=len(doc_timestamps),
        problem=" ".join(problems),
    )


def _trust_problem(status) -> str:
    indication = getattr(status, "trust_problem_indic", None)
    name = getattr(indication, "name", "") or ""
    if "REVOKED" in name:
        return "The signer's certificate was revoked."
    if "OUT_OF_BOUNDS" in name or "EXPIRED" in name:
        return "The signer's certificate has expired (or was not yet valid), and no valid timestamp proves the signature older."
    if "NO_CERTIFICATE_CHAIN_FOUND" in name:
        return "The signer's certificate is not issued by a trusted authority."
    detail = f" ({name.lower().replace('_', ' ')})" if name else ""
    return f"The signer's certificate cannot be trusted{detail}."


def _is_certification(reader, embedded) -> bool:
    """A certification signature: DocMDP transform in the signature, and the catalog's
    /Perms /DocMDP names that very signature."""
    from pyhanko.sign.validation import read_certification_data

    try:
        info = read_certification_data(reader)
        return info is not None and info.permission is not None and info.author_sig.get_object() is embedded.sig_object.get_object()
    except Exception:  # noqa: BLE001
        return False


def _pades_level(first, ts_status, dss, later_timestamps) -> str:
    """The PAdES baseline level the file's structure claims (not a conformance check)."""
    if ts_status is None:
        return "B-B"
    has_revinfo = dss is not None and (len(dss.crls) > 0 or len(dss.ocsps) > 0)
    if not has_revinfo:
        return "B-T"
    return "B-LTA" if later_timestamps else "B-LT"



__all__ = ["SignatureCheck", "validate"]
