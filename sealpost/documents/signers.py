"""pyHanko's working parts, made faster for sealing many documents: a signer that keeps its
parsed key, a signing-certificate attribute encoded once, the demo's in-process timestamp
authority, and a way to call pyHanko's synchronous API from async code.

Which key and which timestamp authority are used is decided in sealpost.documents.keys.
"""

from __future__ import annotations

import asyncio
import concurrent.futures

from asn1crypto import cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from pyhanko.keys.internal import translate_pyca_cryptography_key_to_asn1
from pyhanko.sign import attributes, general, signers
from pyhanko.sign.general import as_signing_certificate_v2
from pyhanko.sign.timestamps.common_utils import get_nonce
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

# The demo timestamp authority's policy: an OID under the UUID arc (ITU-T X.667), so that it
# claims no real authority's policy.
DEMO_TSA_POLICY = "2.25.191977368386046733375935916451541356375"


class QuickAttributesMixin:
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


class CachedKeySigner(QuickAttributesMixin, signers.SimpleSigner):
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



_loop_free = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="sealpost-signing")


def off_loop(call):
    """pyHanko's synchronous API runs its own event loop, which cannot start in a thread
    that already runs one (an async view): such callers get a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    return _loop_free.submit(call).result()

