"""The demo PKI of the embedded default: a root CA, the institution's seal certificate, a
timestamp authority certificate and an (empty) CRL, generated once in DATA_DIR/pki.

Nothing here is official: every subject says DEMO, and a deployment replaces the seal key with
a PKCS#12 file or an HSM and the local timestamp authority with a real one (docs/signing.md).

Files (private keys are PEM, unencrypted, mode 0600 in a 0700 folder; the rest are public):

    ca.pem      root CA certificate         ca.key    its key (only needed to make the others)
    seal.pem    seal certificate            seal.key  its key (signs the documents)
    tsa.pem     timestamp authority cert    tsa.key   its key (signs the timestamps)
    ca.crl      the CA's CRL, DER, empty; served at BASE_URL/pki/ca.crl and embedded in
                every signed document (PAdES B-LT), so that nothing is fetched when validating.

Validity: CA 25 years, seal 10 years, timestamp authority 20 years, CRL until the CA expires.

Key algorithms: ECDSA P-256 for the CA and the seal (fast, small signatures, understood by
pyHanko, poppler/NSS and Adobe); RSA-2048 for the timestamp authority, because pyHanko's
in-process timestamp authority (DummyTimeStamper) signs with RSA only.

Generation is safe when several processes start at once: the first one to take an exclusive
lock on pki/.lock generates; the others wait for it and then read its files. Every file is
written to a temporary name and renamed into place, and ca.crl is written last, so its
presence means the set is complete.
"""

from __future__ import annotations

import datetime
import fcntl
import functools
import os
import stat
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

CA_YEARS = 25
SEAL_YEARS = 10
# The timestamp authority outlives the seal, as real ones do, so that a document can still be
# validated at the time of its signature timestamp once the seal certificate has expired.
TSA_YEARS = 20
# A CN may hold at most 64 characters (RFC 5280 ub-common-name).
CN_MAX = 64
DEMO_MARK = "(DEMO — not official)"


@dataclass(frozen=True)
class DemoPKIPaths:
    directory: Path
    ca_cert: Path
    ca_key: Path
    seal_cert: Path
    seal_key: Path
    tsa_cert: Path
    tsa_key: Path
    crl: Path


def pki_dir() -> Path:
    return Path(settings.DATA_DIR) / "pki"


def _paths(directory: Path) -> DemoPKIPaths:
    return DemoPKIPaths(
        directory=directory,
        ca_cert=directory / "ca.pem",
        ca_key=directory / "ca.key",
        seal_cert=directory / "seal.pem",
        seal_key=directory / "seal.key",
        tsa_cert=directory / "tsa.pem",
        tsa_key=directory / "tsa.key",
        crl=directory / "ca.crl",
    )


def _complete(paths: DemoPKIPaths) -> bool:
    return all(
        p.is_file() for p in (paths.ca_cert, paths.ca_key, paths.seal_cert, paths.seal_key, paths.tsa_cert, paths.tsa_key, paths.crl)
    )


_lock = threading.Lock()


def ensure_demo_pki() -> DemoPKIPaths:
    """Return the demo PKI's file paths, generating the files on first use."""
    return _ensure(pki_dir().resolve())


@functools.lru_cache(maxsize=8)
def _ensure_cached(directory: Path) -> DemoPKIPaths:
    paths = _paths(directory)
    if _complete(paths):
        return paths
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(directory, 0o700)  # also when it existed (mkdir's mode is subject to the umask)
    with open(directory / ".lock", "a+b") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)  # held until the file is closed
        try:
            if not _complete(paths):  # nobody made them while we waited
                _generate(paths)
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
    return paths


def _ensure(directory: Path) -> DemoPKIPaths:
    with _lock:  # threads of one process: one generates, the others wait
        return _ensure_cached(directory)


class KeyFileExposed(ImproperlyConfigured):
    """A private key file that others than its owner can read."""


