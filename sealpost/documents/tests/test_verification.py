"""Verification of documents (documents.verification) and the two commands around it:
`sealpost issue` and `sealpost verify FILE --trust CERT` (offline)."""

import hashlib
import io
import os

import pytest
from django.core.management import CommandError, call_command

from sealpost.documents import keys, validation, verification
from sealpost.documents.models import Document
from sealpost.verify.tests.forgery import (  # noqa: F401 - fixtures
    append_page, change_byte, document, issued_pdf, officer, order, place_paid_order, random_pdf, resign,
    resign_issued, revoke, self_made_key, sign_with_own_key, signed_positions, unsigned_rendering,
)

# --- the answers -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _english():
    """The reasons are read in English here; the catalog test covers the Chinese."""
    from django.utils import translation

    with translation.override("en"):
        yield


def test_the_file_as_issued_is_valid(document, issued_pdf):
    verdict = verification.check_pdf(issued_pdf)
    assert verdict.status == "valid"
    assert verdict.document == document
    assert verdict.check.signed and verdict.check.intact and verdict.check.trusted and verdict.check.whole_file
    assert "National Demonstration University" in verdict.check.signer
    assert verdict.check.signed_at is not None


def test_a_known_file_is_answered_from_the_register_without_parsing(document, issued_pdf, monkeypatch):
    def no_parsing(*args, **kwargs):
        raise AssertionError("the file was parsed")

    monkeypatch.setattr(validation, "validate", no_parsing)
    monkeypatch.setattr("sealpost.documents.rendering.embedded_code", no_parsing)
    assert verification.check_pdf(issued_pdf, details=False).status == "valid"


def test_one_changed_byte_is_tampered(document, issued_pdf):
    verdict = verification.check_pdf(change_byte(issued_pdf))
    assert verdict.status == "tampered"
    assert verdict.document == document  # the code it carries still names the document
    assert "changed" in verdict.reason


def test_any_changed_byte_in_the_signed_range_is_tampered(document, issued_pdf):
    for at in signed_positions(issued_pdf):
        assert verification.check_pdf(change_byte(issued_pdf, at)).status == "tampered", at


def test_an_appended_page_is_tampered(document, issued_pdf):
    verdict = verification.check_pdf(append_page(issued_pdf))
    assert verdict.status == "tampered"
    assert verdict.document == document
    assert verdict.check.intact and not verdict.check.whole_file
    assert "added" in verdict.reason


def test_a_copy_signed_with_another_key_is_tampered(document, issued_pdf):
    for forged in (resign(document), resign_issued(issued_pdf)):
        verdict = verification.check_pdf(forged)
        assert verdict.status == "tampered"
        assert verdict.document == document
        assert verdict.check.intact and not verdict.check.trusted
        assert "someone else" in verdict.reason


def test_a_document_we_never_issued_signed_in_our_name_is_tampered(applicant, document):
    # Rendered for a document that was never saved: its code is in no register.
    forged = Document(
        student=document.student, document_type=document.document_type, language=document.language,
        holder_name_en="CHEN, TA-WEI", holder_name_zh="陳大偉", issued_at=document.issued_at,
    )
    verdict = verification.check_pdf(sign_with_own_key(unsigned_rendering(forged)))
    assert verdict.status == "tampered"
    assert verdict.document is None


def test_a_pdf_that_has_nothing_to_do_with_us_is_unknown(db):
    assert verification.check_pdf(random_pdf()).status == "unknown"
    signed_elsewhere = sign_with_own_key(random_pdf(), organisation="Some Other College")
    verdict = verification.check_pdf(signed_elsewhere)
    assert verdict.status == "unknown"
    assert "not by us" in verdict.reason


@pytest.mark.parametrize("data", [b"", b"hello", b"%PDF-1.7\n" + os.urandom(5000), os.urandom(20000), b"%PDF-" * 1000])
def test_any_bytes_get_an_answer(db, data):
    assert verification.check_pdf(data).status == "unknown"


