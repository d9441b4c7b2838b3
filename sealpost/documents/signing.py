"""Sealing documents with the institution's certificate, and renewing archival timestamps.

The signature profile (docs/signing.md): one certification signature (DocMDP, no changes
permitted) in the invisible field ``InstitutionSeal``, sub-filter ETSI.CAdES.detached (PAdES),
SHA-256, an RFC 3161 signature timestamp (B-T), the chain and revocation data in the document
security store (B-LT), and a document timestamp over all of it when asked (B-LTA). pyHanko
appends everything as incremental updates, so the bytes of the PDF/A-3 file from the renderer
are kept as they are.

The keys, trust roots and timestamp authority are sealpost.documents.keys; checking a signed
file is sealpost.documents.validation.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import threading

from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference

from sealpost.documents.keys import Setup, get_setup, setting
from sealpost.documents.signers import off_loop


class _DropExpectedWarning(logging.Filter):
    """pyHanko warns on every signature that validation data is embedded with fetching
    disabled; with the demo PKI that is the intent (the CRL comes from disk)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_DropExpectedWarning())

FIELD_NAME = "InstitutionSeal"
MD_ALGORITHM = "sha256"


# --- keeping the renderer's metadata ---------------------------------------------------

_keep_metadata = threading.local()


def _install_metadata_guard() -> None:
    """Make pyHanko leave /Info and the XMP metadata alone while we sign.

    On every incremental update pyHanko sets ModDate and Producer in /Info and re-serialises
    the whole XMP packet with its own writer. PDF/A only asks that the two agree, which they
    already do as the renderer wrote them; a re-serialised packet is a risk to PDF/A and
    PDF/UA conformance (pyHanko issue #755: extension schemas written as invalid RDF), and
    costs a few milliseconds per revision. So, on the thread that is signing, the update of
    the metadata (a private method of pyHanko 0.38's writers) is skipped; if pyHanko renames
    it, this does nothing and pyHanko's own behaviour remains.
    """
    from pyhanko.pdf_utils.writer import BasePdfFileWriter

    original = getattr(BasePdfFileWriter, "_update_meta", None)
    if original is None or getattr(original, "_sealpost_guard", False):
        return

    def _update_meta(self):
        if getattr(_keep_metadata, "on", False):
            return None
        return original(self)

    _update_meta._sealpost_guard = True
    BasePdfFileWriter._update_meta = _update_meta


_install_metadata_guard()


@contextlib.contextmanager
def _metadata_kept():
    previous = getattr(_keep_metadata, "on", False)
    _keep_metadata.on = True
    try:
        yield
    finally:
        _keep_metadata.on = previous



# --- sealing ---------------------------------------------------------------------------


_DSS_WITH_SIGNATURE = DSSContentSettings(placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, include_vri=False)


def _signature_meta(setup: Setup, lta: bool) -> signers.PdfSignatureMetadata:
    institution = getattr(settings, "INSTITUTION_NAME_EN", "")
    return signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm=MD_ALGORITHM,
        reason=setting("SEALPOST_SIGNATURE_REASON", f"Official academic record issued by the Registrar's Office of {institution}"),
        location=setting("SEALPOST_SIGNATURE_LOCATION", institution or None),
        contact_info=getattr(settings, "REGISTRAR_EMAIL", None) or None,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=True,
        # The chain and CRLs go into the /DSS of the signature's own revision (no VRI): one
        # revision instead of two, so pyHanko parses the file once instead of twice (about
        # 3.5 ms of ~14 per seal, docs/performance.md) and the seal covers the entire file.
        dss_settings=_DSS_WITH_SIGNATURE,
        use_pades_lta=lta,
        validation_context=setup.validation_context(),
    )


def sign(pdf: bytes, *, lta: bool = False) -> bytes:
    """Seal a PDF: certification signature, signature timestamp and validation data
    (PAdES B-LT), and a document timestamp on top when ``lta`` (B-LTA).
    The input is kept byte for byte; the signature is appended as incremental updates."""
    setup = get_setup()
    pdf_signer = signers.PdfSigner(_signature_meta(setup, lta), setup.signer, timestamper=setup.timestamper)

    def run(reserved):
        with _metadata_kept():
            return pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), bytes_reserved=reserved)

    # pyHanko sizes the signature's placeholder by building a dummy signature first (a few
    # ms); the size it chose the first time (with its 50% margin) is kept for the next ones.
    reserved = setup.bytes_reserved
    with setup.serial or contextlib.nullcontext():
        try:
            output = off_loop(lambda: run(reserved)).getvalue()
        except Exception as error:
            if reserved is None or "larger than expected" not in str(error):
                raise
            setup.bytes_reserved = reserved = None  # the timestamp authority's answers grew
            output = off_loop(lambda: run(None)).getvalue()
    if reserved is None:
        setup.bytes_reserved = _reserved_size(output[len(pdf):])
    return output


def _reserved_size(appended: bytes) -> int | None:
    """The size pyHanko reserved for the signature: the gap in its /ByteRange, less the
    angle brackets around the hexadecimal string."""
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", appended)
    if not match:
        return None
    start, end = int(match.group(2)), int(match.group(3))
    gap = end - start - 2
    return gap if gap > 0 and gap % 2 == 0 else None


def renew_archive_timestamp(pdf: bytes) -> bytes:
    """Add a fresh document timestamp to a sealed file, after bringing the document security
    store up to date with the validation data of the previous timestamp: the periodic renewal
    that keeps an archived signature verifiable after its certificates expire or its
    algorithms weaken (PAdES B-LTA). A B-LT file becomes B-LTA."""
    setup = get_setup()
    reader = PdfFileReader(io.BytesIO(pdf))
    if not reader.embedded_regular_signatures:
        raise ValueError("the file is not signed")
    stamper = signers.PdfTimeStamper(setup.timestamper)
    if reader.embedded_timestamp_signatures:
        call = lambda: stamper.update_archival_timestamp_chain(  # noqa: E731
            reader, setup.validation_context(), in_place=False, default_md_algorithm=MD_ALGORITHM
        )
    else:
        call = lambda: stamper.timestamp_pdf(  # noqa: E731
            IncrementalPdfFileWriter(io.BytesIO(pdf)), MD_ALGORITHM, validation_context=setup.validation_context()
        )

    def run():
        with _metadata_kept():
            return call()

    return off_loop(run).getvalue()


__all__ = ["FIELD_NAME", "renew_archive_timestamp", "sign"]
