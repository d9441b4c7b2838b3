"""The official documents as a person (and a PDF reader) sees them.

The PDFs are read back with poppler (pdftotext, pdfinfo, pdffonts, pdfdetach), as a recipient's
tools would read them. Set SEALPOST_WRITE_DOC_IMAGES=1 to also redraw docs/images/documents/.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import re
import subprocess
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from sealpost.demo.courses import COURSES
from sealpost.documents import fonts, rendering
from sealpost.documents.models import Document
from sealpost.documents.types import DocumentLanguage, DocumentType
from sealpost.records.models import Course, Grade, Programme, Semester, StudentStatus

CODE = "7Q3K-9XMD-2HVB-R4TN"
ISSUED = datetime.datetime(2025, 11, 25, 10, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
REPO = Path(__file__).resolve().parents[3]

# A bachelor's plan: real course titles from the demo school, eight semesters of about seven.
PLAN = [code for code in COURSES if code[:2] in {"GE", "MA", "PH", "CE"} and code != "GE3014"]  # GE3014: pass/fail below


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pages(path: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", run("pdfinfo", str(path)), re.M).group(1))


def page_text(path: Path, page: int) -> str:
    return run("pdftotext", "-f", str(page), "-l", str(page), "-enc", "UTF-8", str(path), "-")


def all_text(path: Path) -> str:
    return run("pdftotext", "-enc", "UTF-8", str(path), "-")


def add_record(student, semesters: int = 8, courses: int = 7, *, seed: int = 1, first_year: int = 107, ranks=True):
    """Semesters of graded courses from ``first_year`` (ROC), with one failed course and one
    pass/fail course without a score, and class ranks for bachelor's students."""
    rng = random.Random(seed)
    plan = iter(PLAN * 3)
    used = set()
    for index in range(semesters):
        ay, term = first_year + index // 2, 1 + index % 2
        semester = Semester.objects.create(
            student=student, academic_year=ay, term=term,
            rank=rng.randint(1, 50) if ranks else None, class_size=52 if ranks else None,
        )  # fmt: skip
        for _ in range(courses):
            code = next(c for c in plan if c not in used)
            used.add(code)
            title_zh, title_en, credits = COURSES[code]
            course, _ = Course.objects.get_or_create(code=code, defaults={"title_zh": title_zh, "title_en": title_en})
            score = rng.randint(62, 98)
            Grade.objects.create(semester=semester, course=course, credits=Decimal(credits), score=score, passed=True)
    first = student.semesters.order_by("academic_year", "term").first()
    if first is not None:
        grade = first.grades.order_by("course__code").first()
        grade.score, grade.passed = 41, False  # failed
        grade.save()
        service, _ = Course.objects.get_or_create(code="GE3014", defaults={"title_zh": "服務學習", "title_en": "Service Learning"})
        Grade.objects.get_or_create(semester=first, course=service, defaults={"credits": Decimal(1), "score": None, "passed": True})
    return student


def make_document(student, document_type, language, *, demo=False, name_zh=None, name_en=None, code=CODE, issued=ISSUED):
    return Document(
        student=student, document_type=document_type, language=language, verification_code=code,
        holder_name_zh=student.name_zh if name_zh is None else name_zh,
        holder_name_en=student.name_en if name_en is None else name_en,
        issued_at=issued, demo=demo,
    )  # fmt: skip


def render(document, tmp_path: Path) -> tuple[Path, dict, bytes]:
    data = rendering.document_data(document)
    pdf = rendering.render(document.document_type, document.language, data)
    path = tmp_path / f"{document.document_type}-{document.language}-{document.verification_code}.pdf"
    path.write_bytes(pdf)
    return path, data, pdf


@pytest.fixture
def graduate(make_student):
    return add_record(make_student(status=StudentStatus.GRADUATED, student_number="107502001",
                                   admitted_on=datetime.date(2018, 8, 1), graduated_on=datetime.date(2022, 6, 30)))


