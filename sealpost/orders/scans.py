"""Scanned forms 2-07-3: which files the desk accepts, under which name they are kept, and as
what they are served.

A scan is accepted for what its bytes are, never for its name or the type the browser sent:

- a PDF that pyHanko's reader (a dependency already) opens: header, cross-reference table and
  trailer readable, a document catalog with at least one page, and not locked by a password;
- a PNG whose structure is whole: the signature, IHDR first with a valid combination of sizes and
  colours, every chunk's CRC, no unknown critical chunk, consecutive IDAT chunks whose zlib stream
  ends exactly where the image data does (every scanline present, each with a valid filter
  byte, the interlaced layout included), IEND last with nothing after it;
- a JPEG whose markers are well formed: SOI, one frame header (SOF) with sizes and components,
  every segment inside the file, at least one scan (SOS) after the frame header, entropy-coded
  data ending at a marker, and an EOI. Bytes after the EOI are allowed: phones and cameras put
  further pictures there (MPF, gain maps, motion photos).

Images are checked by their structure with the standard library, not decoded: Pillow is only in
the environment through WeasyPrint, a development dependency, and decoding an image in the web
process adds an attack surface the check does not need. What is served needs only that a file is
the type it claims to be.

An accepted scan is kept as ``<order number>.pdf``, ``.png`` or ``.jpg`` whatever its uploaded
name, and served with that type (``served_type``), which the bytes must confirm. A file stored
before these checks (any name, first bytes only checked) is served by the type its first bytes
show, as an attachment; anything else as ``application/octet-stream``, as an attachment.
"""

from __future__ import annotations

import io
import logging
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024  # the form's limit, in its help text and its message
MAX_SIDE = 30_000  # pixels: an A3 page at 1200 dpi is 14,032 × 19,843
MAX_RAW_BYTES = 256 * 1024 * 1024  # a PNG's image data once inflated (A3, 600 dpi, 16-bit RGB: 418 MB is refused)


@dataclass(frozen=True)
class ScanType:
    extension: str  # the canonical one, with its dot
    content_type: str


PDF = ScanType(".pdf", "application/pdf")
PNG = ScanType(".png", "image/png")
JPEG = ScanType(".jpg", "image/jpeg")
TYPES = (PDF, PNG, JPEG)
UNKNOWN = ScanType("", "application/octet-stream")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class NotAScan(Exception):
    """The bytes are not a file of the type their first bytes announce (damaged, or another
    kind of file under that name)."""


class Locked(NotAScan):
    """A PDF that opens only with a password."""


