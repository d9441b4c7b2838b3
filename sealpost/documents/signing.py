"""Sealing documents with the institution's certificate, renewing archival timestamps, and
checking signed files.

The signature profile (docs/signing.md): one certification signature (DocMDP, no changes
permitted) in the invisible field ``InstitutionSeal``, sub-filter ETSI.CAdES.detached (PAdES),
SHA-256, an RFC 3161 signature timestamp (B-T), the chain and revocation data in the document
security store (B-LT), and a document timestamp over all of it when asked (B-LTA). pyHanko
appends everything as incremental updates, so the bytes of the PDF/A-3 file from the renderer
are kept as they are.

Keys, in order of preference (settings first, then the environment):

* ``SEALPOST_PKCS11_MODULE`` (+ token label, key label, certificate label, PIN): an HSM;
* ``SEALPOST_SIGNING_PKCS12`` (+ password): a PKCS#12 file;
* otherwise the generated demo PKI (sealpost.documents.pki).

Timestamps come from ``SEALPOST_TSA_URL`` when set, else from an in-process timestamp authority
keyed with the demo TSA certificate. Everything (keys, certificates, CRLs, the timestamper) is
loaded once per process; ``reset()`` forgets it (tests, or after changing settings).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime
import io
import logging
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import cms, core, tsp
from asn1crypto import crl as asn1_crl
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1, translate_pyca_cryptography_key_to_asn1
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import attributes, fields, general, signers, timestamps
from pyhanko.sign.general import as_signing_certificate_v2
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
from pyhanko.sign.timestamps.common_utils import get_nonce
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

log = logging.getLogger(__name__)


class _DropExpectedWarning(logging.Filter):
    """pyHanko warns on every signature that validation data is embedded with fetching
    disabled; with the demo PKI that is the intent (the CRL comes from disk)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_DropExpectedWarning())

FIELD_NAME = "InstitutionSeal"
MD_ALGORITHM = "sha256"
# validate() reads at most this much; anything bigger is not one of our documents.
DEFAULT_MAX_VALIDATE_BYTES = 64 * 1024 * 1024
# The demo timestamp authority's policy: an OID under the UUID arc (ITU-T X.667), so that it
# claims no real authority's policy.
DEMO_TSA_POLICY = "2.25.191977368386046733375935916451541356375"


def setting(name: str, default=None):
    """A deployment setting: settings.SEALPOST_X or settings.X (settings.py names them without
    the prefix) when given, else the environment variable SEALPOST_X, else the default."""
    for candidate in (name, name.removeprefix("SEALPOST_")):
        value = getattr(settings, candidate, None)
        if value not in (None, ""):
            return value
    value = os.environ.get(name)
    return default if value in (None, "") else value


def _setting_bool(name: str, default: bool) -> bool:
    value = setting(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


# --- key and timestamp plumbing ---------------------------------------------------------


class _QuickAttributesMixin:
    """Serialise the signing-certificate-v2 attribute once per signer, not once per signature.

    asn1crypto re-encodes that attribute (the issuer's name inside a tagged choice) every time
    it is dumped, several times per signature: about 20 ms of the ~27 ms pyHanko spends
    building a CMS signature here. Loading the value from its DER bytes makes every later
    dump a copy of those bytes.
    """

    _signing_certificate_der: bytes | None = None

    def _signed_attr_providers(self, *args, **kwargs):
        for provider in super()._signed_attr_providers(*args, **kwargs):
            if type(provider) is attributes.SigningCertificateV2Provider:
                if self._signing_certificate_der is None:
                    self._signing_certificate_der = as_signing_certificate_v2(provider.signing_cert).dump()
                provider = _PreEncodedSigningCertificateV2(provider.signing_cert, self._signing_certificate_der)
            yield provider


class _PreEncodedSigningCertificateV2(attributes.SigningCertificateV2Provider):
    def __init__(self, signing_cert, der: bytes):
        super().__init__(signing_cert)
        self._der = der

    async def build_attr_value(self, dry_run=False):
        return tsp.SigningCertificateV2.load(self._der)


class CachedKeySigner(_QuickAttributesMixin, signers.SimpleSigner):
    """A SimpleSigner that keeps its parsed private key.

    pyHanko's SimpleSigner turns its key from DER into a key object on every raw signature
    (twice per PDF); with RSA that costs 30–130 ms each time (NOTES.md). The key object of
    ``cryptography`` is immutable and safe to use from several threads.
    """

    def __init__(self, private_key, signing_cert: asn1_x509.Certificate, cert_registry, **kwargs):
        super().__init__(
            signing_cert=signing_cert,
            signing_key=translate_pyca_cryptography_key_to_asn1(private_key),
            cert_registry=cert_registry,
            **kwargs,
        )
        self._private_key = private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism_spec = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            mechanism = mechanism_spec.signature_algo
        except ValueError:
            mechanism = mechanism_spec["algorithm"].native
        key = self._private_key
        if mechanism == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        if mechanism == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if mechanism == "rsassa_pss" and isinstance(key, rsa.RSAPrivateKey):
            pss, hash_algo = process_pss_params(mechanism_spec["parameters"])
            return key.sign(data, pss, hash_algo)
        if mechanism in ("ed25519", "ed448") and isinstance(key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)):
            return key.sign(data)
        return super().sign_raw(data, digest_algorithm)  # anything rarer: pyHanko's own (slower) way