@pytest.fixture
def current(make_student):
    student = make_student(status=StudentStatus.CURRENT, student_number="112502017", name_zh="林郁婷",
                           name_en="LIN, YU-TING", admitted_on=datetime.date(2023, 8, 1), graduated_on=None)
    return add_record(student, semesters=4, first_year=112)


def student_for(document_type, graduate, current):
    return current if document_type == DocumentType.ENROLLMENT_CERTIFICATE else graduate


# ---------------------------------------------------------------------------------------------
# Every document
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", DocumentLanguage.values)
@pytest.mark.parametrize("document_type", DocumentType.values)
def test_every_document_names_the_holder_and_code_on_every_page(document_type, language, graduate, current, tmp_path):
    student = student_for(document_type, graduate, current)
    path, data, pdf = render(make_document(student, document_type, language), tmp_path)

    assert pdf.startswith(b"%PDF-")
    name = student.name_zh if language == "zh" else student.name_en
    count = pages(path)
    assert count >= 1
    for page in range(1, count + 1):
        text = page_text(path, page)
        assert name in text, f"page {page} lacks the holder's name"
        assert CODE in text, f"page {page} lacks the verification code"
        assert f"{page} / {count}" in text, f"page {page} lacks its page number"
    text = all_text(path)
    assert data["title"].replace(" ", "") in text.replace(" ", "")
    assert data["institution"]["name"] in text
    assert data["verification"]["url"] in text.replace("\n", "")


@pytest.mark.parametrize("document_type", DocumentType.values)
def test_chinese_documents_are_in_chinese_and_english_ones_in_english(document_type, graduate, current, tmp_path):
    student = student_for(document_type, graduate, current)
    zh = all_text(render(make_document(student, document_type, "zh"), tmp_path)[0])
    en = all_text(render(make_document(student, document_type, "en"), tmp_path)[0])

    title_zh, title_en = rendering.TITLES[DocumentType(document_type)]
    assert title_zh in zh.replace(" ", "") and title_en not in zh
    assert title_en in en and not re.search(r"[\u4e00-\u9fff]", en), "an English document shows Chinese text"
    assert "中華民國114年11月25日" in zh  # date of issue, ROC
    assert "25 November 2025" in en
    assert "國立示範大學" in zh and "National Demonstration University" in en


def test_transcript_semesters_roc_in_chinese_gregorian_in_english(graduate, tmp_path):
    zh = all_text(render(make_document(graduate, "transcript", "zh"), tmp_path)[0])
    en = all_text(render(make_document(graduate, "transcript", "en"), tmp_path)[0])

    for label in ("107學年度第1學期", "107學年度第2學期", "110學年度第2學期"):
        assert label in zh
    assert "Fall" not in zh
    assert "Fall 2018" in en and "2018–2019 First Semester" in en and "Spring 2022" in en
    assert "學年度" not in en
    # Course titles in the document's language, and the grading legend.
    assert "微積分(一)" in zh and "Calculus (I)" in en
    assert "成績等第對照表" in zh and "Grading Scale" in en
    assert "90–100" in en and "4.3" in en


