"""Issuance: render and certify-sign a 2-page bilingual transcript.

Issue text: "render and certify-sign (B-T, local timestamp authority) a 2-page bilingual
transcript: documents per second per core, and CPU ms per document. In the same run, the
conventional pipeline on the same data: HTML to PDF with WeasyPrint and the same CJK font, then
a stock pyHanko SimpleSigner; report the ratio. Target: <= 20 ms CPU per document (>= 50 per
second per core) and >= 300x the conventional pipeline."

What is measured: one student with 8 semesters of 6 courses (a transcript of two pages in
Chinese: seven courses a semester make three);
for each document an unsaved ``Document`` with its own verification code and time of issue, then
``rendering.document_data`` (database queries included), ``rendering.render`` (Typst, PDF/A-3 +
UA-1) and ``signing.sign`` (certification signature, signature timestamp from the in-process
timestamp authority, and the validation data: that is PAdES B-LT, which contains B-T). CPU time
is ``time.process_time`` (every thread of the process), wall time ``time.perf_counter``; everything runs on one thread, so documents per
second per core is 1000 / CPU ms per document.

All these documents are for the same holder, which is what a cache could exploit and production
never offers (an order has one document per type and language): Typst can reuse nothing while
each document's data come through ``sys.inputs``, but a change that let it keep the body's
layout between documents would make this loop fast and issuance not. So the same is measured
with each document for another holder (``distinct_holders``: other names, numbers and scores,
the same courses); the two must stay close. ``allocator`` says whether the process ran with
jemalloc preloaded (docs/performance.md).

The conventional pipeline, on the same data (``rendering.document_data``): the transcript as
HTML (``transcript_html``: the texts, tables and figures of the Typst template, with the Noto
Serif CJK TC file Typst uses as an ``@font-face``), turned into PDF/A-3a with record.json
attached by WeasyPrint, then signed by pyHanko's stock ``SimpleSigner.load`` from the demo PKI's
PEM files and pyHanko's stock ``DummyTimeStamper`` with the same TSA key, same signature profile
(with pyHanko's default placement of the validation data). WeasyPrint takes about a second of
CPU per document, so it runs on a few documents (3 with --quick, 10 otherwise); without pango
the result says what to install instead of failing. The stock signer is also timed alone on
the PDFs we rendered (``stock_signer``).

Isolation: a temporary DATA_DIR (demo PKI, font-coverage cache), a test database (SQLite: a file
in that temporary folder) migrated from scratch, and no configured HSM, PKCS#12 file or remote
timestamp authority. All of it is removed at the end.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import io
import os
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from unittest import mock

N_FULL, N_QUICK = 200, 20
DISTINCT_FULL, DISTINCT_QUICK = 40, 12  # documents each for another holder
CONVENTIONAL_FULL, CONVENTIONAL_QUICK = 10, 3  # WeasyPrint takes about a second of CPU per document
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

    from sealpost.documents import fonts, keys

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
                keys.reset()
                fonts.covered_codepoints.cache_clear()
                try:
                    yield data_dir
                finally:
                    keys.reset()
                    fonts.covered_codepoints.cache_clear()
        finally:
            teardown_databases(old_config, verbosity=0)
            teardown_test_environment()


SURNAMES = [("陳", "CHEN"), ("林", "LIN"), ("黃", "HUANG"), ("張", "CHANG"), ("李", "LEE"), ("王", "WANG"), ("吳", "WU"), ("劉", "LIU")]
GIVEN = [("大偉", "TA-WEI"), ("郁婷", "YU-TING"), ("志明", "CHIH-MING"), ("怡君", "YI-CHUN"), ("冠宇", "KUAN-YU"), ("雅婷", "YA-TING")]


def _make_student(k: int = 0):
    """Student ``k``: the same courses as every other, but a name, number and scores of its own."""
    from sealpost.records.models import Course, Grade, Programme, Semester, Student, StudentStatus

    (sur_zh, sur_en), (given_zh, given_en) = SURNAMES[k % len(SURNAMES)], GIVEN[(k // len(SURNAMES) + k) % len(GIVEN)]
    student = Student.objects.create(
        student_number=f"B109{k:05d}", name_zh=sur_zh + given_zh, name_en=f"{sur_en}, {given_en}",
        date_of_birth=datetime.date(2002, 1, 15), department_zh="資訊工程學系",
        department_en="Department of Computer Science and Information Engineering",
        programme=Programme.BACHELOR, degree_zh="工學士", degree_en="Bachelor of Engineering",
        status=StudentStatus.GRADUATED, admitted_on=datetime.date(2020, 9, 1), graduated_on=datetime.date(2024, 6, 30),
    )  # fmt: skip
    courses = [
        Course.objects.get_or_create(code=f"CS{1000 + n}", defaults={"title_zh": zh, "title_en": en})[0]
        for n, (zh, en, _) in enumerate(_courses())
    ]
    credits = [c for _, _, c in _courses()]
    for s in range(SEMESTERS):
        semester = Semester.objects.create(student=student, academic_year=109 + s // 2, term=1 + s % 2)
        for c in range(COURSES_PER_SEMESTER):
            n = s * COURSES_PER_SEMESTER + c
            Grade.objects.create(
                semester=semester, course=courses[n], credits=Decimal(credits[n]), score=60 + (n * 37 + k * 13) % 40, passed=True
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
    from pyhanko.sign.signers.pdf_signer import DSSContentSettings
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from sealpost.documents import keys, pki, signing

    paths = pki.ensure_demo_pki()
    signer = signers.SimpleSigner.load(str(paths.seal_key), str(paths.seal_cert), ca_chain_files=(str(paths.ca_cert),))
    ca = load_cert_from_pemder(str(paths.ca_cert))
    timestamper = DummyTimeStamper(
        tsa_cert=load_cert_from_pemder(str(paths.tsa_cert)), tsa_key=load_private_key_from_pemder(str(paths.tsa_key), None),
        certs_to_embed=SimpleCertificateStore.from_certs([ca]),
    )
    setup = keys.get_setup()  # for the validation context only (roots, CRL)

    def sign(pdf: bytes) -> bytes:
        # our profile, with pyHanko's default placement of the validation data (a revision of its own)
        meta = dataclasses.replace(signing._signature_meta(setup, lta=False), dss_settings=DSSContentSettings())
        return signers.PdfSigner(meta, signer, timestamper=timestamper).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf))).getvalue()

    return sign


# --- the conventional pipeline: HTML to PDF with WeasyPrint -------------------------------

PANGO_HINT = "apt-get install libpango-1.0-0 libpangoft2-1.0-0"


def _weasyprint():
    """WeasyPrint's HTML class, or (None, why not). WeasyPrint loads pango through cffi when
    imported: without the system libraries the import raises OSError."""
    try:
        from weasyprint import HTML
    except ImportError as error:
        return None, f"WeasyPrint is not installed ({error}); it is in requirements.lock: pip install -r requirements.lock"
    except OSError as error:
        return None, f"WeasyPrint cannot load its system libraries ({error}); install them with: {PANGO_HINT}"
    return HTML, None


def _typst_font_file(family: str, weight: int) -> tuple[str, int] | None:
    """The file (and face index) Typst uses for a family and weight, from the same font folders."""
    import typst
    from django.conf import settings

    dirs = [str(p) for p in settings.FONT_DIRS if Path(p).is_dir()]
    faces = [f for f in typst.Fonts(font_paths=dirs).fonts() if f.family == family and f.style == "normal" and f.path]
    if not faces:
        return None
    best = min(faces, key=lambda f: abs(f.weight - weight))
    return best.path, best.index


def _esc(value) -> str:
    import html

    return html.escape("" if value is None else str(value))


def _fixed(x, digits: int = 2) -> str:
    return "—" if x is None else f"{float(x):.{digits}f}"


def _num(x) -> str:
    return "—" if x is None else str(x)


# The notes of transcript.typ and common.typ, word for word.
SCALE_NOTE = (
    "成績採百分制；及格標準為{pass_mark}分，標 * 者為不及格。平均與 GPA 均以學分加權計算，僅計入有分數之科目；實得學分為及格科目之學分。",
    "Scores are percentages; the pass mark is {pass_mark}. Failed courses are marked *. Averages and GPA are weighted by "
    "credits over the courses with a score; credits earned count the courses passed.",
)
ISSUE_NOTE = (
    "本文件為電子文件，經本校以數位憑證簽章，其內容如經變更，簽章即失效。可依頁尾驗證碼或 QR 碼查驗真偽。另附有機器可讀之紀錄（record.json）。",
    "This is an electronic document digitally signed by the institution; any change to it invalidates the signature. "
    "Verify it with the code or the QR code in the footer. A machine-readable record (record.json) is attached.",
)


def transcript_html(data: dict, qr_svg: str) -> str:
    """The transcript as HTML for WeasyPrint: the texts, tables and figures of the Typst
    template (transcript.typ, common.typ), in the document's language, with the same fonts."""
    import base64

    zh = data["language"] == "zh"
    tr = (lambda a, b: a) if zh else (lambda a, b: b)
    hd, t = data["holder"], data["transcript"]
    name = hd["name_zh"] if zh and hd["name_zh"] else hd["name_en"]
    code, url = data["verification"]["code"], data["verification"]["url"]
    faces = []
    for weight in (400, 700):
        found = _typst_font_file("Noto Serif CJK TC", weight)
        if found:  # a font collection: WeasyPrint takes its first face, lang="zh-TW" selects the TC forms
            faces.append(f"@font-face {{ font-family: 'Sealpost CJK'; font-weight: {weight}; src: url('file://{found[0]}'); }}")
    qr = "data:image/svg+xml;base64," + base64.b64encode(qr_svg.encode()).decode()
    colon = tr("：", ": ")
    details = [
        (tr("姓名", "Name"), name), (tr("學號", "Student No."), hd["student_number"]),
        *([(tr("英文姓名", "Name"), hd["name_en"])] if zh and hd["name_zh"] else []),
        (tr("出生日期", "Date of Birth"), hd["date_of_birth_text"]), (tr("系所", "Department"), hd["department"]),
        (tr("班別", "Program"), hd["programme_text"]), (tr("入學日期", "Date of Admission"), hd["admitted_on_text"]),
        *([(tr("畢業日期", "Date of Graduation"), hd["graduated_on_text"]), (tr("學位", "Degree"), hd["degree"])] if hd["graduated_on"] else []),
        (tr("學籍狀態", "Status"), hd["status_text"]),
    ]  # fmt: skip
    if len(details) % 2:
        details.append(("", ""))
    rows = "".join(
        "<tr>" + "".join(f"<th>{_esc(k)}</th><td>{_esc(v)}</td>" for k, v in details[i:i + 2]) + "</tr>"
        for i in range(0, len(details), 2)
    )
    out = [f"""<!DOCTYPE html><html lang="{'zh-TW' if zh else 'en'}"><head><meta charset="utf-8">
<title>{_esc(data['title'])} — {_esc(name)} — {_esc(data['institution']['name'])}</title>
<meta name="author" content="{_esc(data['institution']['name'])}"><meta name="description" content="{_esc(data['title'])} {code}">
<meta name="keywords" content="sealpost, verification-code:{code}, transcript">
<style>{''.join(faces)}
@page {{ size: A4; margin: 43mm 18mm 24mm;
  @top-center {{ content: element(header); width: 100%; }}
  @bottom-left {{ content: "{tr('驗證碼', 'Verification code')}{colon}{code}  {tr('請至', 'Verify at')} {url}"; font-size: 7.5pt; color: #555; }}
  @bottom-right {{ content: "{tr('頁次', 'Page')} " counter(page) " / " counter(pages); font-size: 9pt; }} }}
body {{ font-family: 'Libertinus Serif', 'Sealpost CJK', serif; font-size: 9.5pt; line-height: 1.25; color: #1b1b1b; }}
header {{ position: running(header); border-bottom: 3px double #1d3557; padding-bottom: 3pt; }}
header .inst {{ font-size: {'18pt' if zh else '16pt'}; font-weight: bold; color: #1d3557; }}
header img {{ float: right; width: 19mm; height: 19mm; }}
h1 {{ text-align: center; font-size: {'17pt' if zh else '15pt'}; color: #1d3557; margin: 2pt 0 10pt; }}
table {{ width: 100%; border-collapse: collapse; }}
.details th {{ font-size: 8pt; color: #555; text-align: left; font-weight: normal; padding: 2.5pt 8pt 2.5pt 0; }}
.details td, .details th {{ border-bottom: 0.4pt solid #c9ced6; }}
.semester {{ margin-bottom: 4pt; font-size: 8.8pt; page-break-inside: auto; }}
.semester caption {{ background: #1d3557; color: white; font-weight: bold; text-align: left; padding: 2pt 5pt; }}
.semester thead th {{ background: #eef1f5; font-size: 7.5pt; color: #555; font-weight: normal; padding: 1pt 5pt; text-align: left; }}
.semester td {{ padding: 0.8pt 5pt; }} .semester td.c {{ text-align: center; }}
.semester td.code {{ font-family: 'DejaVu Sans Mono', monospace; font-size: 7.5pt; }}
.semester tfoot td {{ border-top: 0.4pt solid #c9ced6; text-align: right; font-size: 8pt; color: #555; }}
.fail {{ color: #c0282d; }}
.cumulative {{ border-top: 1.2pt solid #1d3557; border-bottom: 0.4pt solid #1d3557; margin-top: 10pt; page-break-inside: avoid; }}
.cumulative td {{ text-align: center; padding: 5pt 0; font-size: 7.5pt; color: #555; }}
.cumulative b {{ display: block; font-size: 13pt; color: #1d3557; }}
.scale {{ margin-top: 12pt; font-size: 7.5pt; page-break-inside: avoid; }}
.scale td, .scale th {{ border: 0.4pt solid #b8bec8; text-align: center; padding: 3pt 2pt; }}
.muted {{ color: #555; font-size: 7.5pt; }}
.issue {{ margin-top: 16pt; page-break-inside: avoid; }}
.seal {{ float: right; border: 2.2pt solid #c0282d; color: #c0282d; font-weight: bold; padding: 5pt; }}
</style></head><body>
<header><img src="{qr}" alt="{tr('驗證用 QR 碼：', 'QR code for verification: ')}{_esc(url)}"><div class="inst">{_esc(data['institution']['name'])}</div>
<div>{tr('姓名', 'Name')}{colon}{_esc(name)} {tr('學號', 'Student No.')}{colon}{_esc(hd['student_number'])}
 — {tr('發證日期：', 'Issued: ')}{_esc(data['issued_on_text'])}</div></header>
<h1>{_esc(data['title'])}</h1><table class="details">{rows}</table>"""]
    heads = "".join(f"<th>{h}</th>" for h in (tr("課號", "Code"), tr("科目名稱", "Course Title"), tr("學分", "Credits"), tr("成績", "Score"), tr("等第", "Grade")))
    for s in t["semesters"]:
        body = []
        for c in s["courses"]:
            if c["score"] is None:
                score = tr("通過", "Pass") if c["passed"] else tr("不通過", "Fail")
            else:
                score = str(c["score"]) if c["passed"] else f'<span class="fail">{c["score"]}*</span>'
            body.append(f'<tr><td class="code">{_esc(c["code"])}</td><td>{_esc(c["title"])}</td><td class="c">{_num(c["credits"])}</td>'
                        f'<td class="c">{score}</td><td class="c">{_esc(c["letter"] or "—")}</td></tr>')
        summary = (f'{tr("學期平均", "Semester average")} <b>{_fixed(s["average"])}</b> &nbsp; {tr("修習學分", "Credits attempted")} {_num(s["credits_attempted"])}'
                   f' &nbsp; {tr("實得學分", "Credits earned")} <b>{_num(s["credits_earned"])}</b> &nbsp; GPA <b>{_fixed(s["gpa"])}</b>')
        out.append(f'<table class="semester"><caption>{_esc(s["label"])}</caption><thead><tr>{heads}</tr></thead>'
                   f'<tbody>{"".join(body)}</tbody><tfoot><tr><td colspan="5">{summary}</td></tr></tfoot></table>')
    c, g = t["cumulative"], t["grading_scale"]
    cells = ((tr("歷年總平均", "Cumulative Average"), _fixed(c["average"])), (tr("修習總學分", "Credits Attempted"), _num(c["credits_attempted"])),
             (tr("實得總學分", "Total Credits Earned"), _num(c["credits_earned"])), (tr("累計 GPA", "Cumulative GPA"), f'{_fixed(c["gpa"])} / {_fixed(g["max_points"], 1)}'))
    out.append('<table class="cumulative"><tr>' + "".join(f"<td>{label}<b>{value}</b></td>" for label, value in cells) + "</tr></table>")
    grades = g["grades"]
    letters = "".join("<th>" + _esc(x["letter"]) + "</th>" for x in grades)
    ranges = "".join(f"<td>{x['min']}–{x['max']}</td>" for x in grades)
    points = "".join("<td>" + _fixed(x["points"], 1) + "</td>" for x in grades)
    out.append(f'<div class="scale"><b>{tr("成績等第對照表", "Grading Scale")}{tr("（", " (")}{_esc(g["name"])}{tr("）", ")")}</b><table>'
               f'<tr><th>{tr("等第", "Grade")}</th>{letters}</tr><tr><td>{tr("分數", "Score")}</td>{ranges}</tr>'
               f'<tr><td>{tr("積分", "Points")}</td>{points}</tr></table>'
               f'<p class="muted">{_esc(tr(*SCALE_NOTE).format(pass_mark=hd["pass_mark"]))}</p></div>')
    out.append(f'<p style="text-align:center" class="muted">{tr("（以下空白）", "— End of Transcript —")}</p>'
               f'<div class="issue"><div class="seal">{_esc(data["seal_text"])}</div>'
               f'{tr("發證日期：", "Date of issue: ")}{_esc(data["issued_on_text"])}<br>{tr("發證單位：", "Issued by: ")}{_esc(data["seal_text"])}'
               f'<p class="muted">{_esc(tr(*ISSUE_NOTE))}</p></div>')
    out.append("</body></html>")
    return "".join(out)


