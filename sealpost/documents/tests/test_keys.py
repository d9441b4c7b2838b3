"""Keys from a PKCS#12 file and from a PKCS#11 token (SoftHSM2), timestamps from an HTTP
timestamp authority, trust roots from the settings (sealpost.documents.keys). The demo PKI and
the sealed sample come from test_signing's fixtures."""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from sealpost.documents import keys, signing, validation
from sealpost.documents.signers import LocalTimeStamper
from sealpost.documents.tests.test_signing import (  # noqa: F401 - fixtures
    SOFTHSM_MODULE, _cert, _make_other_signer, demo_pki, sealed, source_pdf,
)


# --- keys from a PKCS#12 file and from a PKCS#11 token --------------------------------------


def _demo_seal(demo_pki):
    key = serialization.load_pem_private_key(demo_pki.seal_key.read_bytes(), password=None)
    return key, _cert(demo_pki.seal_cert), _cert(demo_pki.ca_cert)


@pytest.fixture
def restore_signing():
    yield
    keys.reset()


def test_pkcs12_key(tmp_path, settings, source_pdf, demo_pki, restore_signing):
    key, cert, ca = _demo_seal(demo_pki)
    p12 = tmp_path / "seal.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"seal", key, cert, [ca], serialization.BestAvailableEncryption(b"correct horse")
    ))
    p12.chmod(0o600)  # a key file others can read is refused (test_key_protection.py)
    settings.SIGNING_PKCS12 = str(p12)
    settings.SIGNING_PKCS12_PASSWORD = "correct horse"
    keys.reset()
    assert not keys.is_demo()
    sealed = signing.sign(source_pdf)
    assert keys.get_setup().key_source == "pkcs12"
    check = validation.validate(sealed)
    assert check.valid and check.certified and check.level == "B-LT", check.problem


@pytest.mark.skipif(
    not (shutil.which("softhsm2-util") and shutil.which("pkcs11-tool") and Path(SOFTHSM_MODULE).exists()),
    reason="SoftHSM2 (softhsm2) or pkcs11-tool (opensc) is not installed",
)
def test_pkcs11_key_in_softhsm(tmp_path, settings, monkeypatch, source_pdf, demo_pki, restore_signing):
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    config = tmp_path / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(config))

    def run(*args):
        result = subprocess.run(args, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr + result.stdout

    key, cert, _ = _demo_seal(demo_pki)
    (tmp_path / "key.der").write_bytes(
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (tmp_path / "cert.der").write_bytes(cert.public_bytes(serialization.Encoding.DER))
    run("softhsm2-util", "--init-token", "--free", "--label", "sealpost", "--pin", "1234", "--so-pin", "5678")
    tool = ["pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", "sealpost", "--login", "--pin", "1234"]
    run(*tool, "--write-object", str(tmp_path / "key.der"), "--type", "privkey", "--id", "01", "--label", "seal")
    run(*tool, "--write-object", str(tmp_path / "cert.der"), "--type", "cert", "--id", "01", "--label", "seal")

    settings.PKCS11_MODULE = SOFTHSM_MODULE
    settings.PKCS11_TOKEN_LABEL = "sealpost"
    settings.PKCS11_KEY_LABEL = "seal"
    settings.PKCS11_CERT_LABEL = "seal"
    settings.PKCS11_PIN = "1234"
    keys.reset()
    assert not keys.is_demo()
    sealed = signing.sign(source_pdf, lta=True)
    assert keys.get_setup().key_source == "pkcs11"
    check = validation.validate(sealed)
    assert check.valid and check.certified and check.level == "B-LTA", check.problem


@pytest.fixture
def http_tsa(demo_pki):
    """An RFC 3161 timestamp authority over HTTP on 127.0.0.1 (the demo TSA's key behind it)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from asn1crypto import tsp

    authority = LocalTimeStamper(
        keys.load_certs(demo_pki.tsa_cert.read_bytes())[0],
        serialization.load_pem_private_key(demo_pki.tsa_key.read_bytes(), password=None),
    )
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests.append(self.headers.get("Content-Type"))
            reply = authority.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/tsr", requests
    server.shutdown()
    server.server_close()


def test_timestamps_from_an_http_timestamp_authority(settings, source_pdf, http_tsa, restore_signing):
    url, requests = http_tsa
    settings.TSA_URL = url
    keys.reset()
    assert not isinstance(keys.get_setup().timestamper, LocalTimeStamper)
    sealed = signing.sign(source_pdf, lta=True)
    assert requests and set(requests) == {"application/timestamp-query"}
    check = validation.validate(sealed)
    assert check.valid and check.level == "B-LTA", check.problem


def test_checking_needs_no_signing_key_and_roots_come_from_the_settings(tmp_path, settings, sealed, demo_pki, restore_signing):
    from django.core.exceptions import ImproperlyConfigured

    settings.SIGNING_PKCS12 = str(tmp_path / "missing.p12")  # a broken key does not stop checking
    keys.reset()
    assert validation.validate(sealed).valid
    with pytest.raises(OSError):
        signing.sign(b"%PDF-1.7")

    other_root = _make_other_signer().signing_cert
    roots = tmp_path / "roots.pem"
    roots.write_bytes(asn1_pem(other_root) + demo_pki.ca_cert.read_bytes())
    settings.SIGNING_PKCS12 = None
    settings.TRUST_ROOTS = str(roots)
    keys.reset()
    assert len(keys.trust_roots()) == 2
    assert keys.certificate_pem() == demo_pki.ca_cert.read_bytes()  # the root of the seal's chain
    assert validation.validate(sealed).valid

    roots.write_bytes(asn1_pem(other_root))  # a real CA's roots, but the demo's local TSA
    keys.reset()
    assert not validation.validate(sealed).trusted
    with pytest.raises(ImproperlyConfigured, match="SEALPOST_TSA_URL"):
        signing.sign(b"%PDF-1.7")


def asn1_pem(cert) -> bytes:
    from asn1crypto import pem

    return pem.armor("CERTIFICATE", cert.dump())


def test_settings_are_read_with_or_without_the_prefix(settings, monkeypatch):
    monkeypatch.delenv("SEALPOST_TSA_URL", raising=False)
    assert keys.setting("SEALPOST_TSA_URL", "none") == "none"
    monkeypatch.setenv("SEALPOST_TSA_URL", "http://env.example/tsa")
    assert keys.setting("SEALPOST_TSA_URL") == "http://env.example/tsa"
    settings.TSA_URL = "http://settings.example/tsa"
    assert keys.setting("SEALPOST_TSA_URL") == "http://settings.example/tsa"
    settings.SEALPOST_TSA_URL = "http://prefixed.example/tsa"
    assert keys.setting("SEALPOST_TSA_URL") == "http://prefixed.example/tsa"