def test_a_file_over_the_limit_is_refused_unread(db, settings):
    settings.VERIFY_MAX_UPLOAD = 1000
    with pytest.raises(verification.TooLarge) as refused:
        verification.check_pdf(b"%PDF-" + b"0" * 2000)
    assert "too large" in str(refused.value)


def test_revoked_on_every_way_in(document, issued_pdf, officer):
    revoke(document, officer)
    for verdict in (
        verification.check_pdf(issued_pdf),
        verification.check_code(document.verification_code),
        verification.check_hash(hashlib.sha256(issued_pdf).hexdigest()),
    ):
        assert verdict.status == "revoked"
        assert verdict.document.revoked_reason == "Issued with the wrong degree date."
        assert verdict.document.revoked_at is not None


def test_codes_are_read_leniently(document):
    code = document.verification_code
    assert verification.check_code(code).status == "valid"
    assert verification.check_code(" " + code.lower().replace("-", " ") + " ").status == "valid"
    assert verification.check_code(code.replace("-", "")).status == "valid"
    assert verification.check_code("0000-0000-0000-0000").status == "unknown"
    assert verification.check_code("not a code").status == "unknown"
    assert verification.check_code("").status == "unknown"


def test_hashes(document, issued_pdf):
    digest = hashlib.sha256(issued_pdf).hexdigest()
    assert verification.check_hash(digest).status == "valid"
    assert verification.check_hash(digest.upper()).status == "valid"
    # By hash alone a changed copy cannot be told from a stranger: unknown, and it says so.
    changed = verification.check_hash(hashlib.sha256(change_byte(issued_pdf)).hexdigest())
    assert changed.status == "unknown" and "cannot tell" in changed.reason
    assert verification.check_hash("xyz").status == "unknown"


# --- masked names ------------------------------------------------------------------------------


@pytest.mark.parametrize("name, masked", [
    ("CHEN, TA-WEI", "CHEN, T*-W**"),
    ("LIN, MEI", "LIN, M**"),
    ("OUYANG, NA NA", "OUYANG, N* N*"),
    ("O'BRIEN, MARY-KATE", "O'BRIEN, M***-K***"),
    ("TA-WEI CHEN", "T*-W** C***"),
    ("CHEN,", "CHEN"),
    ("", ""),
])
def test_mask_english_name(name, masked):
    assert verification.mask_name_en(name) == masked


@pytest.mark.parametrize("name, masked", [
    ("陳大偉", "陳*偉"),
    ("陳偉", "陳*"),
    ("歐陽娜娜", "歐**娜"),
    ("林\U00021484", "林*"),  # a character outside the Basic Multilingual Plane counts once
    ("林", "*"),
    ("", ""),
])
def test_mask_chinese_name(name, masked):
    assert verification.mask_name_zh(name) == masked


def test_masked_holder(document):
    assert verification.masked_holder(document) == "陳*偉 CHEN, T*-W**"


# --- sealpost issue ----------------------------------------------------------------------------