def test_transcript_data_averages_gpa_and_credits(make_student):
    student = make_student()
    semester = Semester.objects.create(student=student, academic_year=110, term=1)
    for code, title, credits, score, passed in [
        ("X1", "Algorithms", 3, 95, True), ("X2", "Compilers", 2, 58, False), ("X3", "Service", 1, None, True),
    ]:
        course = Course.objects.create(code=code, title_zh=title, title_en=title)
        Grade.objects.create(semester=semester, course=course, credits=Decimal(credits), score=score, passed=passed)
    data = rendering.document_data(make_document(student, "transcript", "en"))

    json.dumps(data)  # serialisable as it stands
    (only,) = data["transcript"]["semesters"]
    assert only["label"] == "Fall 2021 (2021–2022 First Semester)"
    assert [c["letter"] for c in only["courses"]] == ["A+", "F", None]
    assert only["average"] == 80.2  # (3×95 + 2×58) / 5; the course without a score does not count
    assert only["gpa"] == 2.58  # (3×4.3 + 2×0) / 5
    assert only["credits_attempted"] == 6 and only["credits_earned"] == 4
    assert data["transcript"]["cumulative"] == {"credits_attempted": 6, "credits_earned": 4, "average": 80.2, "gpa": 2.58}
    assert data["transcript"]["grading_scale"]["grades"][0] == {"letter": "A+", "min": 90, "max": 100, "points": 4.3}
    assert data["holder"]["name_en"] == "CHEN, TA-WEI"
    assert data["verification"] == {"code": CODE, "url": f"{settings.BASE_URL}/verify/{CODE}/"}
    assert data["issued_at"] == ISSUED.isoformat() and data["demo"] is False


def test_holder_english_name_is_printed_exactly_as_given(graduate, tmp_path):
    name = "VAN DER BERG-CHEN, TA-WEI MARIA"
    path, data, _ = render(make_document(graduate, "degree_certificate", "en", name_en=name), tmp_path)
    assert data["holder"]["name_en"] == name
    assert name in all_text(path)


def test_a_holder_without_a_chinese_name_gets_the_english_one_on_chinese_documents(graduate, tmp_path):
    path, data, _ = render(make_document(graduate, "transcript", "zh", name_zh="", name_en="SANTOSO, BUDI"), tmp_path)
    assert data["holder"]["name_zh"] == ""
    for page in range(1, pages(path) + 1):
        assert "SANTOSO, BUDI" in page_text(path, page)


def test_gregorian_and_roc_dates(graduate):
    zh = rendering.document_data(make_document(graduate, "degree_certificate", "zh"))
    en = rendering.document_data(make_document(graduate, "degree_certificate", "en"))
    assert zh["issued_on_text"] == "中華民國114年11月25日"
    assert en["issued_on_text"] == "25 November 2025"
    assert zh["degree"]["conferred_on_text"] == "中華民國111年6月30日"
    assert en["degree"]["conferred_on_text"] == "30 June 2022"
    assert zh["degree"]["degree"] == "工學士" and en["degree"]["degree"] == "Bachelor of Engineering"


@pytest.mark.parametrize("issued, zh_label, en_label, year", [
    (datetime.datetime(2025, 11, 25, 10, tzinfo=datetime.UTC), "114學年度第1學期", "Fall 2025 (2025–2026 First Semester)", 3),
    (datetime.datetime(2026, 1, 20, 10, tzinfo=datetime.UTC), "114學年度第1學期", "Fall 2025 (2025–2026 First Semester)", 3),
    (datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC), "114學年度第2學期", "Spring 2026 (2025–2026 Second Semester)", 3),
])  # fmt: skip
def test_enrollment_certificate_states_the_current_semester(current, tmp_path, issued, zh_label, en_label, year):
    path, data, _ = render(make_document(current, "enrollment_certificate", "zh", issued=issued), tmp_path)
    assert data["enrollment"]["semester"] == zh_label and data["enrollment"]["year_of_study"] == year
    assert zh_label in all_text(path) and "在學" in all_text(path)
    path, data, _ = render(make_document(current, "enrollment_certificate", "en", issued=issued), tmp_path)
    assert data["enrollment"]["semester"] == en_label
    assert "is enrolled in" in all_text(path).replace("\n", " ")


def test_rank_certificate_shows_ranks_and_class_sizes(graduate, tmp_path):
    path, data, _ = render(make_document(graduate, "rank_certificate", "zh"), tmp_path)
    ranks = [(s["rank"], s["class_size"]) for s in data["ranking"]["semesters"]]
    expected = list(graduate.semesters.order_by("academic_year", "term").values_list("rank", "class_size"))
    assert ranks == expected and len(ranks) == 8
    text = all_text(path)
    assert "名次" in text and "班級人數" in text and "107學年度第1學期" in text
    # A transcript shows no ranks.
    transcript = rendering.document_data(make_document(graduate, "transcript", "zh"))
    assert "rank" not in json.dumps(transcript["transcript"])