class LocalTimeStamper(DummyTimeStamper):
    """The demo's in-process RFC 3161 timestamp authority.

    pyHanko's DummyTimeStamper, with the key parsed once instead of on every token, the
    constant parts of each token encoded once, and a policy OID of our own instead of a
    real TSA's. RSA keys only, like its parent.
    """

    def __init__(self, tsa_cert: asn1_x509.Certificate, private_key: rsa.RSAPrivateKey, certs_to_embed=()):
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise ValueError("the local timestamp authority needs an RSA key")
        super().__init__(
            tsa_cert=tsa_cert,
            tsa_key=translate_pyca_cryptography_key_to_asn1(private_key),
            certs_to_embed=SimpleCertificateStore.from_certs(certs_to_embed),
        )
        self._private_key = private_key
        self._tsa_name_der = asn1_x509.GeneralName(name="directory_name", value=tsa_cert.subject).dump()
        self._signing_certificate_der = general.as_signing_certificate(tsa_cert).dump()

    def _build_tst_info(self, message_imprint, dt, req):
        info = {
            "version": "v1",
            "policy": DEMO_TSA_POLICY,
            "message_imprint": message_imprint,
            "serial_number": get_nonce(),
            "gen_time": dt,
            "tsa": asn1_x509.GeneralName.load(self._tsa_name_der),
        }
        if req["nonce"].native is not None:
            info["nonce"] = req["nonce"]
        return tsp.TSTInfo(info)

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt):
        digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                general.simple_cms_attribute("content_type", "tst_info"),
                general.simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                general.simple_cms_attribute(
                    "signing_certificate", tsp.SigningCertificate.load(self._signing_certificate_der)
                ),
                general.simple_cms_attribute("message_digest", digest.finalize()),
            ]
        )
        signature = self._private_key.sign(
            signed_attrs.dump(), padding.PKCS1v15(), get_pyca_cryptography_hash(md_algorithm)
        )
        return signature, signed_attrs

    def request_tsa_response(self, req):
        # Re-read from bytes: a parsed structure dumps as a copy, a built one is re-encoded
        # each time pyHanko dumps it.
        return tsp.TimeStampResp.load(super().request_tsa_response(req).dump())


def _load_certs(data: bytes) -> list[asn1_x509.Certificate]:
    """Every certificate in a PEM file (or the one certificate of a DER file)."""
    if asn1_pem.detect(data):
        return [asn1_x509.Certificate.load(der) for kind, _, der in asn1_pem.unarmor(data, multiple=True) if kind == "CERTIFICATE"]
    return [asn1_x509.Certificate.load(data)]