def key_file_problem(path, setting: str = "") -> str:
    """Why the private key file at ``path`` must not be used (readable or writable by the group
    or by others: any other account on the machine, the web server's included, could copy the
    institution's seal), or "" when it is private. A file that cannot even be looked at (it is
    another user's) is no problem of this process's."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return ""
    if mode & 0o077 == 0:
        return ""
    where = f"{setting} = {path}" if setting else str(path)
    return (
        f"The private key file {where} can be read by other users (mode {stat.S_IMODE(mode):04o}); "
        f"sealpost refuses to sign with it. Make it readable by the signing user only: "
        f"chmod 600 {path} (see docs/signing.md, \"Keeping the key to the signing process\")."
    )


def check_key_file(path, setting: str = "") -> None:
    """Raise KeyFileExposed (with the message of key_file_problem) for an exposed key file."""
    problem = key_file_problem(path, setting)
    if problem:
        raise KeyFileExposed(problem)


def ca_certificate_pem() -> bytes:
    """The demo root CA certificate (PEM): what a verifier trusts."""
    return ensure_demo_pki().ca_cert.read_bytes()


def crl_url() -> str:
    return f"{settings.BASE_URL.rstrip('/')}/pki/ca.crl"


# --- generation ---------------------------------------------------------------------------


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    # The temporary file is created by os.open with O_CREAT | O_EXCL | O_NOFOLLOW and mode
    # 0600 (what mkstemp does), so a private key is never readable by anyone else, whatever
    # the umask, not even for a moment; fchmod then sets exactly the mode asked for (the umask
    # does not apply to fchmod).
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _cn(preferred: str, fallback: str) -> str:
    return preferred if len(preferred) <= CN_MAX else fallback[:CN_MAX]


def _name(institution: str, cn: str, unit: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, institution[:CN_MAX])]
    if unit:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit[:CN_MAX]))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attributes)


def _generate(paths: DemoPKIPaths) -> None:
    institution = (getattr(settings, "INSTITUTION_NAME_EN", "") or "sealpost").strip()
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    start = now - datetime.timedelta(hours=1)  # tolerate clocks a little behind ours
    ca_end = now + datetime.timedelta(days=365 * CA_YEARS)
    cdp = x509.CRLDistributionPoints(
        [x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url())], None, None, None)]
    )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(institution, _cn(f"{institution} Demo Root CA {DEMO_MARK}", f"Demo Root CA {DEMO_MARK}"))
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(ca_end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski)

    def leaf(key, subject: x509.Name, years: int, key_usage: x509.KeyUsage, eku: x509.ExtendedKeyUsage | None):
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(now + datetime.timedelta(days=365 * years))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(key_usage, critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(aki, critical=False)
            .add_extension(cdp, critical=False)
        )
        if eku is not None:
            builder = builder.add_extension(eku, critical=True)
        return builder.sign(ca_key, hashes.SHA256())

    # The seal: digitalSignature + nonRepudiation, no extended key usage (NSS, as used by
    # poppler's pdfsig, rejects a signer whose EKU lacks emailProtection).
    seal_key = ec.generate_private_key(ec.SECP256R1())
    seal_cert = leaf(
        seal_key,
        _name(
            institution,
            _cn(f"{institution} Registrar's Office seal {DEMO_MARK}", f"Registrar's Office seal {DEMO_MARK}"),
            "Registrar's Office",
        ),
        SEAL_YEARS,
        x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
        ),
        None,
    )
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa_cert = leaf(
        tsa_key,
        _name(institution, _cn(f"{institution} Timestamp Authority {DEMO_MARK}", f"Timestamp Authority {DEMO_MARK}")),
        TSA_YEARS,
        x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
        ),
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
    )
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_name)
        .last_update(start)
        .next_update(ca_end)
        .add_extension(x509.CRLNumber(1), critical=False)
        .add_extension(aki, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    _write_atomic(paths.ca_key, _key_pem(ca_key), 0o600)
    _write_atomic(paths.seal_key, _key_pem(seal_key), 0o600)
    _write_atomic(paths.tsa_key, _key_pem(tsa_key), 0o600)
    _write_atomic(paths.ca_cert, _cert_pem(ca_cert), 0o644)
    _write_atomic(paths.seal_cert, _cert_pem(seal_cert), 0o644)
    _write_atomic(paths.tsa_cert, _cert_pem(tsa_cert), 0o644)
    _write_atomic(paths.crl, crl.public_bytes(serialization.Encoding.DER), 0o644)  # last: marks the set complete