def run(command, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_issue_command_prints_each_document_and_its_code(applicant):
    order = place_paid_order(applicant, documents=[("transcript", "en"), ("transcript", "zh")])
    out, _err = run("issue", order.number.lower())
    documents = list(order.issued_documents.all())
    assert len(documents) == 2
    assert f"{order.number}: 2 documents" in out
    for issued in documents:
        assert f"{issued.document_type}  {issued.language}  {issued.verification_code}" in out
    again, _err = run("issue", order.number)  # issuing again makes nothing twice
    assert Document.objects.count() == 2 and again == out


def test_issue_command_refuses_an_unpaid_order_and_goes_on_with_the_others(applicant):
    unpaid = place_paid_order(applicant)
    unpaid.status = "awaiting_payment"
    unpaid.save()
    paid = place_paid_order(applicant)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("issue", unpaid.number, "SP00000000", paid.number, stdout=out, stderr=err)
    assert unpaid.number in str(failed.value) and "SP00000000" in str(failed.value)
    assert f"{unpaid.number}: Order {unpaid.number} cannot be issued" in err.getvalue()
    assert "SP00000000: no order has this number." in err.getvalue()
    assert paid.issued_documents.count() == 1 and unpaid.issued_documents.count() == 0
    assert f"{paid.number}: 1 document" in out.getvalue()


def test_issue_command_refuses_a_student_on_hold(applicant):
    import datetime

    order = place_paid_order(applicant)
    applicant.student.holds.create(reason="Library fine", office="Library", placed_on=datetime.date(2024, 1, 1))
    with pytest.raises(CommandError):
        run("issue", order.number)
    assert order.issued_documents.count() == 0


# --- sealpost verify FILE --trust CERT (offline) ---------------------------------------------


@pytest.fixture
def trust(tmp_path):
    path = tmp_path / "institution.pem"
    path.write_bytes(keys.certificate_pem())
    return str(path)


def verify(tmp_path, data, *trust):
    path = tmp_path / "document.pdf"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    args = [str(path)] + [a for t in trust for a in ("--trust", t)]
    code = 0
    try:
        call_command("verify", *args, stdout=out, stderr=err)
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue(), err.getvalue()


def test_verify_command_valid_without_the_register(document, issued_pdf, trust, tmp_path):
    Document.objects.all().delete()  # offline: nothing from the database is used
    code, out, err = verify(tmp_path, issued_pdf, trust)
    assert code == 0, err
    assert out.startswith("VALID\n")
    assert "Signed by: Registrar's Office seal (DEMO — not official), National Demonstration University" in out
    assert "Signed at: 20" in out
    assert f"Verification code: {document.verification_code}" in out
    assert "Revocation cannot be checked offline" in out and f"/verify/{document.verification_code}/" in out


@pytest.mark.parametrize("forge, why", [
    (lambda document, pdf: change_byte(pdf), "changed after signing"),
    (lambda document, pdf: append_page(pdf), "added after signing"),
    (lambda document, pdf: resign(document), "not signed with the certificate you trust"),
    (lambda document, pdf: resign_issued(pdf), "not signed with the certificate you trust"),
])
def test_verify_command_tampered(document, issued_pdf, trust, tmp_path, forge, why):
    code, out, err = verify(tmp_path, forge(document, issued_pdf), trust)
    assert code == 1
    assert err.startswith("TAMPERED: ") and why in err


def test_verify_command_with_another_institutions_certificate_is_not_valid(issued_pdf, tmp_path):
    _cert, _key, pem = self_made_key()
    other = tmp_path / "other.pem"
    other.write_bytes(pem)
    code, _out, err = verify(tmp_path, issued_pdf, str(other))
    assert code == 1 and "TAMPERED" in err


def test_verify_command_says_valid_for_a_revoked_document_and_where_to_check(document, issued_pdf, officer, trust, tmp_path):
    # Revocation lives in the register: offline, the signature is still good, and it says so.
    revoke(document, officer)
    code, out, _err = verify(tmp_path, issued_pdf, trust)
    assert code == 0 and "Revocation cannot be checked offline" in out


def test_verify_command_not_signed(db, trust, tmp_path):
    code, _out, err = verify(tmp_path, random_pdf(), trust)
    assert code == 2 and err.startswith("NOT SIGNED")
    code, _out, err = verify(tmp_path, b"not a pdf at all", trust)
    assert code == 2 and err.startswith("NOT SIGNED")


def test_verify_command_unreadable_inputs(tmp_path, trust):
    with pytest.raises(CommandError) as missing:
        call_command("verify", str(tmp_path / "nope.pdf"), "--trust", trust)
    assert missing.value.returncode == 3
    bad = tmp_path / "bad.pem"
    bad.write_bytes(b"not a certificate")
    (tmp_path / "doc.pdf").write_bytes(b"%PDF-1.7")
    with pytest.raises(CommandError) as unreadable:
        call_command("verify", str(tmp_path / "doc.pdf"), "--trust", str(bad))
    assert unreadable.value.returncode == 3