def _load_crls(data: bytes) -> list[asn1_crl.CertificateList]:
    if asn1_pem.detect(data):
        return [asn1_crl.CertificateList.load(der) for kind, _, der in asn1_pem.unarmor(data, multiple=True) if kind == "X509 CRL"]
    return [asn1_crl.CertificateList.load(data)]


def _cert_from_pyca(cert) -> asn1_x509.Certificate:
    return translate_pyca_cryptography_cert_to_asn1(cert)


def _demo_files():
    from sealpost.documents import pki

    return pki.ensure_demo_pki()


def _read_private_key(path: Path):
    from sealpost.documents import pki

    pki.check_key_file(path)  # refuses a key file others can read (docs/signing.md)
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


@dataclass
class _Trust:
    """What checking needs: the trust roots, and certificates and CRLs of our own that a
    file may lack. Loaded without touching the signing key (a web process that only checks
    documents needs no HSM)."""

    roots: tuple[asn1_x509.Certificate, ...]
    other_certs: tuple[asn1_x509.Certificate, ...]
    crls: tuple[asn1_crl.CertificateList, ...]
    real_pki: bool  # SEALPOST_TRUST_ROOTS names the roots (else: the demo CA)
    pid: int = field(default_factory=os.getpid)

    def validation_context(self, *, fetch: bool = False) -> ValidationContext:
        # A new context each time: a context fixes "now" when it is made, and collects
        # the revocation data that goes into the document's security store.
        return ValidationContext(
            trust_roots=list(self.roots), other_certs=list(self.other_certs), crls=list(self.crls), allow_fetching=fetch,
        )


@dataclass
class _Setup:
    """What signing needs, loaded once per process."""

    signer: signers.Signer
    timestamper: timestamps.TimeStamper
    trust: _Trust
    fetch_revocation: bool
    key_source: str  # "demo", "pkcs12" or "pkcs11"
    bytes_reserved: int | None = None  # the signature placeholder's size, learnt on first use
    serial: threading.Lock | None = None  # a PKCS#11 session serves one thread at a time
    pid: int = field(default_factory=os.getpid)

    def validation_context(self) -> ValidationContext:
        return self.trust.validation_context(fetch=self.fetch_revocation)


_lock = threading.RLock()
_trust: _Trust | None = None
_setup: _Setup | None = None


def reset() -> None:
    """Forget the loaded keys, certificates and timestamper (after the settings changed)."""
    global _setup, _trust
    with _lock:
        old, _setup, _trust = _setup, None, None
    if old is not None and old.serial is not None:
        with contextlib.suppress(Exception):
            old.signer.pkcs11_session.close()


def _get_trust() -> _Trust:
    global _trust
    current = _trust
    if current is not None and current.pid == os.getpid():
        return current
    with _lock:
        if _trust is None or _trust.pid != os.getpid():  # a forked worker loads its own
            _trust = _load_trust()
        return _trust


def _get_setup() -> _Setup:
    global _setup
    current = _setup
    if current is not None and current.pid == os.getpid():
        return current
    with _lock:
        if _setup is None or _setup.pid != os.getpid():
            _setup = _load_setup(_get_trust())
        return _setup


def _uses_local_tsa() -> bool:
    return not setting("SEALPOST_TSA_URL")


def _load_trust() -> _Trust:
    roots_file = setting("SEALPOST_TRUST_ROOTS")
    demo_files = _demo_files() if not roots_file or _uses_local_tsa() else None
    if roots_file:
        roots = _load_certs(Path(roots_file).read_bytes())
        if not roots:
            raise ImproperlyConfigured(f"SEALPOST_TRUST_ROOTS: no certificate in {roots_file}")
    else:
        roots = _load_certs(demo_files.ca_cert.read_bytes())
    other_certs: list[asn1_x509.Certificate] = []
    crls: list[asn1_crl.CertificateList] = []
    for extra in str(setting("SEALPOST_SIGNING_CRLS", "")).split(os.pathsep):
        if extra:
            crls += _load_crls(Path(extra).read_bytes())
    if demo_files is not None:
        if _uses_local_tsa():
            other_certs += _load_certs(demo_files.tsa_cert.read_bytes())
        crls += _load_crls(demo_files.crl.read_bytes())
    return _Trust(roots=tuple(roots), other_certs=tuple(other_certs), crls=tuple(crls), real_pki=bool(roots_file))


