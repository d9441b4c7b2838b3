"""Sealing documents (PAdES B-LT/B-LTA certification signatures), the demo PKI, renewing
archival timestamps, and checking signed files: with pyHanko, and independently with poppler's
pdfsig; keys from the demo PKI (a PKCS#12 file and a PKCS#11 token: test_keys.py)."""

from __future__ import annotations

import datetime
import io
import multiprocessing
import os
import re
import shutil
import stat
import subprocess
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from sealpost.documents import keys, pki, signing, validation
from sealpost.documents.signers import CachedKeySigner

SOURCE_TYP = """
#set document(title: "Transcript of records", author: "Registrar")
#set page(paper: "a4")
= Transcript of records
CHEN, TA-WEI — Bachelor of Engineering. Programming 1: 91.
#pagebreak()
= Page two
Grade point average 4.1 / 4.3.
"""

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
SIGNING_SETTINGS = (
    "SIGNING_PKCS12", "SIGNING_PKCS12_PASSWORD", "PKCS11_MODULE", "PKCS11_TOKEN_LABEL", "PKCS11_KEY_LABEL",
    "PKCS11_CERT_LABEL", "PKCS11_PIN", "TSA_URL", "TRUST_ROOTS",
)


@pytest.fixture(scope="module", autouse=True)
def demo_pki(tmp_path_factory):
    """A data folder of this module's own, so that the demo PKI is generated here, fresh,
    and no key configured in the environment is used."""
    data_dir = tmp_path_factory.mktemp("data")
    cleared = {name: None for name in SIGNING_SETTINGS} | {f"SEALPOST_{name}": None for name in SIGNING_SETTINGS}
    with override_settings(DATA_DIR=data_dir, BASE_URL="https://registrar.example.edu", **cleared):
        saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith(("SEALPOST_PKCS", "SEALPOST_SIGNING", "SEALPOST_TSA", "SEALPOST_TRUST"))}
        keys.reset()
        try:
            yield pki.ensure_demo_pki()
        finally:
            keys.reset()
            os.environ.update(saved)


@pytest.fixture(scope="module")
def source_pdf(tmp_path_factory) -> bytes:
    import typst

    folder = tmp_path_factory.mktemp("typst")
    (folder / "doc.typ").write_text(SOURCE_TYP, encoding="utf-8")
    return typst.compile(str(folder / "doc.typ"), pdf_standards=["a-3b"])


@pytest.fixture(scope="module")
def sealed(source_pdf) -> bytes:
    return signing.sign(source_pdf)


@pytest.fixture(scope="module")
def sealed_lta(source_pdf) -> bytes:
    return signing.sign(source_pdf, lta=True)


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _make_other_signer():
    """A self-made key and self-signed certificate: someone who is not the institution."""
    from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.INSTITUTION_NAME_EN),
        x509.NameAttribute(NameOID.COMMON_NAME, "Registrar's Office seal"),
    ])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return CachedKeySigner(key, translate_pyca_cryptography_cert_to_asn1(cert), SimpleCertificateStore())


def _sign_with(pdf: bytes, signer, *, certify: bool) -> bytes:
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(
        field_name="Other", md_algorithm="sha256", certify=certify, subfilter=fields.SigSeedSubFilter.PADES,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    return signers.PdfSigner(meta, signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf))).getvalue()


# --- the demo PKI --------------------------------------------------------------------------


def test_demo_pki_files_and_certificates(demo_pki):
    for key in (demo_pki.ca_key, demo_pki.seal_key, demo_pki.tsa_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(demo_pki.directory.stat().st_mode) == 0o700
    ca, seal, tsa = _cert(demo_pki.ca_cert), _cert(demo_pki.seal_cert), _cert(demo_pki.tsa_cert)
    crl_url = "https://registrar.example.edu/pki/ca.crl"

    assert seal.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == settings.INSTITUTION_NAME_EN
    common_name = seal.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert "seal" in common_name and "DEMO" in common_name
    assert isinstance(seal.public_key(), ec.EllipticCurvePublicKey)
    usage = seal.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert seal.issuer == ca.subject
    seal.verify_directly_issued_by(ca)
    tsa.verify_directly_issued_by(ca)
    for leaf in (seal, tsa):
        points = leaf.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
        assert points[0].full_name[0].value == crl_url
    eku = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    # the timestamp authority outlives the seal (long-term validation after the seal expires)
    assert tsa.not_valid_after_utc > seal.not_valid_after_utc

    crl = x509.load_der_x509_crl(demo_pki.crl.read_bytes())
    assert crl.is_signature_valid(ca.public_key()) and len(crl) == 0
    assert crl.next_update_utc > datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=365 * 20)

    assert pki.ca_certificate_pem() == demo_pki.ca_cert.read_bytes()
    assert keys.certificate_pem() == demo_pki.ca_cert.read_bytes()
    assert keys.is_demo()


