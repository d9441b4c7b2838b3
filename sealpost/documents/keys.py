"""The seal's keys, the trust roots and the timestamp authority: which ones this installation
uses, loaded once per process.

Keys, in order of preference (settings first, then the environment):

* ``SEALPOST_PKCS11_MODULE`` (+ token label, key label, certificate label, PIN): an HSM;
* ``SEALPOST_SIGNING_PKCS12`` (+ password): a PKCS#12 file;
* otherwise the generated demo PKI (sealpost.documents.pki).

Timestamps come from ``SEALPOST_TSA_URL`` when set, else from an in-process timestamp authority
keyed with the demo TSA certificate. Everything (keys, certificates, CRLs, the timestamper) is
loaded once per process; ``reset()`` forgets it (tests, or after changing settings). Checking a
file needs only the trust (``get_trust``), never the signing key.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
from pyhanko.sign import signers, timestamps
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from sealpost.documents.signers import CachedKeySigner, LocalTimeStamper, QuickAttributesMixin


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


# --- reading keys and certificates -------------------------------------------------------


def load_certs(data: bytes) -> list[asn1_x509.Certificate]:
    """Every certificate in a PEM file (or the one certificate of a DER file)."""
    if asn1_pem.detect(data):
        return [asn1_x509.Certificate.load(der) for kind, _, der in asn1_pem.unarmor(data, multiple=True) if kind == "CERTIFICATE"]
    return [asn1_x509.Certificate.load(data)]


def load_crls(data: bytes) -> list[asn1_crl.CertificateList]:
    if asn1_pem.detect(data):
        return [asn1_crl.CertificateList.load(der) for kind, _, der in asn1_pem.unarmor(data, multiple=True) if kind == "X509 CRL"]
    return [asn1_crl.CertificateList.load(data)]


def cert_from_pyca(cert) -> asn1_x509.Certificate:
    return translate_pyca_cryptography_cert_to_asn1(cert)


def _demo_files():
    from sealpost.documents import pki

    return pki.ensure_demo_pki()


def _read_private_key(path: Path):
    from sealpost.documents import pki

    pki.check_key_file(path)  # refuses a key file others can read (docs/signing.md)
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


@dataclass
class Trust:
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
class Setup:
    """What signing needs, loaded once per process."""

    signer: signers.Signer
    timestamper: timestamps.TimeStamper
    trust: Trust
    fetch_revocation: bool
    key_source: str  # "demo", "pkcs12" or "pkcs11"
    bytes_reserved: int | None = None  # the signature placeholder's size, learnt on first use
    serial: threading.Lock | None = None  # a PKCS#11 session serves one thread at a time
    pid: int = field(default_factory=os.getpid)

    def validation_context(self) -> ValidationContext:
        return self.trust.validation_context(fetch=self.fetch_revocation)


# --- loaded once per process -------------------------------------------------------------

_lock = threading.RLock()
_trust: Trust | None = None
_setup: Setup | None = None


def reset() -> None:
    """Forget the loaded keys, certificates and timestamper (after the settings changed)."""
    global _setup, _trust
    with _lock:
        old, _setup, _trust = _setup, None, None
    if old is not None and old.serial is not None:
        with contextlib.suppress(Exception):
            old.signer.pkcs11_session.close()


def get_trust() -> Trust:
    global _trust
    current = _trust
    if current is not None and current.pid == os.getpid():
        return current
    with _lock:
        if _trust is None or _trust.pid != os.getpid():  # a forked worker loads its own
            _trust = _load_trust()
        return _trust


def get_setup() -> Setup:
    global _setup
    current = _setup
    if current is not None and current.pid == os.getpid():
        return current
    with _lock:
        if _setup is None or _setup.pid != os.getpid():
            _setup = _load_setup(get_trust())
        return _setup


def _uses_local_tsa() -> bool:
    return not setting("SEALPOST_TSA_URL")


def _load_trust() -> Trust:
    roots_file = setting("SEALPOST_TRUST_ROOTS")
    demo_files = _demo_files() if not roots_file or _uses_local_tsa() else None
    if roots_file:
        roots = load_certs(Path(roots_file).read_bytes())
        if not roots:
            raise ImproperlyConfigured(f"SEALPOST_TRUST_ROOTS: no certificate in {roots_file}")
    else:
        roots = load_certs(demo_files.ca_cert.read_bytes())
    other_certs: list[asn1_x509.Certificate] = []
    crls: list[asn1_crl.CertificateList] = []
    for extra in str(setting("SEALPOST_SIGNING_CRLS", "")).split(os.pathsep):
        if extra:
            crls += load_crls(Path(extra).read_bytes())
    if demo_files is not None:
        if _uses_local_tsa():
            other_certs += load_certs(demo_files.tsa_cert.read_bytes())
        crls += load_crls(demo_files.crl.read_bytes())
    return Trust(roots=tuple(roots), other_certs=tuple(other_certs), crls=tuple(crls), real_pki=bool(roots_file))


def _load_setup(trust: Trust) -> Setup:
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
        chain_certs = [cert_from_pyca(c) for c in chain or ()]
        trust = Trust(trust.roots, trust.other_certs + tuple(chain_certs), trust.crls, trust.real_pki)
        signer = CachedKeySigner(key, cert_from_pyca(cert), SimpleCertificateStore.from_certs(chain_certs + roots))
        key_source = "pkcs12"
    else:
        demo_files = _demo_files()
        signer = CachedKeySigner(
            _read_private_key(demo_files.seal_key),
            load_certs(demo_files.seal_cert.read_bytes())[0],
            SimpleCertificateStore.from_certs(roots),
        )
        key_source = "demo"

    if _uses_local_tsa():
        demo_files = _demo_files()
        tsa_cert = load_certs(demo_files.tsa_cert.read_bytes())[0]
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
    return Setup(
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

    class QuickPKCS11Signer(QuickAttributesMixin, PKCS11Signer):
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



# --- what this installation signs with -------------------------------------------------


def is_demo() -> bool:
    """True when documents are sealed with the generated demo PKI (no PKCS#12, no HSM)."""
    return not setting("SEALPOST_PKCS11_MODULE") and not setting("SEALPOST_SIGNING_PKCS12")


def trust_roots() -> list[asn1_x509.Certificate]:
    """The certificates a signature must chain to (asn1crypto objects)."""
    return list(get_trust().roots)


def certificate_pem() -> bytes:
    """The root of the seal certificate's chain, PEM: what a verifier needs to trust, e.g.
    for ``sealpost verify FILE --trust CERT.pem``. With the demo PKI, the demo CA."""
    roots = get_trust().roots
    if len(roots) == 1:
        return asn1_pem.armor("CERTIFICATE", roots[0].dump())
    signer = get_setup().signer  # several roots (e.g. the TSA's too): follow the seal's chain
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
    return asn1_pem.armor("CERTIFICATE", get_setup().signer.signing_cert.dump())