def _load_setup(trust: _Trust) -> _Setup:
    module = setting("SEALPOST_PKCS11_MODULE")
    p12_path = setting("SEALPOST_SIGNING_PKCS12")
    roots = list(trust.roots)
    serial = None
    if module:
        signer = _pkcs11_signer(str(module), roots)
        serial = threading.Lock()
        key_source = "pkcs11"
    elif p12_path:
        from sealpost.documents import pki

        pki.check_key_file(p12_path, "SEALPOST_SIGNING_PKCS12")  # refuses a file others can read
        password = setting("SEALPOST_SIGNING_PKCS12_PASSWORD")
        key, cert, chain = pkcs12.load_key_and_certificates(
            Path(p12_path).read_bytes(), password.encode() if isinstance(password, str) else password
        )
        if key is None or cert is None:
            raise ImproperlyConfigured(f"SEALPOST_SIGNING_PKCS12: {p12_path} holds no key and certificate")
        chain_certs = [_cert_from_pyca(c) for c in chain or ()]
        trust = _Trust(trust.roots, trust.other_certs + tuple(chain_certs), trust.crls, trust.real_pki)
        signer = CachedKeySigner(key, _cert_from_pyca(cert), SimpleCertificateStore.from_certs(chain_certs + roots))
        key_source = "pkcs12"
    else:
        demo_files = _demo_files()
        signer = CachedKeySigner(
            _read_private_key(demo_files.seal_key),
            _load_certs(demo_files.seal_cert.read_bytes())[0],
            SimpleCertificateStore.from_certs(roots),
        )
        key_source = "demo"

    if _uses_local_tsa():
        demo_files = _demo_files()
        tsa_cert = _load_certs(demo_files.tsa_cert.read_bytes())[0]
        if trust.real_pki and all(root.subject != tsa_cert.issuer for root in roots):
            raise ImproperlyConfigured(
                "SEALPOST_TSA_URL is needed with SEALPOST_TRUST_ROOTS: the local timestamp authority is "
                "certified by the demo CA, which those roots do not include."
            )
        timestamper = LocalTimeStamper(tsa_cert, _read_private_key(demo_files.tsa_key), certs_to_embed=roots)
    else:
        user, password = setting("SEALPOST_TSA_USERNAME"), setting("SEALPOST_TSA_PASSWORD")
        timestamper = timestamps.HTTPTimeStamper(
            str(setting("SEALPOST_TSA_URL")), timeout=int(setting("SEALPOST_TSA_TIMEOUT", 10)),
            auth=(user, password or "") if user else None,
        )
    return _Setup(
        signer=signer,
        timestamper=timestamper,
        trust=trust,
        # Under the demo CA nothing comes from the network (its CRL is read from disk); under a
        # real CA the revocation data (OCSP/CRL) is fetched when signing, to be embedded (B-LT).
        fetch_revocation=_setting_bool("SEALPOST_SIGNING_FETCH_REVOCATION", trust.real_pki),
        key_source=key_source,
        serial=serial,
    )


def _pkcs11_signer(module: str, roots: list[asn1_x509.Certificate]):
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    class QuickPKCS11Signer(_QuickAttributesMixin, PKCS11Signer):
        pass

    token_label = setting("SEALPOST_PKCS11_TOKEN_LABEL")
    session = open_pkcs11_session(
        module, token_criteria=TokenCriteria(label=token_label) if token_label else None, user_pin=setting("SEALPOST_PKCS11_PIN"),
    )
    key_label = setting("SEALPOST_PKCS11_KEY_LABEL")
    cert_label = setting("SEALPOST_PKCS11_CERT_LABEL", key_label)
    signer = QuickPKCS11Signer(
        session,
        cert_label=cert_label,
        key_label=key_label or cert_label,
        other_certs_to_pull=None,  # the chain too, if the token holds it
        ca_chain=roots,
    )
    # ECDSA: hash in software and let the token do raw ECDSA (CKM_ECDSA), which every token
    # has; many (SoftHSM2 among them) lack the hash-and-sign CKM_ECDSA_SHA256.
    raw = str(setting("SEALPOST_PKCS11_RAW_ECDSA", "auto")).lower()
    if raw in ("1", "true", "yes", "on") or (raw == "auto" and signer.signing_cert.public_key.algorithm == "ec"):
        signer.use_raw_mechanism = True
    return signer


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