def _generate_in_child(directory: str, queue):
    paths = pki._ensure_cached.__wrapped__(Path(directory))
    queue.put(paths.ca_cert.read_bytes())


def test_demo_pki_is_generated_once_when_processes_race(tmp_path):
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    children = [context.Process(target=_generate_in_child, args=(str(tmp_path / "pki"), queue)) for _ in range(4)]
    for child in children:
        child.start()
    for child in children:
        child.join(30)
        assert child.exitcode == 0
    results = {queue.get(timeout=5) for _ in children}
    assert results == {(tmp_path / "pki" / "ca.pem").read_bytes()}  # all four use the same CA
    assert not list((tmp_path / "pki").glob(".*.tmp"))


# --- signing and checking ------------------------------------------------------------------


def test_sealed_document_validates(source_pdf, sealed):
    assert sealed.startswith(source_pdf)  # an incremental update: the PDF/A file is kept byte for byte
    check = validation.validate(sealed)
    assert check.valid, check.problem
    assert (check.signed, check.intact, check.trusted, check.whole_file, check.certified) == (True,) * 5
    assert check.timestamp_valid and check.signed_at is not None
    assert abs(check.signed_at - datetime.datetime.now(datetime.timezone.utc)) < datetime.timedelta(minutes=10)
    assert check.level == "B-LT" and check.document_timestamps == 0
    assert "DEMO" in check.signer and settings.INSTITUTION_NAME_EN in check.signer
    assert check.problem == ""

    reader = PdfFileReader(io.BytesIO(sealed))
    signature = reader.embedded_regular_signatures[0]
    assert signature.field_name == signing.FIELD_NAME
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert signature.docmdp_level.value == 1  # MDPPerm.NO_CHANGES
    dss = reader.root["/DSS"]  # B-LT: the chain and the CRL travel with the file
    assert len(dss["/Certs"]) >= 3 and len(dss["/CRLs"]) >= 1
    # the renderer's metadata (PDF/A identification, dates, producer) is left exactly as it was
    source = PdfFileReader(io.BytesIO(source_pdf))
    assert reader.root["/Metadata"].get_object().data == source.root["/Metadata"].get_object().data
    assert dict(reader.trailer["/Info"]) == dict(source.trailer["/Info"])


def test_offline_check_with_only_the_published_certificate(sealed):
    root = x509.load_pem_x509_certificate(keys.certificate_pem())
    assert validation.validate(sealed, trust_roots=[root]).valid
    assert validation.validate(sealed, trust_roots=[keys.certificate_pem()]).valid
    other_root = _make_other_signer().signing_cert
    check = validation.validate(sealed, trust_roots=[other_root])
    assert check.intact and not check.trusted and not check.valid


def test_lta_and_renewal_of_the_archival_timestamp(source_pdf, sealed_lta):
    check = validation.validate(sealed_lta)
    assert check.valid and check.level == "B-LTA" and check.document_timestamps == 1, check.problem

    renewed = signing.renew_archive_timestamp(sealed_lta)
    assert renewed.startswith(sealed_lta)
    check = validation.validate(renewed)
    assert check.valid and check.certified and check.timestamp_valid, check.problem
    assert check.level == "B-LTA" and check.document_timestamps == 2

    upgraded = signing.renew_archive_timestamp(signing.sign(source_pdf))  # B-LT becomes B-LTA
    assert validation.validate(upgraded).level == "B-LTA"
    with pytest.raises(ValueError):
        signing.renew_archive_timestamp(source_pdf)


def test_long_term_validation_after_the_seal_certificate_expires(sealed, sealed_lta):
    now = datetime.datetime.now(datetime.timezone.utc)
    for document in (sealed, sealed_lta):
        later = validation.validate(document, at=now + datetime.timedelta(days=365 * 11))  # seal expired, TSA not
        assert later.valid and later.signed_at is not None, later.problem
        too_late = validation.validate(document, at=now + datetime.timedelta(days=365 * 30))  # everything expired
        assert later.intact and not too_late.trusted and not too_late.valid
        assert "expired" in too_late.problem