def test_graduate_students_have_no_rank_and_are_told_so(make_student, tmp_path):
    student = add_record(make_student(programme=Programme.MASTER, degree_zh="工學碩士", degree_en="Master of Engineering"),
                         semesters=4, courses=3, ranks=False)
    path, data, _ = render(make_document(student, "rank_certificate", "en"), tmp_path)
    assert data["ranking"]["ranked"] is False
    assert "no class rank is kept" in all_text(path).replace("\n", " ")


# ---------------------------------------------------------------------------------------------
# Fonts and glyphs
# ---------------------------------------------------------------------------------------------


def test_extension_b_names_render_with_an_embedded_fallback_font(graduate, tmp_path):
    name = "林\U00021484"  # 林𡒄: U+21484 is not in Noto Serif CJK
    assert fonts.missing_characters(name) == []
    path, data, _ = render(make_document(graduate, "transcript", "zh", name_zh=name), tmp_path)

    for page in range(1, pages(path) + 1):
        assert name in page_text(path, page)
    table = run("pdffonts", str(path)).splitlines()[2:]
    assert table, "no fonts listed"
    assert all(re.search(r"\byes\s+yes\s+yes\b", line) for line in table), "a font is not embedded:\n" + "\n".join(table)
    assert any("TW-Sung-Ext-B" in line or "HanaMinB" in line for line in table), "no fallback font embedded"


def test_extension_c_name_renders_too(graduate, tmp_path):
    name = "蔡\U0002A736宏"  # 蔡𪜶宏
    path, _, _ = render(make_document(graduate, "degree_certificate", "zh", name_zh=name), tmp_path)
    assert name in all_text(path)


def unknown_character() -> str:
    """A character no document font has: a CJK Extension H ideograph, else a private-use one."""
    for cp in (0x313A0, 0x3134A, 0xF8FF, 0xE000, 0x10FFFD):
        if fonts.missing_characters(chr(cp)):
            return chr(cp)
    pytest.skip("every candidate character is covered by some font here")


def test_a_name_no_font_can_draw_is_refused_before_compiling(graduate):
    ch = unknown_character()
    document = make_document(graduate, "transcript", "zh", name_zh=f"陳{ch}偉")
    data = rendering.document_data(document)
    with pytest.raises(rendering.MissingGlyphs) as caught:
        rendering.render("transcript", "zh", data)
    assert caught.value.characters == [ch]
    assert caught.value.described() == [f"{ch} (U+{ord(ch):04X})"]
    assert f"U+{ord(ch):04X}" in str(caught.value)


def test_a_course_title_no_font_can_draw_is_refused(graduate):
    ch = unknown_character()
    Course.objects.filter(code=PLAN[0]).update(title_en=f"Calculus {ch}")
    data = rendering.document_data(make_document(graduate, "transcript", "en"))
    with pytest.raises(rendering.MissingGlyphs) as caught:
        rendering.render("transcript", "en", data)
    assert caught.value.characters == [ch]


# ---------------------------------------------------------------------------------------------
# Long records, determinism, PDF/A, the attached record, the code in the metadata
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language, header", [("zh", "科目名稱"), ("en", "Course Title")])
def test_a_long_record_breaks_over_pages_with_the_table_header_repeated(make_student, tmp_path, language, header):
    student = add_record(make_student(programme=Programme.DOCTORAL, degree_zh="工學博士", degree_en="Doctor of Philosophy",
                                      admitted_on=datetime.date(2016, 8, 1), graduated_on=datetime.date(2022, 6, 30)),
                         semesters=12, courses=6, first_year=105, ranks=False)
    path, _, _ = render(make_document(student, "transcript", language), tmp_path)
    count = pages(path)
    assert count >= 2
    table_pages = [p for p in range(1, count + 1) if header in page_text(path, p)]
    # Every page the course table runs over starts with its column header.
    assert len(table_pages) >= 2 and table_pages == list(range(1, len(table_pages) + 1))


