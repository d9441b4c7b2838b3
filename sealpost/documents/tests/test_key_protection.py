"""The signing key stays with the signing process: key files are created private whatever the
umask, and a key file that other users can read is refused (when signing, and by a system check)."""

from __future__ import annotations

import datetime
import os
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from cryptography.x509.oid import NameOID
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from sealpost.documents import checks, keys, pki

SIGNING_ENV = ("SEALPOST_PKCS", "SEALPOST_SIGNING", "SEALPOST_TSA", "SEALPOST_TRUST")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A data folder of the test's own, with no key configured anywhere."""
    for name in list(os.environ):
        if name.startswith(SIGNING_ENV):
            monkeypatch.delenv(name)
    cleared = {n: None for n in ("SIGNING_PKCS12", "SEALPOST_SIGNING_PKCS12", "PKCS11_MODULE", "SEALPOST_PKCS11_MODULE",
                                 "TSA_URL", "SEALPOST_TSA_URL", "TRUST_ROOTS", "SEALPOST_TRUST_ROOTS")}
    with override_settings(DATA_DIR=tmp_path / "data", BASE_URL="https://registrar.example.edu", **cleared):
        pki._ensure_cached.cache_clear()
        keys.reset()
        yield tmp_path / "data"
    pki._ensure_cached.cache_clear()
    keys.reset()


@pytest.fixture
def open_umask():
    old = os.umask(0)  # the most careless umask: files would be created 0666
    try:
        yield
    finally:
        os.umask(old)


def test_demo_keys_are_private_whatever_the_umask(data_dir, open_umask):
    # A folder left world-readable by someone else is tightened too.
    (data_dir / "pki").mkdir(parents=True, mode=0o755)
    os.chmod(data_dir / "pki", 0o755)
    paths = pki.ensure_demo_pki()
    for key in (paths.ca_key, paths.seal_key, paths.tsa_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key
    assert stat.S_IMODE(paths.directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(paths.ca_cert.stat().st_mode) == 0o644  # certificates are public
    assert not [p for p in paths.directory.iterdir() if p.name.endswith(".tmp")]
    assert checks.key_files_private() == []


def test_a_readable_demo_key_is_refused_when_signing(data_dir):
    paths = pki.ensure_demo_pki()
    os.chmod(paths.seal_key, 0o640)
    keys.reset()
    with pytest.raises(pki.KeyFileExposed) as refused:
        keys.get_setup()
    message = str(refused.value)
    assert str(paths.seal_key) in message and "0640" in message and "chmod 600" in message
    os.chmod(paths.seal_key, 0o600)
    keys.reset()
    assert keys.get_setup().key_source == "demo"


def test_system_check_names_the_exposed_key(data_dir):
    paths = pki.ensure_demo_pki()
    os.chmod(paths.tsa_key, 0o604)
    errors = checks.key_files_private()
    assert [e.id for e in errors] == ["sealpost.E701"]
    assert str(paths.tsa_key) in errors[0].msg and "chmod 600" in errors[0].msg
    with pytest.raises(SystemCheckError):
        call_command("check")


def test_system_check_does_not_generate_the_demo_pki(data_dir):
    assert checks.key_files_private() == []
    assert not (data_dir / "pki").exists()


def _p12(path, mode):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Registrar's Office seal (test)")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256())
    )
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"seal", key, cert, None, BestAvailableEncryption(b"pw")))
    os.chmod(path, mode)
    return path


def test_a_readable_pkcs12_file_is_refused(data_dir, tmp_path):
    p12 = _p12(tmp_path / "seal.p12", 0o644)
    with override_settings(SIGNING_PKCS12=str(p12), SIGNING_PKCS12_PASSWORD="pw"):
        keys.reset()
        with pytest.raises(pki.KeyFileExposed, match="SEALPOST_SIGNING_PKCS12"):
            keys.get_setup()
        assert [e.id for e in checks.key_files_private()] == ["sealpost.E701"]
        os.chmod(p12, 0o600)
        keys.reset()
        assert keys.get_setup().key_source == "pkcs12"
        assert checks.key_files_private() == []