def test_one_changed_byte_is_detected(sealed, source_pdf):
    # inside the longest stream of the original (a font or a page's content): the file still
    # parses, only the signed bytes differ
    starts = [match.end() for match in re.finditer(rb"(?<!end)stream\r?\n", source_pdf)]
    start, end = max(((a, source_pdf.index(b"endstream", a)) for a in starts), key=lambda span: span[1] - span[0])
    data = bytearray(sealed)
    data[(start + end) // 2] ^= 0x01
    check = validation.validate(bytes(data))
    assert check.signed and not check.intact and not check.valid
    assert "changed" in check.problem


def test_an_appended_page_is_detected(sealed):
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed))
    content = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 720 Td (Forged) Tj ET"))
    from pyhanko.pdf_utils.writer import PageObject

    writer.insert_page(PageObject(contents=content, media_box=(0, 0, 595, 842)))
    out = io.BytesIO()
    writer.write(out)
    check = validation.validate(out.getvalue())
    assert check.signed and check.intact and check.trusted  # the sealed revision itself is untouched
    assert not check.whole_file and not check.valid
    assert "added" in check.problem


def test_an_added_annotation_is_detected(sealed):
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed))
    page_ref, _ = writer.find_page_for_modification(0)
    annotation = writer.add_object(generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name("/Text"),
        pdf_name("/Rect"): generic.ArrayObject([generic.NumberObject(x) for x in (10, 10, 30, 30)]),
        pdf_name("/Contents"): generic.TextStringObject("grade changed"),
    }))
    writer.register_annotation(page_ref, annotation)
    out = io.BytesIO()
    writer.write(out)
    check = validation.validate(out.getvalue())
    assert check.intact and not check.whole_file and not check.valid


def test_signatures_by_someone_else_are_not_trusted(source_pdf, sealed, monkeypatch):
    from pyhanko.sign import signers

    other = _make_other_signer()
    forged = validation.validate(_sign_with(source_pdf, other, certify=True))  # the original, sealed by another key
    assert forged.signed and forged.intact and not forged.trusted and not forged.valid
    assert "trusted" in forged.problem

    # pyHanko itself refuses to sign after a no-changes certification; a forger would not
    monkeypatch.setattr(signers.PdfSigner, "_enforce_certification_constraints", lambda self, reader: None)
    resealed = validation.validate(_sign_with(sealed, other, certify=False))  # our file, signed again by another key
    assert resealed.signed and not resealed.trusted and not resealed.whole_file and not resealed.valid


