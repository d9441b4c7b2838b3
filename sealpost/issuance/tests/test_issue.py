"""Issuing an order's documents through the whole stack: rendering, signing, storage."""

import re
import shutil
import subprocess

import pytest

from sealpost.conftest import add_grades
from sealpost.documents import storage
from sealpost.documents.models import Document
from sealpost.issuance import services
from sealpost.orders import services as order_services
from sealpost.orders.models import Status


def place(applicant, documents=(("transcript", "en"), ("transcript", "zh")), **fields):
    draft = order_services.Draft(
        applicant_type="alumnus", documents=list(documents), name_en=fields.pop("name_en", "CHEN, TA-WEI"),
        name_zh=fields.pop("name_zh", "陳大偉"), phone="0912345678", email=applicant.email,
        recipients=[(applicant.email, "WES Reference No. 1234567")],
    )
    order = order_services.place_order(student=applicant.student, draft=draft, applicant=applicant)
    order.status = Status.PAID
    order.save()
    return order


@pytest.fixture
def grades(student):
    return add_grades(student, 4)


def run(*args):
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def test_issue_signs_stores_and_marks_the_order(applicant, grades):
    order = place(applicant)
    documents = services.issue_order(order)
    order.refresh_from_db()
    assert order.status == Status.ISSUED
    assert order.events.filter(kind="issued").exists()
    assert {(d.document_type, d.language) for d in documents} == {("transcript", "en"), ("transcript", "zh")}
    for document in documents:
        data = document.current_file.read()
        assert data.startswith(b"%PDF-")
        assert storage.exists(document.current_file.sha256)
        assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", document.verification_code)
        assert document.demo  # the embedded default signs with the demo PKI


def test_issuing_twice_makes_nothing_twice(applicant, grades):
    order = place(applicant)
    first = services.issue_order(order)
    second = services.issue_order(order)
    assert [d.pk for d in first] == [d.pk for d in second]
    assert Document.objects.count() == 2


@pytest.mark.skipif(not shutil.which("pdfsig"), reason="poppler-utils (pdfsig, pdffonts) not installed")
def test_issued_pdf_is_signed_pdfa3_with_embedded_fonts(applicant, grades, tmp_path):
    order = place(applicant, documents=[("transcript", "zh")], name_zh="林\U00021484")
    document = services.issue_order(order)[0]
    path = tmp_path / "transcript.pdf"
    path.write_bytes(document.current_file.read())
    signature = run("pdfsig", str(path)).stdout
    assert "Signature is Valid" in signature
    fonts = run("pdffonts", str(path)).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # the "emb" column
    assert re.search(rb"pdfaid:part(>|=\")3", path.read_bytes())


def test_not_paid_cannot_be_issued(applicant, grades):
    order = place(applicant)
    order.status = Status.SUBMITTED
    order.save()
    with pytest.raises(services.IssueError, match=order.number):
        services.issue_order(order)
    assert not Document.objects.exists()


def test_hold_stops_issuance(applicant, grades):
    import datetime

    applicant.student.holds.create(reference="H1", reason="Unpaid tuition", office="Accounting",
                                   placed_on=datetime.date(2026, 1, 1))
    order = place(applicant)
    with pytest.raises(services.IssueError, match="Unpaid tuition"):
        services.issue_order(order)
    assert not Document.objects.exists()


def test_name_no_font_can_draw_is_refused_naming_it(applicant, grades):
    order = place(applicant, name_zh="陳\U000313a0")
    with pytest.raises(services.IssueError) as error:
        services.issue_order(order)
    assert order.number in str(error.value) and "U+313A0" in str(error.value)
    assert not Document.objects.exists()
    order.refresh_from_db()
    assert order.status == Status.PAID
