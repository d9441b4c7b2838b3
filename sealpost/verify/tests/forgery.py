"""Issued documents for the verification tests, and the ways people forge them: a changed byte,
an appended page, a copy re-signed with another key."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sealpost.issuance import services
from sealpost.orders import services as order_services
from sealpost.orders.models import Status


def place_paid_order(applicant, documents=(("transcript", "en"),), **fields):
    draft = order_services.Draft(
        applicant_type="alumnus", documents=list(documents), name_en=fields.pop("name_en", "CHEN, TA-WEI"),
        name_zh=fields.pop("name_zh", "陳大偉"), phone="0912345678", email=applicant.email,
        recipients=[(applicant.email, "")],
    )
    order = order_services.place_order(student=applicant.student, draft=draft, applicant=applicant, actor=applicant)
    order.status = Status.PAID
    order.save()
    return order


@pytest.fixture
def order(applicant):
    """A paid order of the `applicant`, its documents issued."""
    order = place_paid_order(applicant)
    services.issue_order(order)
    order.refresh_from_db()
    return order


@pytest.fixture
def document(order):
    return order.issued_documents.get()


@pytest.fixture
def issued_pdf(document) -> bytes:
    return document.current_file.read()


@pytest.fixture
def officer(make_user):
    from sealpost.accounts.models import Role

    return make_user(role=Role.OFFICER, email="officer@registrar.example.edu")


def revoke(document, officer, reason="Issued with the wrong degree date."):
    return services.revoke(document, officer, reason)


# --- forgeries --------------------------------------------------------------------------------


def signed_range(pdf: bytes) -> tuple[int, int, int, int]:
    """The /ByteRange of the first signature: (start, length, start, length)."""
    found = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert found, "the file is not signed"
    return tuple(int(n) for n in found.groups())


def change_byte(pdf: bytes, at: int | None = None) -> bytes:
    """One byte changed inside the signed range (by default in the middle of its first part)."""
    start, length, _, _ = signed_range(pdf)
    at = start + length // 2 if at is None else at
    data = bytearray(pdf)
    data[at] = (data[at] + 1) % 256 if data[at] != 0x20 else 0x21
    return bytes(data)


def signed_positions(pdf: bytes, count: int = 8) -> list[int]:
    """Positions spread over both parts of the signed range."""
    a, la, b, lb = signed_range(pdf)
    first = [a + (la * (i + 1)) // (count // 2 + 1) for i in range(count // 2)]
    second = [b + (lb * (i + 1)) // (count // 2 + 1) for i in range(count // 2)]
    return first + second


def append_page(pdf: bytes, text: bytes = b"Dean's list 2024") -> bytes:
    """A page added as an incremental update, as a PDF editor would save it."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    content = generic.StreamObject(stream_data=b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET")
    page = generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Page"),
        generic.NameObject("/MediaBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)]),
        generic.NameObject("/Contents"): writer.add_object(content),
        generic.NameObject("/Resources"): generic.DictionaryObject(),
    })
    writer.insert_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def self_made_key(organisation: str = "National Demonstration University", common_name: str = "Registrar's Office seal"):
    """A self-signed certificate and its key, as anyone can make: (asn1crypto cert, key info, PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=False, encipher_only=False, decipher_only=False,
        ), critical=True)
        .sign(key, hashes.SHA256())
    )
    der = certificate.public_bytes(serialization.Encoding.DER)
    key_der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    return asn1_x509.Certificate.load(der), asn1_keys.PrivateKeyInfo.load(key_der), pem


def sign_with_own_key(pdf: bytes, organisation: str = "National Demonstration University", field: str = "Seal") -> bytes:
    """The bytes certified, like ours, with a self-made key claiming to be the institution."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    certificate, key, _pem = self_made_key(organisation)
    signer = signers.SimpleSigner(signing_cert=certificate, signing_key=key,
                                  cert_registry=SimpleCertificateStore.from_certs([certificate]))
    meta = signers.PdfSignatureMetadata(field_name=field, certify=True, docmdp_permissions=fields.MDPPerm.NO_CHANGES)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    return signers.sign_pdf(writer, meta, signer=signer).getvalue()


def unsigned_rendering(document) -> bytes:
    """The document's PDF as the renderer makes it, before our seal: same content, same code."""
    from sealpost.documents import rendering

    return rendering.render(document.document_type, document.language, rendering.document_data(document))


def strip_seal(pdf: bytes) -> bytes:
    """The issued file without our seal: our signature was appended as incremental updates, so
    the first revision (up to the first %%EOF) is the file as rendered."""
    end = pdf.index(b"%%EOF") + len(b"%%EOF")
    return pdf[:end] + b"\n"


def resign_issued(pdf: bytes) -> bytes:
    """The issued bytes, our seal cut off, certified again with a self-made key."""
    return sign_with_own_key(strip_seal(pdf))


def resign(document) -> bytes:
    """A copy of the document signed with another key: the unsigned rendering, certified with
    a self-made certificate in the institution's name."""
    return sign_with_own_key(unsigned_rendering(document))


def random_pdf(text: str = "Certificate of something") -> bytes:
    """A PDF that has nothing to do with us."""
    import typst

    source = f'#set page(width: 12cm, height: 8cm)\n{text}'.encode()
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.typ"
        path.write_bytes(source)
        return typst.compile(str(path))