def _conventional_render(html_class, data: dict) -> bytes:
    """HTML to PDF/A-3a with WeasyPrint, the record attached as record.json, like ours."""
    from weasyprint import Attachment

    from sealpost.documents import rendering

    record = rendering.record_json(data)
    html = transcript_html(data, rendering.qr_svg(data["verification"]["url"]))
    return html_class(string=html, base_url="/").write_pdf(
        pdf_variant="pdf/a-3a", attachments=[Attachment(string=record, name="record.json", description="record.json")],
    )


def _conventional(student, language: str, n: int, stock_sign) -> dict:
    """The conventional pipeline on the same data: rendering.document_data, then WeasyPrint
    (HTML to PDF/A-3a with the record attached), then the stock signer. CPU per document is
    data + render + sign, as for ours."""
    import logging

    from sealpost.documents import rendering

    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # it logs every step at INFO
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    html_class, why = _weasyprint()
    if html_class is None:
        return {"documents": 0, "cpu_ms_per_document": None, "reason": "not measured: " + why}
    _conventional_render(html_class, rendering.document_data(_document(student, language, -100)))  # warm: fonts, CSS
    data_cpu, render_cpu, sign_cpu, pages, sizes = [], [], [], 0, []
    for i in range(n):
        document = _document(student, language, 1000 + i)
        c0 = time.process_time()
        data = rendering.document_data(document)
        c1 = time.process_time()
        pdf = _conventional_render(html_class, data)
        c2 = time.process_time()
        out = stock_sign(pdf)
        c3 = time.process_time()
        data_cpu.append(c1 - c0)
        render_cpu.append(c2 - c1)
        sign_cpu.append(c3 - c2)
        pages, sizes = _page_count(pdf), sizes + [len(out)]
    total = statistics.fmean(a + b + c for a, b, c in zip(data_cpu, render_cpu, sign_cpu, strict=True)) * 1000
    return {
        "documents": n,
        "cpu_ms_per_document": total,
        "cpu_ms_data": statistics.fmean(data_cpu) * 1000,
        "cpu_ms_render": statistics.fmean(render_cpu) * 1000,
        "cpu_ms_sign": statistics.fmean(sign_cpu) * 1000,
        "pages": pages,
        "signed_size_bytes": int(statistics.median(sizes)),
        "how": "WeasyPrint HTML to PDF/A-3a (Noto Serif CJK TC from the font file Typst uses, record.json attached), "
               "then pyHanko's stock SimpleSigner and DummyTimeStamper, same signature profile",
    }