def test_a_long_course_title_wraps_and_is_printed_whole(graduate, tmp_path):
    title = "Special Topics in Computational Methods for Large-Scale Structural and Geotechnical Engineering Systems"
    Course.objects.filter(code=PLAN[0]).update(title_en=title)
    path, _, _ = render(make_document(graduate, "transcript", "en"), tmp_path)
    assert title in " ".join(all_text(path).split())


def test_same_data_give_identical_bytes(graduate):
    data = rendering.document_data(make_document(graduate, "transcript", "zh"))
    first = rendering.render("transcript", "zh", data)
    other = rendering.render("transcript", "en", rendering.document_data(make_document(graduate, "transcript", "en")))
    second = rendering.render("transcript", "zh", json.loads(json.dumps(data)))
    assert first == second
    assert first != other


def test_each_document_gets_its_own_code_and_qr_code_when_rendered_in_turn(graduate):
    """One compiler serves document after document (and keeps what it laid out before): a
    document rendered between two renders of another changes nothing in it, and each carries
    its own code and QR code."""
    codes = ("AAAA-BBBB-CCCC-0001", "AAAA-BBBB-CCCC-1000")  # same length: same file sizes
    first, second = (rendering.document_data(make_document(graduate, "transcript", "zh", code=c)) for c in codes)
    a = rendering.render("transcript", "zh", first)
    b = rendering.render("transcript", "zh", second)
    assert rendering.render("transcript", "zh", first) == a
    assert rendering.embedded_code(b) == codes[1]
    assert codes[1].encode() in b and codes[0].encode() not in b  # the QR code's alt text, the record
    assert rendering.qr_svg(second["verification"]["url"]) != rendering.qr_svg(first["verification"]["url"])


