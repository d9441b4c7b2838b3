"""Issuance: render and certify-sign a 2-page bilingual transcript.

Issue text: "render and certify-sign (B-T, local timestamp authority) a 2-page bilingual
transcript: documents per second per core, and CPU ms per document. In the same run, the
conventional pipeline on the same data: HTML to PDF with WeasyPrint and the same CJK font, then
a stock pyHanko SimpleSigner; report the ratio. Target: <= 20 ms CPU per document (>= 50 per
second per core) and >= 300x the conventional pipeline."

What is measured: one student with 8 semesters of 6 courses (a transcript of two pages in
Chinese: seven courses a semester make three);
for each document an unsaved ``Document`` with its own verification code and time of issue (so
Typst cannot reuse a previous layout), then ``rendering.document_data`` (database queries
included), ``rendering.render`` (Typst, PDF/A-3 + UA-1) and ``signing.sign`` (certification
signature, signature timestamp from the in-process timestamp authority, and the validation data:
that is PAdES B-LT, which contains B-T). CPU time is ``time.process_time`` (every thread of the
process), wall time ``time.perf_counter``; everything runs on one thread, so documents per
second per core is 1000 / CPU ms per document.

The conventional pipeline: WeasyPrint is not a dependency (installing it would change
requirements.lock), so its HTML-to-PDF half is not measured and the overall ratio is reported
as null. Its signing half is: pyHanko's stock ``SimpleSigner.load`` from the demo PKI's PEM
files and pyHanko's stock ``DummyTimeStamper`` with the same TSA key, same signature profile,
signing the same rendered PDFs.

Isolation: a temporary DATA_DIR (demo PKI, font-coverage cache), a test database (SQLite: a file
in that temporary folder) migrated from scratch, and no configured HSM, PKCS#12 file or remote
timestamp authority. All of it is removed at the end.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib.util
import io
import os
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from unittest import mock

N_FULL, N_QUICK = 200, 20
SEMESTERS, COURSES_PER_SEMESTER = 8, 6  # two pages in Chinese; 7 a semester make three
WARMUP = 5
TARGET_CPU_MS = 20.0
TARGET_RATIO = 300.0

# Key and timestamp settings that would take signing away from the demo PKI and the local TSA.
SIGNING_SETTINGS = ("SIGNING_PKCS12", "PKCS11_MODULE", "TSA_URL", "TRUST_ROOTS", "SIGNATURE_LTA")

SUBJECTS = [
    ("微積分", "Calculus"), ("線性代數", "Linear Algebra"), ("普通物理", "General Physics"),
    ("普通化學", "General Chemistry"), ("計算機概論", "Introduction to Computer Science"),
    ("程式設計", "Programming"), ("離散數學", "Discrete Mathematics"), ("資料結構", "Data Structures"),
    ("演算法", "Algorithms"), ("計算機組織", "Computer Organization"), ("作業系統", "Operating Systems"),
    ("計算機網路", "Computer Networks"), ("資料庫系統", "Database Systems"), ("編譯器設計", "Compiler Design"),
    ("機率與統計", "Probability and Statistics"), ("數位邏輯設計", "Digital Logic Design"),
    ("電子學", "Electronics"), ("訊號與系統", "Signals and Systems"), ("人工智慧", "Artificial Intelligence"),
    ("機器學習", "Machine Learning"), ("軟體工程", "Software Engineering"), ("資訊安全", "Information Security"),
    ("計算機圖學", "Computer Graphics"), ("自然語言處理", "Natural Language Processing"),
    ("國文", "Chinese Literature"), ("英文", "English"), ("臺灣歷史與文化", "Taiwanese History and Culture"),
    ("哲學概論", "Introduction to Philosophy"), ("經濟學原理", "Principles of Economics"),
    ("體育", "Physical Education"), ("專題研究", "Undergraduate Research Project"), ("工程倫理", "Engineering Ethics"),
]
PARTS = [("（一）", " I"), ("（二）", " II")]


def _courses():
    for part_zh, part_en in PARTS:
        for i, (zh, en) in enumerate(SUBJECTS):
            yield zh + part_zh, en + part_en, (3 if i % 4 else 2)


@contextlib.contextmanager
def _isolated():
    """A temporary DATA_DIR, a migrated test database in it, demo keys and the local TSA."""
    from django.db import connections
    from django.test.utils import override_settings, setup_databases, setup_test_environment, teardown_databases, teardown_test_environment

    from sealpost.documents import fonts, signing

    with tempfile.TemporaryDirectory(prefix="sealpost-bench-") as tmp:
        data_dir = Path(tmp)
        connection = connections["default"]
        if connection.vendor == "sqlite":
            connection.settings_dict.setdefault("TEST", {})["NAME"] = str(data_dir / "bench.sqlite3")
        env = {k: v for k, v in os.environ.items() if not any(k == "SEALPOST_" + s for s in SIGNING_SETTINGS)}
        overrides = {name: None for name in SIGNING_SETTINGS} | {
            "DATA_DIR": data_dir, "MEDIA_ROOT": data_dir / "files", "SIGNATURE_LTA": False,
        }
        setup_test_environment(debug=False)
        old_config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        try:
            with mock.patch.dict(os.environ, env, clear=True), override_settings(**overrides):
                signing.reset()
                fonts.covered_codepoints.cache_clear()
                try:
                    yield data_dir
                finally:
                    signing.reset()
                    fonts.covered_codepoints.cache_clear()
        finally:
            teardown_databases(old_config, verbosity=0)
            teardown_test_environment()


def _make_student():
    from sealpost.records.models import Course, Grade, Programme, Semester, Student, StudentStatus

    student = Student.objects.create(
        student_number="B10902001", name_zh="陳大偉", name_en="CHEN, TA-WEI",
        date_of_birth=datetime.date(2002, 1, 15), department_zh="資訊工程學系",
        department_en="Department of Computer Science and Information Engineering",
        programme=Programme.BACHELOR, degree_zh="工學士", degree_en="Bachelor of Engineering",
        status=StudentStatus.GRADUATED, admitted_on=datetime.date(2020, 9, 1), graduated_on=datetime.date(2024, 6, 30),
    )  # fmt: skip
    courses = [
        Course.objects.create(code=f"CS{1000 + n}", title_zh=zh, title_en=en) for n, (zh, en, _) in enumerate(_courses())
    ]
    credits = [c for _, _, c in _courses()]
    for s in range(SEMESTERS):
        semester = Semester.objects.create(student=student, academic_year=109 + s // 2, term=1 + s % 2)
        for c in range(COURSES_PER_SEMESTER):
            n = s * COURSES_PER_SEMESTER + c
            Grade.objects.create(
                semester=semester, course=courses[n], credits=Decimal(credits[n]), score=60 + (n * 37) % 40, passed=True
            )
    return student


def _document(student, language, i):
    from sealpost.documents.models import Document, new_verification_code
    from sealpost.documents.types import DocumentType

    return Document(
        student=student, document_type=DocumentType.TRANSCRIPT, language=language,
        verification_code=new_verification_code(), holder_name_zh=student.name_zh, holder_name_en=student.name_en,
        issued_at=datetime.datetime(2025, 3, 1, 9, 0, tzinfo=datetime.UTC) + datetime.timedelta(seconds=i), demo=True,
    )  # fmt: skip


def _page_count(pdf: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"])


def _stock_signer():
    """pyHanko as its documentation shows it: SimpleSigner.load from PEM files and the stock
    DummyTimeStamper, with our signature profile (certify, B-LT)."""
    from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from sealpost.documents import pki, signing

    paths = pki.ensure_demo_pki()
    signer = signers.SimpleSigner.load(str(paths.seal_key), str(paths.seal_cert), ca_chain_files=(str(paths.ca_cert),))
    ca = load_cert_from_pemder(str(paths.ca_cert))
    timestamper = DummyTimeStamper(
        tsa_cert=load_cert_from_pemder(str(paths.tsa_cert)), tsa_key=load_private_key_from_pemder(str(paths.tsa_key), None),
        certs_to_embed=SimpleCertificateStore.from_certs([ca]),
    )
    setup = signing._get_setup()  # for the validation context only (roots, CRL)

    def sign(pdf: bytes) -> bytes:
        meta = signing._signature_meta(setup, lta=False)
        return signers.PdfSigner(meta, signer, timestamper=timestamper).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf))).getvalue()

    return sign


def _summary(values_s: list[float]) -> dict:
    ms = sorted(v * 1000 for v in values_s)
    return {
        "mean": statistics.fmean(ms),
        "median": statistics.median(ms),
        "p90": ms[min(len(ms) - 1, int(len(ms) * 0.9))],
        "min": ms[0],
    }


def run(quick: bool) -> dict:
    from sealpost.documents import rendering, signing
    from sealpost.documents.types import DocumentLanguage

    n = N_QUICK if quick else N_FULL
    n_stock = max(5, n // 4)
    language = DocumentLanguage.ZH  # the CJK-heavy side; course codes, dates and numbers are Latin
    with _isolated():
        student = _make_student()
        setup_started = time.perf_counter()
        for i in range(WARMUP):  # compiler, fonts, font coverage, PKI generation, signer, pyHanko
            signed = signing.sign(rendering.render("transcript", language, rendering.document_data(_document(student, language, -1 - i))))
        setup_s = time.perf_counter() - setup_started
        pages = _page_count(signed)
        check = signing.validate(signed)

        data_cpu, render_cpu, sign_cpu, total_wall = [], [], [], []
        rendered: list[bytes] = []
        sizes = []
        wall0 = time.perf_counter()
        cpu0 = time.process_time()
        for i in range(n):
            document = _document(student, language, i)
            w = time.perf_counter()
            c0 = time.process_time()
            data = rendering.document_data(document)
            c1 = time.process_time()
            pdf = rendering.render(document.document_type, document.language, data)
            c2 = time.process_time()
            out = signing.sign(pdf)
            c3 = time.process_time()
            total_wall.append(time.perf_counter() - w)
            data_cpu.append(c1 - c0)
            render_cpu.append(c2 - c1)
            sign_cpu.append(c3 - c2)
            sizes.append(len(out))
            if len(rendered) < n_stock:
                rendered.append(pdf)
        cpu_total_s = time.process_time() - cpu0
        wall_total_s = time.perf_counter() - wall0

        stock_sign = _stock_signer()
        stock_sign(rendered[0])  # warm
        stock_cpu, ours_cpu_same = [], []
        for pdf in rendered:
            c0 = time.process_time()
            stock_sign(pdf)
            c1 = time.process_time()
            signing.sign(pdf)
            c2 = time.process_time()
            stock_cpu.append(c1 - c0)
            ours_cpu_same.append(c2 - c1)

    cpu_ms_per_doc = cpu_total_s * 1000 / n
    per_core = 1000 / cpu_ms_per_doc
    stock_ms = statistics.fmean(stock_cpu) * 1000
    ours_ms = statistics.fmean(ours_cpu_same) * 1000
    weasyprint = importlib.util.find_spec("weasyprint") is not None
    return {
        "documents": n,
        "document": {
            "type": "transcript", "language": language, "pages": pages, "semesters": SEMESTERS, "courses": SEMESTERS * COURSES_PER_SEMESTER,
            "signed_size_bytes": int(statistics.median(sizes)), "signature_level": check.level,
            "certified": check.certified, "validates": check.valid, "validation_problem": check.problem or None,
        },
        "documents_per_second_per_core": per_core,
        "documents_per_second_wall": n / wall_total_s,
        "cpu_ms_per_document": {
            "total": cpu_ms_per_doc,
            "data": statistics.fmean(data_cpu) * 1000,
            "render": statistics.fmean(render_cpu) * 1000,
            "sign": statistics.fmean(sign_cpu) * 1000,
        },
        "cpu_ms_render_detail": _summary(render_cpu),
        "cpu_ms_sign_detail": _summary(sign_cpu),
        "wall_ms_per_document": _summary(total_wall),
        "warmup_wall_s": setup_s,
        "stock_signer": {
            "documents": len(rendered),
            "cpu_ms_per_document": stock_ms,
            "sealpost_sign_cpu_ms_same_pdfs": ours_ms,
            "signing_ratio": stock_ms / ours_ms if ours_ms else None,
        },
        "conventional_pipeline": {
            "cpu_ms_per_document": None,
            "ratio": None,
            "reason": (
                "not measured: WeasyPrint is not installed (adding it would change requirements.lock); "
                "only its signing half (stock SimpleSigner) is measured"
                if not weasyprint else "not measured: no HTML template of the transcript exists for WeasyPrint"
            ),
        },
        "target": {
            "cpu_ms_per_document": TARGET_CPU_MS,
            "cpu_met": cpu_ms_per_doc <= TARGET_CPU_MS,
            "ratio": TARGET_RATIO,
            "ratio_met": None,
        },
    }