def sniff(head: bytes) -> ScanType | None:
    """The type the first bytes announce (at least 8 of them), without looking further."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(PNG_SIGNATURE):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def by_extension(name: str) -> ScanType | None:
    """The type a stored name's canonical extension records, or None (legacy names: .jpeg,
    .html, anything)."""
    suffix = PurePosixPath(name or "").suffix
    return next((t for t in TYPES if t.extension == suffix), None)


def identify(data: bytes) -> ScanType:
    """The type of an uploaded scan, checked in full. Raises NotAScan (Locked for a PDF behind a
    password) when the bytes are not a PDF, PNG or JPEG that can be opened."""
    kind = sniff(data[:8])
    if kind is None:
        raise NotAScan("not a PDF, PNG or JPEG file")
    check = {PDF: _check_pdf, PNG: _check_png, JPEG: _check_jpeg}[kind]
    try:
        check(data)
    except NotAScan:
        raise
    except Exception as exc:  # noqa: BLE001 - arbitrary bytes: any failure to read is a refusal
        # The reader's own message may quote the file's text: only its kind is kept (it is logged).
        raise NotAScan(f"{kind.extension[1:]} reader: {type(exc).__name__}") from exc
    return kind


def served_type(name: str, head: bytes) -> tuple[ScanType, bool]:
    """What a stored scan is served as, and whether inline: the type its canonical extension
    records when its first bytes agree (checked at upload); otherwise, for a file stored before
    the checks, the type its first bytes show, as an attachment; never the type its name
    suggests (a stored ``.html`` is never ``text/html``)."""
    sniffed = sniff(head)
    if sniffed is not None and by_extension(name) == sniffed:
        return sniffed, True
    return (sniffed or UNKNOWN), False


def validate_upload(upload):
    """The form field's check: the upload (a Django UploadedFile), renamed ``scan.<canonical
    extension>`` with the canonical content type (the order number replaces the stem when the
    order is saved), or a ValidationError for the scan field."""
    if upload.size > MAX_BYTES:
        raise ValidationError(_("The scanned form is larger than 10 MB."), code="too_large")
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    upload.seek(0)
    try:
        kind = identify(data)
    except Locked:
        raise ValidationError(
            _("The scanned form is a PDF protected by a password. Save it without a password and attach it again."),
            code="locked",
        )
    except NotAScan as exc:
        log.info("scanned form refused: %s", exc)  # the reason, never the file's name (personal data)
        if sniff(data[:8]) is None:
            raise ValidationError(_("The scanned form must be a PDF, PNG or JPEG file."), code="file_type")
        raise ValidationError(
            _("The scanned form cannot be opened as a PDF, PNG or JPEG file: it is damaged or is another "
              "kind of file. Scan it again, or save it as PDF, PNG or JPEG, and attach it again."),
            code="unreadable",
        )
    upload.name = "scan" + kind.extension
    upload.content_type = kind.content_type
    return upload


# --- PDF ------------------------------------------------------------------------------------


def _check_pdf(data: bytes) -> None:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.crypt import AuthStatus
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data), strict=False)  # its default decode limits are for untrusted input
    if reader.encrypted:
        try:
            opened = reader.decrypt("").status in (AuthStatus.USER, AuthStatus.OWNER)
        except Exception:  # noqa: BLE001 - e.g. a certificate-encrypted file
            opened = False
        if not opened:
            raise Locked("the PDF needs a password")
    root = reader.root
    if not isinstance(root, generic.DictionaryObject):
        raise NotAScan("no document catalog")
    pages = root["/Pages"] if "/Pages" in root else None  # [] resolves a reference, get() does not
    if not isinstance(pages, generic.DictionaryObject):
        raise NotAScan("no page tree")
    count = pages["/Count"] if "/Count" in pages else None
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise NotAScan("no page")


# --- PNG ------------------------------------------------------------------------------------

# colour type: (allowed bit depths, samples per pixel)
_PNG_COLOURS = {0: ({1, 2, 4, 8, 16}, 1), 2: ({8, 16}, 3), 3: ({1, 2, 4, 8}, 1), 4: ({8, 16}, 2), 6: ({8, 16}, 4)}
_INFLATE_SLICE = 1 << 20  # bytes of image data inflated at a time
# Adam7: (first column, first row, column step, row step) of each pass
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def _png_rows(width: int, height: int, bits_per_pixel: int, interlaced: bool) -> list[tuple[int, int]]:
    """(number of rows, bytes per row including the filter byte) of each pass of the image."""
    def row_bytes(columns):
        return 1 + (columns * bits_per_pixel + 7) // 8

    if not interlaced:
        return [(height, row_bytes(width))]
    passes = []
    for x0, y0, dx, dy in _ADAM7:
        columns = (width - x0 + dx - 1) // dx if width > x0 else 0
        rows = (height - y0 + dy - 1) // dy if height > y0 else 0
        if columns and rows:  # an empty pass has no bytes at all, not even filter bytes
            passes.append((rows, row_bytes(columns)))
    return passes


def _check_png(data: bytes) -> None:
    pos, end = len(PNG_SIGNATURE), len(data)
    header = None
    palette = False
    idat_state = "before"  # before, inside, after
    inflater = zlib.decompressobj()
    rows: list[tuple[int, int]] = []
    expected = inflated = 0
    next_filter = 0  # offset in the inflated data of the next row's filter byte
    row_index = 0  # over all passes: which row next_filter belongs to
    row_plan: list[int] = []  # row lengths in order, built once IHDR is read

    def take_inflated(chunk: bytes) -> None:
        nonlocal inflated, next_filter, row_index
        start = inflated
        inflated += len(chunk)
        if inflated > expected:
            raise NotAScan("more image data than the header announces")
        while next_filter < inflated:
            if chunk[next_filter - start] > 4:
                raise NotAScan(f"filter type {chunk[next_filter - start]}")
            next_filter += row_plan[row_index]
            row_index += 1

    while True:
        if pos + 12 > end:
            raise NotAScan("truncated chunk")
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if length > 0x7FFFFFFF or pos + 12 + length > end:
            raise NotAScan("chunk outside the file")
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise NotAScan(f"bad CRC in {kind!r}")
        if not re.fullmatch(rb"[A-Za-z]{4}", kind):
            raise NotAScan(f"chunk type {kind!r}")
        pos += 12 + length
        if header is None and kind != b"IHDR":
            raise NotAScan("IHDR is not the first chunk")
        if kind == b"IHDR":
            if header is not None or length != 13:
                raise NotAScan("bad IHDR")
            header = struct.unpack(">IIBBBBB", body)
            width, height, depth, colour, compression, filtering, interlace = header
            if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
                raise NotAScan(f"size {width}×{height}")
            if colour not in _PNG_COLOURS or depth not in _PNG_COLOURS[colour][0]:
                raise NotAScan(f"colour type {colour} with depth {depth}")
            if compression != 0 or filtering != 0 or interlace not in (0, 1):
                raise NotAScan("unknown compression, filter or interlace method")
            rows = _png_rows(width, height, depth * _PNG_COLOURS[colour][1], bool(interlace))
            expected = sum(n * size for n, size in rows)
            if expected > MAX_RAW_BYTES:
                raise NotAScan(f"{expected} bytes of image data")
            row_plan = [size for n, size in rows for _ in range(n)]
        elif kind == b"PLTE":
            if palette or idat_state != "before" or length == 0 or length % 3 or length > 3 * 256:
                raise NotAScan("bad PLTE")
            palette = True
        elif kind == b"IDAT":
            if idat_state == "after":
                raise NotAScan("IDAT chunks are not consecutive")
            if header[3] == 3 and not palette:
                raise NotAScan("a palette image without PLTE")
            idat_state = "inside"
            if inflater.eof:
                if body:
                    raise NotAScan("data after the end of the zlib stream")
                continue
            remaining = body
            while not inflater.eof:  # in slices: a small chunk can inflate to a lot
                out = inflater.decompress(remaining, _INFLATE_SLICE)
                take_inflated(out)
                remaining = inflater.unconsumed_tail
                if not remaining and len(out) < _INFLATE_SLICE:
                    break
            if inflater.unused_data:
                raise NotAScan("data after the end of the zlib stream")
        elif kind == b"IEND":
            if length != 0 or idat_state == "before":
                raise NotAScan("bad IEND")
            if pos != end:
                raise NotAScan("bytes after IEND")
            if not inflater.eof or inflated != expected:
                raise NotAScan(f"{inflated} bytes of image data, {expected} expected")
            return
        else:
            if idat_state == "inside":
                idat_state = "after"
            if not kind[0] & 0x20:  # an unknown critical chunk: a decoder must refuse the file
                raise NotAScan(f"unknown critical chunk {kind!r}")


# --- JPEG -----------------------------------------------------------------------------------

_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
# In entropy-coded data 0xFF is followed by 0x00 (a stuffed byte) or a restart marker; anything
# else (after optional fill bytes) is the next marker.
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def _check_jpeg(data: bytes) -> None:
    pos, end = 2, len(data)  # after SOI
    frame = False
    scans = 0
    while True:
        if pos >= end or data[pos] != 0xFF:
            raise NotAScan("no marker where one is due")
        while pos < end and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= end:
            raise NotAScan("truncated before EOI")
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI; what follows is not part of this picture (MPF and the like)
            if not frame or not scans:
                raise NotAScan("EOI before a frame and a scan")
            return
        if marker in (0x00, 0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
            raise NotAScan(f"marker {marker:#04x} out of place")
        if pos + 2 > end:
            raise NotAScan("truncated segment")
        (length,) = struct.unpack(">H", data[pos:pos + 2])
        if length < 2 or pos + length > end:
            raise NotAScan(f"segment {marker:#04x} outside the file")
        segment = data[pos + 2:pos + length]
        pos += length
        if marker in _SOF_MARKERS:
            if frame or len(segment) < 6:
                raise NotAScan("bad or second frame header")
            precision, height, width, components = struct.unpack(">BHHB", segment[:6])
            if not (2 <= precision <= 16 and height and width and 1 <= components <= 4):
                raise NotAScan(f"frame {width}×{height}, {components} components, precision {precision}")
            if len(segment) != 6 + 3 * components:
                raise NotAScan("frame header length")
            if width > MAX_SIDE or height > MAX_SIDE:
                raise NotAScan(f"size {width}×{height}")
            frame = True
        elif marker == 0xDA:  # SOS, then entropy-coded data up to the next marker
            if not frame or not segment or not 1 <= segment[0] <= 4 or len(segment) != 4 + 2 * segment[0]:
                raise NotAScan("bad scan header")
            scans += 1
            following = _NEXT_MARKER.search(data, pos)
            if following is None:
                raise NotAScan("entropy-coded data runs to the end of the file")
            pos = following.start()