def test_renders_from_several_threads_at_once(graduate):
    from concurrent.futures import ThreadPoolExecutor

    datas = [rendering.document_data(make_document(graduate, "rank_certificate", "en", code=f"AAAA-BBBB-CCCC-{i:04d}"))
             for i in range(6)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        pdfs = list(pool.map(lambda data: rendering.render("rank_certificate", "en", data), datas))
    assert [rendering.embedded_code(pdf) for pdf in pdfs] == [d["verification"]["code"] for d in datas]


def test_pdf_a3_and_tagged(graduate, tmp_path):
    path, data, pdf = render(make_document(graduate, "transcript", "en"), tmp_path)
    xmp = run("pdfinfo", "-meta", str(path))
    assert re.search(r"pdfaid:part(>3<|=\"3\")", xmp), "XMP does not declare PDF/A-3"
    assert re.search(r"pdfuaid:part(>1<|=\"1\")", xmp), "XMP does not declare PDF/UA-1"
    info = run("pdfinfo", str(path))
    assert re.search(r"^Tagged:\s+yes", info, re.M)
    assert f"verification-code:{CODE}" in re.search(r"^Keywords:(.*)$", info, re.M).group(1)
    assert "Official Transcript of Academic Record" in re.search(r"^Title:(.*)$", info, re.M).group(1)


def test_record_json_is_attached_and_parses_back_to_the_data(graduate, tmp_path):
    path, data, _ = render(make_document(graduate, "transcript", "zh", demo=True), tmp_path)
    listing = run("pdfdetach", "-list", str(path))
    # named record.json alone: the server's folders are nobody's business
    assert listing.strip().splitlines()[1:] == ["1: record.json"]
    out = tmp_path / "record.json"
    run("pdfdetach", "-save", "1", "-o", str(out), str(path))
    assert json.loads(out.read_text(encoding="utf-8")) == data


def test_embedded_code_reads_the_metadata(graduate, tmp_path):
    _, _, pdf = render(make_document(graduate, "rank_certificate", "en"), tmp_path)
    assert rendering.embedded_code(pdf) == CODE
    # Bytes appended (an incremental update, a signature) change nothing.
    assert rendering.embedded_code(pdf + b"\n% appended\n" + b"x" * 1000) == CODE


def test_embedded_code_finds_a_code_in_a_compressed_or_utf16_metadata():
    keywords = f"<pdf:Keywords>sealpost, verification-code:{CODE}</pdf:Keywords>".encode()
    compressed = zlib.compress(keywords)
    header = b"%%PDF-1.7\n1 0 obj\n<</Type/Metadata/Filter/FlateDecode/Length %d>>\nstream\n" % len(compressed)
    resaved = header + compressed + b"\nendstream\nendobj\n%%EOF\n"
    assert rendering.embedded_code(resaved) == CODE
    utf16 = b"%PDF-1.7\n<</Keywords(\xfe\xff" + f"verification-code:{CODE}".encode("utf-16-be") + b")>>\n%%EOF"
    assert rendering.embedded_code(utf16) == CODE


def test_embedded_code_is_none_for_other_pdfs_and_never_raises(tmp_path):
    import typst

    source = tmp_path / "other.typ"
    source.write_text('#set document(title: "Other", keywords: ("invoice",))\nAn unrelated PDF.')
    other = typst.compile(str(source))
    assert other.startswith(b"%PDF-")
    assert rendering.embedded_code(other) is None
    for junk in (b"", b"not a pdf", os.urandom(4096), b"stream\n\x78\x9c broken", None, "a string"):
        assert rendering.embedded_code(junk) is None


# ---------------------------------------------------------------------------------------------
# What the institution configures
# ---------------------------------------------------------------------------------------------


def test_demo_documents_say_so_and_real_ones_do_not(graduate, tmp_path):
    demo = all_text(render(make_document(graduate, "degree_certificate", "en", demo=True), tmp_path)[0])
    real = all_text(render(make_document(graduate, "degree_certificate", "en", code="AAAA-BBBB-CCCC-DDDD"), tmp_path)[0])
    assert "not an official document" in demo and "DEMO" in demo
    assert "DEMO" not in real and "not an official" not in real
    demo_zh = all_text(render(make_document(graduate, "degree_certificate", "zh", demo=True), tmp_path)[0])
    assert "示範文件" in demo_zh


def test_institution_names_and_seal_text_come_from_settings(graduate, tmp_path, settings):
    settings.INSTITUTION_NAME_EN = "Example Normal University"
    settings.INSTITUTION_NAME_ZH = "範例師範大學"
    settings.SEAL_TEXT_EN = "Registry, Example Normal University"
    settings.SEAL_TEXT_ZH = "範例師範大學教務處"
    en = all_text(render(make_document(graduate, "transcript", "en"), tmp_path)[0])
    zh = all_text(render(make_document(graduate, "transcript", "zh"), tmp_path)[0])
    assert "Example Normal University" in en and "Registry, Example Normal University" in en
    assert "範例師範大學" in zh and "範例師範大學教務處" in zh


def test_a_logo_is_printed_when_configured(graduate, tmp_path, settings):
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
                    '<circle cx="20" cy="20" r="18" fill="#1d3557"/></svg>')
    data = rendering.document_data(make_document(graduate, "degree_certificate", "en"))
    without = rendering.render("degree_certificate", "en", data)
    settings.INSTITUTION_LOGO = str(logo)
    with_logo = rendering.render("degree_certificate", "en", data)
    assert with_logo != without
    assert rendering.embedded_code(with_logo) == CODE
    settings.INSTITUTION_LOGO = str(tmp_path / "missing.png")
    with pytest.raises(ImproperlyConfigured):
        rendering.render("degree_certificate", "en", data)