def _encrypted_pdf() -> bytes:
    from pyhanko.pdf_utils.writer import PdfFileWriter, PageObject

    writer = PdfFileWriter()
    content = writer.add_object(generic.StreamObject(stream_data=b"BT ET"))
    writer.insert_page(PageObject(contents=content, media_box=(0, 0, 595, 842)))
    writer.encrypt("owner", "user")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf_with_javascript(source_pdf) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(source_pdf))
    action = writer.add_object(generic.DictionaryObject({
        pdf_name("/S"): pdf_name("/JavaScript"), pdf_name("/JS"): generic.TextStringObject("app.alert('hi');"),
    }))
    writer.root[pdf_name("/OpenAction")] = action
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_anything_else_is_answered_without_an_exception(sealed, source_pdf, settings):
    samples = [
        b"", b"garbage", os.urandom(4096), b"%PDF-1.7\n" + os.urandom(2000), b"%PDF-1.7\n%%EOF",
        sealed[: len(sealed) // 2], sealed[:-40], sealed.replace(b"/ByteRange", b"/ByteRangX"),
        source_pdf, _encrypted_pdf(), _pdf_with_javascript(source_pdf), None, "a string",
    ]
    for sample in samples:
        check = validation.validate(sample)
        assert not check.valid and check.problem, sample[:20] if sample else sample
    assert "not signed" in validation.validate(source_pdf).problem
    assert "encrypted" in validation.validate(_encrypted_pdf()).problem

    settings.SEALPOST_VALIDATE_MAX_BYTES = 1000
    huge = validation.validate(sealed)
    assert not huge.signed and "too large" in huge.problem


def test_concurrent_signing_in_threads(source_pdf):
    results, errors = [], []

    def work():
        try:
            for _ in range(3):
                results.append(signing.sign(source_pdf))
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(results) == 12
    assert all(validation.validate(pdf).valid for pdf in results[:3])


def test_the_parsed_key_and_the_signature_size_are_kept(source_pdf):
    setup = keys.get_setup()
    assert isinstance(setup.signer, CachedKeySigner) and setup.key_source == "demo"
    assert keys.get_setup() is setup
    signing.sign(source_pdf)
    learnt = setup.bytes_reserved
    assert learnt and learnt % 2 == 0
    setup.bytes_reserved = 200  # too small (say the TSA's answers grew): signed all the same
    assert validation.validate(signing.sign(source_pdf)).valid
    assert setup.bytes_reserved and setup.bytes_reserved > 200


# --- poppler's pdfsig: an independent validator ---------------------------------------------


@pytest.mark.skipif(not shutil.which("pdfsig") or not shutil.which("certutil"), reason="poppler-utils or libnss3-tools missing")
def test_pdfsig_finds_the_signature_valid_and_trusted(tmp_path, sealed, sealed_lta, demo_pki):
    (tmp_path / "sealed.pdf").write_bytes(sealed)
    (tmp_path / "lta.pdf").write_bytes(signing.renew_archive_timestamp(sealed_lta))

    untrusted = subprocess.run(["pdfsig", str(tmp_path / "sealed.pdf")], capture_output=True, text=True, timeout=60)
    assert "Signature Validation: Signature is Valid." in untrusted.stdout

    # An NSS database that trusts the demo CA. pdfsig validates the signer for e-mail signing
    # (certificateUsageEmailSigner), so the CA needs the e-mail trust flag (",C,"); "C,," (TLS
    # server trust) leaves it "Certificate issuer isn't Trusted". Not -no-ocsp either: with it,
    # poppler 22.12 reports "Unknown issue with Certificate" for a CA without OCSP.
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{nss}", "-n", "demo-ca", "-t", ",C,", "-i", str(demo_pki.ca_cert)],
        check=True, capture_output=True,
    )
    for name in ("sealed.pdf", "lta.pdf"):
        result = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(tmp_path / name)], capture_output=True, text=True, timeout=60)
        first = result.stdout.split("Signature #2")[0]
        assert "Signature Validation: Signature is Valid." in first, result.stdout
        assert "Certificate Validation: Certificate is Trusted." in first, result.stdout
        assert "Signature Field Name: InstitutionSeal" in first


# --- sealpost renew-timestamps -------------------------------------------------------------


@pytest.fixture
def stored_documents(db, student, source_pdf, sealed, sealed_lta, settings, tmp_path):
    from sealpost.documents import storage
    from sealpost.documents.models import Document, DocumentFile

    settings.STORAGES = {**settings.STORAGES, "documents": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "store")},
    }}
    now = datetime.datetime.now(datetime.timezone.utc)

    def make(level, data, revoked=False):
        document = Document.objects.create(
            student=student, document_type="transcript", language="en", holder_name_en="CHEN, TA-WEI",
            issued_at=now, signature_level=level, revoked_at=now if revoked else None,
        )
        DocumentFile.objects.create(document=document, sha256=storage.put(data), size=len(data))
        return document

    lta = make("B-LTA", sealed_lta)
    plain = make("B-LT", sealed)
    revoked = make("B-LTA", signing.renew_archive_timestamp(sealed_lta), revoked=True)
    return lta, plain, revoked


def test_renew_timestamps_command(stored_documents, capsys):
    from sealpost.documents.models import DocumentFile

    lta, plain, revoked = stored_documents
    call_command("renew_timestamps", verbosity=0)
    assert "renewed 1, skipped 0, failed 0" in capsys.readouterr().out
    renewal = lta.current_file
    assert renewal.kind == DocumentFile.Kind.ARCHIVE_RENEWAL and lta.files.count() == 2
    check = validation.validate(renewal.read())
    assert check.valid and check.document_timestamps == 2, check.problem
    assert plain.files.count() == 1 and revoked.files.count() == 1

    call_command("renew_timestamps", "--older-than", "1", verbosity=0)  # just renewed: nothing to do
    assert "renewed 0, skipped 1, failed 0" in capsys.readouterr().out
    assert lta.files.count() == 2

    call_command("renew_timestamps", "--all", verbosity=0)  # B-LT documents too: they become B-LTA
    assert "renewed 2, skipped 0, failed 0" in capsys.readouterr().out
    plain.refresh_from_db()
    assert plain.signature_level == "B-LTA" and plain.current_file.kind == DocumentFile.Kind.ARCHIVE_RENEWAL
    assert validation.validate(plain.current_file.read()).level == "B-LTA"
    assert revoked.files.count() == 1