def _summary(values_s: list[float]) -> dict:
    ms = sorted(v * 1000 for v in values_s)
    return {
        "mean": statistics.fmean(ms),
        "median": statistics.median(ms),
        "p90": ms[min(len(ms) - 1, int(len(ms) * 0.9))],
        "min": ms[0],
    }


def run(quick: bool) -> dict:
    from sealpost.documents import rendering, signing, validation
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
        check = validation.validate(signed)

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

        # The same, each document for another holder: Typst can reuse nothing of the body then.
        others = [_make_student(k) for k in range(1, 1 + (DISTINCT_QUICK if quick else DISTINCT_FULL))]
        distinct_data, distinct_render, distinct_sign = [], [], []
        for i, other in enumerate(others):
            document = _document(other, language, 10_000 + i)
            c0 = time.process_time()
            data = rendering.document_data(document)
            c1 = time.process_time()
            pdf = rendering.render(document.document_type, document.language, data)
            c2 = time.process_time()
            signing.sign(pdf)
            c3 = time.process_time()
            distinct_data.append(c1 - c0)
            distinct_render.append(c2 - c1)
            distinct_sign.append(c3 - c2)

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

        conventional = _conventional(student, language, CONVENTIONAL_QUICK if quick else CONVENTIONAL_FULL, stock_sign)

    cpu_ms_per_doc = cpu_total_s * 1000 / n
    per_core = 1000 / cpu_ms_per_doc
    stock_ms = statistics.fmean(stock_cpu) * 1000
    ours_ms = statistics.fmean(ours_cpu_same) * 1000
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
        "distinct_holders": {
            "documents": len(distinct_render),
            "cpu_ms_per_document": statistics.fmean(a + b + c for a, b, c in zip(distinct_data, distinct_render, distinct_sign, strict=True)) * 1000,
            "data": statistics.fmean(distinct_data) * 1000,
            "render": statistics.fmean(distinct_render) * 1000,
            "sign": statistics.fmean(distinct_sign) * 1000,
            "render_detail": _summary(distinct_render),
        },
        "allocator": "jemalloc (LD_PRELOAD)" if "jemalloc" in os.environ.get("LD_PRELOAD", "") else "glibc malloc",
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
        "conventional_pipeline": conventional | {
            "ratio": conventional["cpu_ms_per_document"] / cpu_ms_per_doc if conventional["cpu_ms_per_document"] else None,
        },
        "target": {
            "cpu_ms_per_document": TARGET_CPU_MS,
            "cpu_met": cpu_ms_per_doc <= TARGET_CPU_MS,
            "ratio": TARGET_RATIO,
            "ratio_met": (conventional["cpu_ms_per_document"] / cpu_ms_per_doc >= TARGET_RATIO) if conventional["cpu_ms_per_document"] else None,
        },
    }
