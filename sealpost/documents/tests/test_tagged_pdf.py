"""Issued PDFs are tagged (PDF/UA): what a screen reader gets from them.

Each document has a structure tree and says so (/MarkInfo), names its language (/Lang zh-TW or
en-US) and tags the text in another language with its own (the English name on a Chinese
document, the English half of the bilingual form 2-07-3). Walking the structure tree in order
gives the text in the order a sighted reader takes it in: title, holder, courses, totals, issue
block. The QR code and the seal are figures with alternative text in the document's language.

The PDFs are read with pyHanko's reader: the structure tree as it stands, and the text of each
marked-content sequence from the pages' content streams (decoded through the fonts' ToUnicode
maps), as a screen reader reads them.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest
from django.conf import settings
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from sealpost.documents import rendering
from sealpost.documents.tests.test_rendering import (  # noqa: F401 - fixtures
    CODE,
    current,
    graduate,
    make_document,
    student_for,
)
from sealpost.documents.types import DocumentLanguage, DocumentType

LANG = {"zh": "zh-TW", "en": "en-US"}
CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")

# ---------------------------------------------------------------------------------------------
# Reading a tagged PDF
# ---------------------------------------------------------------------------------------------

_TOKEN = re.compile(rb"(<<|>>|\[|\]|\(|<[0-9A-Fa-f\s]*>|/[^\s/\[\]()<>{}%]*|[^\s/\[\]()<>{}%]+)|%[^\r\n]*|\s+")
_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}


class Name(str):
    """A name operand (/P, /MCID), told apart from an operator."""


def _literal(data: bytes, i: int) -> tuple[bytes, int]:
    """The literal string opening at data[i] == '(' and the index after it."""
    out, depth, i = bytearray(), 1, i + 1
    while True:
        c = data[i]
        if c == 0x5C:  # backslash
            n = data[i + 1]
            if n in _ESCAPES:
                out += _ESCAPES[n]
                i += 2
            elif 0x30 <= n <= 0x37:
                digits = re.match(rb"[0-7]{1,3}", data[i + 1:i + 4]).group()
                out.append(int(digits, 8) & 0xFF)
                i += 1 + len(digits)
            elif n in b"\r\n":
                i += 2 + (data[i + 1:i + 3] == b"\r\n")
            else:
                out.append(n)
                i += 2
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out.append(c)
        i += 1


def _operations(data: bytes):
    """(operator, operands) of a content stream, operands as Python values."""
    stack: list = []
    i = 0
    while i < len(data):
        match = _TOKEN.match(data, i)
        token = match.group(1)
        i = match.end()
        if token is None:
            continue
        if token == b"(":
            value, i = _literal(data, i - 1)
            stack.append(value)
        elif token in (b"[", b"<<"):
            stack.append(token)
        elif token == b"]":
            start = len(stack) - 1 - stack[::-1].index(b"[")
            stack[start:] = [stack[start + 1:]]
        elif token == b">>":
            start = len(stack) - 1 - stack[::-1].index(b"<<")
            items = stack[start + 1:]
            stack[start:] = [dict(zip(items[::2], items[1::2]))]
        elif token.startswith(b"<"):
            stack.append(bytes.fromhex(token[1:-1].decode()))
        elif token.startswith(b"/"):
            stack.append(Name(token[1:].decode()))
        elif re.fullmatch(rb"[+-]?(\d+\.?\d*|\.\d+)", token):
            stack.append(float(token))
        elif token in (b"true", b"false", b"null"):
            stack.append(token.decode())
        else:
            yield token.decode(), stack
            stack = []


def _to_unicode(font) -> tuple[int, dict[bytes, str]]:
    """(bytes per code, code -> text) from a font's ToUnicode map."""
    width = 2 if font.get("/Subtype") == "/Type0" else 1
    table: dict[bytes, str] = {}
    cmap = font["/ToUnicode"].data.decode("latin-1")

    def text(hexa: str) -> str:
        return bytes.fromhex(hexa).decode("utf-16-be")

    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            table[bytes.fromhex(src)] = text(dst)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for lo, hi, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])", block):
            first, last = int(lo, 16), int(hi, 16)
            if dst.startswith("["):
                targets = [text(x) for x in re.findall(r"<([0-9A-Fa-f]*)>", dst)]
            else:
                base = bytes.fromhex(dst[1:-1])
                start = int.from_bytes(base, "big")
                targets = [(start + k).to_bytes(len(base), "big").decode("utf-16-be") for k in range(last - first + 1)]
            for k, target in enumerate(targets):
                table[(first + k).to_bytes(len(lo) // 2, "big")] = target
    return width, table


def _marked_content(page) -> dict[int, tuple[str, str | None]]:
    """MCID -> (its text, the /Lang of its marked-content sequence) on one page."""
    resources = page["/Resources"].get("/Font", generic.DictionaryObject())
    fonts = {str(name): _to_unicode(resources[name]) for name in resources}
    contents = page["/Contents"]
    streams = [contents[k] for k in range(len(contents))] if isinstance(contents, generic.ArrayObject) else [contents]
    data = b"\n".join(stream.data for stream in streams)
    found: dict[int, list] = {}
    open_: list[int | None] = []  # the marked-content sequences we are in: MCID, or None (an artifact)
    font = (1, {})
    for op, operands in _operations(data):
        if op == "BDC":
            props = operands[-1] if isinstance(operands[-1], dict) else {}
            mcid = props.get(Name("MCID"))
            if mcid is not None:
                lang = props.get(Name("Lang"))
                found[int(mcid)] = [[], lang.decode("latin-1") if isinstance(lang, bytes) else None]
                open_.append(int(mcid))
            else:
                open_.append(None)
        elif op == "BMC":
            open_.append(None)
        elif op == "EMC":
            open_.pop()
        elif op == "Tf":
            font = fonts["/" + operands[0]]
        elif op in ("Tj", "TJ", "'", '"') and open_ and open_[-1] is not None:
            width, table = font
            for chunk in operands[-1] if op == "TJ" else [operands[-1]]:
                if isinstance(chunk, bytes):  # not a number: a kerning adjustment
                    codes = (chunk[k:k + width] for k in range(0, len(chunk), width))
                    found[open_[-1]][0].append("".join(table.get(c, "\ufffd") for c in codes))
    return {mcid: ("".join(parts), lang) for mcid, (parts, lang) in found.items()}


def _get(dictionary, key: str, default=None):
    """dictionary[key], resolved if it is an indirect object, or default."""
    return dictionary[key] if key in dictionary else default


@dataclass
class Item:
    """What a screen reader reads, in order: a run of text, or a figure's alternative text."""

    kind: str  # "text" or "figure"
    text: str
    lang: str
    role: str  # the structure element it belongs to (/P, /TD, /Figure ...)


class TaggedPdf:
    def __init__(self, pdf: bytes):
        reader = PdfFileReader(io.BytesIO(pdf))
        self.root = reader.root
        self.lang = str(_get(self.root, "/Lang", ""))
        self.marked = bool(_get(_get(self.root, "/MarkInfo", {}), "/Marked", False))
        self.tree = _get(self.root, "/StructTreeRoot")
        self.pages: dict[int, dict] = {}  # page object number -> MCID -> (text, lang)
        self._collect_pages(self.root.raw_get("/Pages"))
        self.items: list[Item] = []
        if self.tree is not None:
            self._walk(self.tree.raw_get("/K"), None, self.lang, "/Document")

    def _collect_pages(self, ref):
        node = ref.get_object()
        if node.get("/Type") == "/Pages":
            for k in range(len(node["/Kids"])):
                self._collect_pages(node["/Kids"].raw_get(k))
        else:
            self.pages[ref.idnum] = _marked_content(node)

    def _walk(self, ref, page: int | None, lang: str, role: str):
        node = ref.get_object() if isinstance(ref, generic.IndirectObject) else ref
        if isinstance(node, generic.ArrayObject):
            for k in range(len(node)):
                self._walk(node.raw_get(k), page, lang, role)
        elif isinstance(node, generic.NumberObject):  # an MCID on the element's page
            text, own = self.pages[page].get(int(node), ("", None))
            self.items.append(Item("text", text, own or lang, role))
        elif isinstance(node, generic.DictionaryObject):
            if "/Pg" in node:
                page = node.raw_get("/Pg").idnum
            if node.get("/Type") == "/MCR":
                self._walk(node["/MCID"], page, lang, role)
            elif "/S" in node:  # a structure element (an /OBJR, a link's annotation, has no text)
                lang = str(_get(node, "/Lang", lang))
                role = str(node["/S"])
                if "/Alt" in node:  # read instead of what the element contains
                    self.items.append(Item("figure", str(node["/Alt"]), lang, role))
                elif "/K" in node:
                    self._walk(node.raw_get("/K"), page, lang, role)

    @property
    def figures(self) -> list[Item]:
        return [item for item in self.items if item.kind == "figure"]

    def reading(self) -> str:
        """Everything read, in order, without white space (lines break anywhere)."""
        return "".join(re.sub(r"\s+", "", item.text) for item in self.items)

    def assert_order(self, *landmarks: str):
        """Each landmark is read after the one before it."""
        text, at = self.reading(), 0
        for landmark in landmarks:
            found = text.find(re.sub(r"\s+", "", landmark), at)
            assert found >= 0, f"{landmark!r} not read after {text[max(0, at - 40):at]!r} (reading: {text[:400]!r}…)"
            at = found + 1

    def language_of(self, needle: str) -> set[str]:
        """The languages in which the characters of needle are read, wherever it is read."""
        text = self.reading()
        langs = [item.lang for item in self.items for _ in re.sub(r"\s+", "", item.text)]
        needle = re.sub(r"\s+", "", needle)
        starts = [m.start() for m in re.finditer(re.escape(needle), text)]
        assert starts, f"{needle!r} is not read"
        return {langs[k] for start in starts for k in range(start, start + len(needle))}


def issued(student, document_type, language, **kwargs) -> tuple[TaggedPdf, dict]:
    data = rendering.document_data(make_document(student, document_type, language, **kwargs))
    return TaggedPdf(rendering.render(document_type, language, data)), data


# ---------------------------------------------------------------------------------------------
# Every document: a structure tree, its language, the QR code and the seal described
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", DocumentLanguage.values)
@pytest.mark.parametrize("document_type", DocumentType.values)
def test_every_document_is_tagged_in_its_language(document_type, language, graduate, current):
    pdf, data = issued(student_for(document_type, graduate, current), document_type, language)

    assert pdf.tree is not None and pdf.tree.get("/Type") == "/StructTreeRoot", "no structure tree"
    assert pdf.marked, "/MarkInfo does not say the document is tagged"
    assert pdf.lang == LANG[language]
    assert data["title"].replace(" ", "") in pdf.reading()
    # Whatever is read in the document's own language is in that language.
    own = "".join(i.text for i in pdf.items if i.lang == LANG[language])
    if language == "en":
        assert not CJK.search(own), "Chinese read as English"
    else:
        assert len(CJK.findall(own)) > 30


@pytest.mark.parametrize("language", DocumentLanguage.values)
@pytest.mark.parametrize("document_type", DocumentType.values)
def test_the_qr_code_and_the_seal_have_alternative_text_in_the_documents_language(
        document_type, language, graduate, current):  # fmt: skip
    pdf, data = issued(student_for(document_type, graduate, current), document_type, language)
    url = f"{settings.BASE_URL}/verify/{CODE}/"

    qr, seal = pdf.figures  # first the QR code, at the top; last the seal, by the date of issue
    assert qr.role == seal.role == "/Figure"
    assert qr.lang == seal.lang == LANG[language]
    assert url in qr.text and CODE in qr.text.replace(url, "")
    assert data["seal_text"] in seal.text
    if language == "zh":
        assert qr.text.startswith("QR 碼：") and "查驗本文件" in qr.text
        assert seal.text == "印章：國立示範大學註冊組"
    else:
        assert qr.text.startswith("QR code: verify this document at ")
        assert seal.text == "Official seal: Office of the Registrar, National Demonstration University"
    # The seal's carved letters are not read out one by one in its column order.
    assert pdf.items[-1] is seal


def test_the_qr_code_is_described_once_however_many_pages(graduate):
    pdf, _ = issued(graduate, "transcript", "zh")
    assert len(pdf.pages) >= 2, "the transcript was meant to run over pages"
    assert [f.text[:5] for f in pdf.figures] == ["QR 碼：", "印章：國立"]


def test_a_chinese_document_tags_the_english_name_as_english(graduate):
    pdf, _ = issued(graduate, "degree_certificate", "zh")
    assert pdf.language_of("CHEN, TA-WEI") == {"en-US"}  # in the sentence and in the details
    assert "CHEN,TA-WEI" in pdf.reading()
    assert pdf.language_of("陳大偉") == {"zh-TW"}
    assert pdf.language_of("資訊工程學系") == {"zh-TW"}


def test_a_holder_without_a_chinese_name_is_read_in_english_on_a_chinese_document(graduate):
    pdf, _ = issued(graduate, "transcript", "zh", name_zh="", name_en="SANTOSO, BUDI")
    assert pdf.language_of("SANTOSO, BUDI") == {"en-US"}
    assert pdf.lang == "zh-TW"


# ---------------------------------------------------------------------------------------------
# Reading order
# ---------------------------------------------------------------------------------------------


def test_a_chinese_transcript_is_read_in_the_order_it_is_printed(graduate):
    pdf, data = issued(graduate, "transcript", "zh")
    semesters = data["transcript"]["semesters"]
    pdf.assert_order(
        "QR 碼：", "歷年成績單", "姓名", "陳大偉", "學號", "107502001", "出生日期", "中華民國89年1月15日",
        "系所", "資訊工程學系", "學籍狀態", "畢業",
        # courses semester by semester, each row code, title, credits, score, grade
        semesters[0]["label"], "課號", "科目名稱", semesters[0]["courses"][0]["code"], semesters[0]["courses"][0]["title"],
        semesters[0]["courses"][1]["title"], "學期平均",
        semesters[1]["label"], semesters[1]["courses"][0]["title"],
        semesters[-1]["label"], semesters[-1]["courses"][-1]["title"],
        "歷年總平均", "實得總學分", "累計 GPA", "成績等第對照表", "（以下空白）",
        "發證日期：中華民國114年11月25日", "發證單位：國立示範大學註冊組", "本文件為電子文件", "印章：",
    )  # fmt: skip


def test_an_english_transcript_is_read_in_the_order_it_is_printed(graduate):
    pdf, data = issued(graduate, "transcript", "en")
    semesters = data["transcript"]["semesters"]
    first = semesters[0]["courses"][0]
    pdf.assert_order(
        "QR code:", "Official Transcript of Academic Record", "Name", "CHEN, TA-WEI", "Student No.", "107502001",
        "Department", "Department of Computer Science and Information Engineering", "Status", "Graduated",
        "Fall 2018 (2018–2019 First Semester)", "Code", "Course Title", "Credits", "Score", "Grade",
        first["code"], first["title"], str(first["credits"]), f"{first['score']}*", first["letter"],
        "Semester average", "Spring 2019", semesters[1]["courses"][0]["title"], "Spring 2022",
        semesters[-1]["courses"][-1]["title"],
        "Cumulative Average", "Total Credits Earned", "Cumulative GPA", "Grading Scale", "End of Transcript",
        "Date of issue: 25 November 2025", "Issued by: Office of the Registrar", "This is an electronic document",
        "Official seal:",
    )  # fmt: skip


@pytest.mark.parametrize("language, landmarks", [
    ("zh", ["QR 碼：", "學位證明書", "茲證明", "陳大偉", "CHEN, TA-WEI", "工學士", "特此證明",
            "姓名", "學位", "授予日期", "中華民國111年6月30日", "發證日期：", "印章："]),
    ("en", ["QR code:", "Certificate of Degree", "This is to certify that", "CHEN, TA-WEI",
            "was conferred the degree of", "Bachelor of Engineering", "Name", "Degree", "Date Conferred",
            "30 June 2022", "Date of issue:", "Official seal:"]),
])  # fmt: skip
def test_a_degree_certificate_is_read_in_the_order_it_is_printed(graduate, language, landmarks):
    issued(graduate, "degree_certificate", language)[0].assert_order(*landmarks)


@pytest.mark.parametrize("language, landmarks", [
    ("zh", ["QR 碼：", "在學證明書", "茲證明", "林郁婷", "現就讀本校", "114學年度第1學期", "特此證明",
            "姓名", "年級", "三年級", "學期", "發證日期：", "印章："]),
    ("en", ["QR code:", "Certificate of Enrollment", "This is to certify that", "LIN, YU-TING", "is enrolled in",
            "Fall 2025", "Name", "Year of Study", "Year 3", "Semester", "Date of issue:", "Official seal:"]),
])  # fmt: skip
def test_an_enrollment_certificate_is_read_in_the_order_it_is_printed(current, language, landmarks):
    issued(current, "enrollment_certificate", language)[0].assert_order(*landmarks)


@pytest.mark.parametrize("language", DocumentLanguage.values)
def test_a_rank_certificate_is_read_in_the_order_it_is_printed(graduate, language):
    pdf, data = issued(graduate, "rank_certificate", language)
    first, last = data["ranking"]["semesters"][0], data["ranking"]["semesters"][-1]
    zh = language == "zh"
    pdf.assert_order(
        "QR 碼：" if zh else "QR code:", data["title"], "茲證明" if zh else "This is to certify that",
        "名次" if zh else "Rank", "班級人數" if zh else "Class Size",
        # a row: semester, average, credits, rank, class size
        first["label"], f"{first['average']:.2f}", str(first["credits_earned"]), str(first["rank"]), "52",
        last["label"], str(last["rank"]),
        "歷年總平均" if zh else "Cumulative average", "名次係以" if zh else "Ranks order the students",
        "發證日期：" if zh else "Date of issue:", "印章：" if zh else "Official seal:",
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The bilingual form 2-07-3
# ---------------------------------------------------------------------------------------------


def test_the_bilingual_form_reads_each_language_as_its_own(applicant):
    from sealpost.orders import form2073
    from sealpost.orders import services as order_services

    draft = order_services.Draft(
        applicant_type="alumnus", documents=[("transcript", "en")], name_en="CHEN, TA-WEI", phone="0912345678",
        email=applicant.email, recipients=[(applicant.email, "WES Reference No. 1234567")],
    )  # fmt: skip
    order = order_services.place_order(student=applicant.student, draft=draft, applicant=applicant, actor=applicant)
    pdf = TaggedPdf(form2073.render(order))

    assert pdf.tree is not None and pdf.marked and pdf.lang == "zh-TW"
    for english in ("Application for Electronic Transcripts and Certificates", "Applicant", "Student number",
                    "English name (as in passport)", "CHEN, TA-WEI", "Documents", "Recipient 1", "Total (NT$)",
                    "Applicant’s signature:"):  # fmt: skip
        assert pdf.language_of(english) == {"en-US"}, english
    for chinese in ("申請成績單暨學位證明書電子檔申請表", "申請人資料", "英文姓名（同護照）", "合計", "申請人簽名"):
        assert pdf.language_of(chinese) == {"zh-TW"}, chinese
    pdf.assert_order(
        "申請成績單暨學位證明書電子檔申請表", "Application for Electronic Transcripts", "訂單編號", "Order no.:",
        order.number, "1、申請人資料", "Applicant", "學號", "Student number", "2、申請文件", "3、收件人", "收件人 1",
        "Recipient 1", "4、費用", "合計", "Total (NT$)", "5、WES", "申請人簽名", "Applicant’s signature:",
    )  # fmt: skip