# --- the public API ---------------------------------------------------------------------


def is_demo() -> bool:
    """True when documents are sealed with the generated demo PKI (no PKCS#12, no HSM)."""
    return not setting("SEALPOST_PKCS11_MODULE") and not setting("SEALPOST_SIGNING_PKCS12")


def trust_roots() -> list[asn1_x509.Certificate]:
    """The certificates a signature must chain to (asn1crypto objects)."""
    return list(_get_trust().roots)


def certificate_pem() -> bytes:
    """The root of the seal certificate's chain, PEM: what a verifier needs to trust, e.g.
    for ``sealpost verify FILE --trust CERT.pem``. With the demo PKI, the demo CA."""
    roots = _get_trust().roots
    if len(roots) == 1:
        return asn1_pem.armor("CERTIFICATE", roots[0].dump())
    signer = _get_setup().signer  # several roots (e.g. the TSA's too): follow the seal's chain
    by_subject = {cert.subject.dump(): cert for cert in signer.cert_registry}
    issuer = signer.signing_cert.issuer
    for _ in range(8):
        for root in roots:
            if root.subject == issuer:
                return asn1_pem.armor("CERTIFICATE", root.dump())
        parent = by_subject.get(issuer.dump())
        if parent is None or parent.subject == parent.issuer:
            break
        issuer = parent.issuer
    return b"".join(asn1_pem.armor("CERTIFICATE", root.dump()) for root in roots)


def seal_certificate_pem() -> bytes:
    """The seal certificate itself, PEM."""
    return asn1_pem.armor("CERTIFICATE", _get_setup().signer.signing_cert.dump())


_DSS_WITH_SIGNATURE = DSSContentSettings(placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, include_vri=False)


def _signature_meta(setup: _Setup, lta: bool) -> signers.PdfSignatureMetadata:
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
    setup = _get_setup()
    pdf_signer = signers.PdfSigner(_signature_meta(setup, lta), setup.signer, timestamper=setup.timestamper)

    def run(reserved):
        with _metadata_kept():
            return pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), bytes_reserved=reserved)

    # pyHanko sizes the signature's placeholder by building a dummy signature first (a few
    # ms); the size it chose the first time (with its 50% margin) is kept for the next ones.
    reserved = setup.bytes_reserved
    with setup.serial or contextlib.nullcontext():
        try:
            output = _off_loop(lambda: run(reserved)).getvalue()
        except Exception as error:
            if reserved is None or "larger than expected" not in str(error):
                raise
            setup.bytes_reserved = reserved = None  # the timestamp authority's answers grew
            output = _off_loop(lambda: run(None)).getvalue()
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
    setup = _get_setup()
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

    return _off_loop(run).getvalue()


_loop_free = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="sealpost-signing")


def _off_loop(call):
    """pyHanko's synchronous API runs its own event loop, which cannot start in a thread
    that already runs one (an async view): such callers get a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    return _loop_free.submit(call).result()


# --- checking ---------------------------------------------------------------------------


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
        return _off_loop(lambda: _validate(pdf, trust_roots, at))
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
            result += _load_certs(bytes(root))
        elif isinstance(root, (str, Path)):
            result += _load_certs(Path(root).read_bytes())
        else:  # a cryptography certificate
            result.append(_cert_from_pyca(root))
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
        ours = _get_trust()
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


__all__ = [
    "FIELD_NAME",
    "SignatureCheck",
    "certificate_pem",
    "is_demo",
    "renew_archive_timestamp",
    "reset",
    "seal_certificate_pem",
    "sign",
    "trust_roots",
    "validate",
]