def test_the_grading_scale_is_data(graduate, tmp_path, settings):
    scale = tmp_path / "scale.json"
    scale.write_text(json.dumps({
        "name_zh": "四分制", "name_en": "4.0 scale", "max_points": 4.0,
        "grades": [
            {"letter": "A", "min": 80, "max": 100, "points": 4.0}, {"letter": "B", "min": 70, "max": 79, "points": 3.0},
            {"letter": "C", "min": 60, "max": 69, "points": 2.0}, {"letter": "E", "min": 0, "max": 59, "points": 0},
        ],
    }))  # fmt: skip
    settings.GPA_SCALE_FILE = str(scale)
    path, data, _ = render(make_document(graduate, "transcript", "en"), tmp_path)
    letters = {c["letter"] for s in data["transcript"]["semesters"] for c in s["courses"]}
    assert letters <= {"A", "B", "C", "E", None} and "A" in letters
    assert data["transcript"]["grading_scale"]["max_points"] == 4.0
    text = all_text(path)
    assert "4.0 scale" in text and "80–100" in text

    scale.write_text(json.dumps({"grades": [{"letter": "A", "min": 50, "max": 100, "points": 4}]}))
    os.utime(scale, ns=(1, 1))  # a different modification time: read again
    with pytest.raises(ImproperlyConfigured, match="every score"):
        rendering.document_data(make_document(graduate, "transcript", "en"))


def test_the_shipped_scale_is_the_common_taiwanese_4_3_scale():
    scale = rendering.grading_scale()
    assert rendering.grade_for(100, scale)["points"] == 4.3 and rendering.grade_for(90, scale)["letter"] == "A+"
    assert rendering.grade_for(89, scale)["letter"] == "A"
    assert rendering.grade_for(62, scale) == {"letter": "C-", "min": 60, "max": 62, "points": 1.7}
    assert rendering.grade_for(59, scale)["points"] == 0


# ---------------------------------------------------------------------------------------------
# The pictures in docs/documents.md
# ---------------------------------------------------------------------------------------------


@pytest.mark.skipif(not os.environ.get("SEALPOST_WRITE_DOC_IMAGES"), reason="set SEALPOST_WRITE_DOC_IMAGES=1 to redraw")
def test_write_documentation_images(make_student, tmp_path):
    graduate = add_record(make_student(status=StudentStatus.GRADUATED, name_zh="陳𡒄宏", name_en="CHEN, HSIN-HUNG",
                                       student_number="107502031", date_of_birth=datetime.date(2000, 3, 14),
                                       admitted_on=datetime.date(2018, 8, 1), graduated_on=datetime.date(2022, 6, 30)),
                          seed=7)
    current = add_record(make_student(status=StudentStatus.CURRENT, name_zh="林郁婷", name_en="LIN, YU-TING",
                                      student_number="112502017", date_of_birth=datetime.date(2005, 5, 2),
                                      admitted_on=datetime.date(2023, 8, 1), graduated_on=None), semesters=4, first_year=112)
    out = REPO / "docs" / "images" / "documents"
    out.mkdir(parents=True, exist_ok=True)
    for document_type in DocumentType.values:
        for language in DocumentLanguage.values:
            student = student_for(document_type, graduate, current)
            path, _, _ = render(make_document(student, document_type, language), tmp_path)
            run("pdftoppm", "-r", "70", "-png", "-singlefile", "-f", "1", "-l", "1", str(path),
                str(out / f"{document_type}-{language}"))


def test_embedded_code_search_is_bounded_for_crafted_files():
    """Many small streams that inflate hugely (a zip bomb spread thin) cost bounded work."""
    import time
    import zlib as _zlib

    bomb = _zlib.compress(b"\0" * 8_000_000, 9)  # ~8 KB that inflates to 8 MB
    crafted = b"%PDF-1.7\n" + b"".join(b"1 0 obj\nstream\n" + bomb + b"\nendstream\n" for _ in range(2000))
    started = time.perf_counter()
    assert rendering.embedded_code(crafted) is None
    assert time.perf_counter() - started < 5
