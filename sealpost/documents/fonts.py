"""Which characters the document fonts can draw.

Typst draws a character that no font covers as an empty box without a word (NOTES.md), so
names are checked against the fonts' character maps before anything is issued. The union of
the cmaps of every font in settings.FONT_DIRS is read once per process.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import unicodedata
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)

FONT_SUFFIXES = {".ttf", ".otf", ".ttc", ".otc"}
# Bold and italic faces cover the same characters as the regular face of their family;
# names are drawn in the regular face, so only those are read.
STYLE_WORDS = ("bold", "italic", "oblique", "light", "black", "medium", "semibold")


def font_files(dirs=None) -> list[Path]:
    files = []
    for folder in dirs if dirs is not None else settings.FONT_DIRS:
        folder = Path(folder)
        if folder.is_dir():
            files += sorted(
                p for p in folder.rglob("*")
                if p.suffix.lower() in FONT_SUFFIXES and not any(w in p.stem.lower() for w in STYLE_WORDS)
            )
    return files


def _read_cmaps(files: list[Path]) -> set[int]:
    from fontTools.ttLib import TTCollection, TTFont

    covered: set[int] = set()
    for path in files:
        try:
            if path.suffix.lower() in {".ttc", ".otc"}:
                fonts = TTCollection(str(path), lazy=True).fonts
            else:
                fonts = [TTFont(str(path), lazy=True)]
            for font in fonts:
                covered.update(font.getBestCmap() or {})
        except Exception:  # a broken font file must not stop the service; it just covers nothing
            log.warning("could not read font %s", path.name)
    return covered


def _ranges(points: set[int]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for cp in sorted(points):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return ranges


@functools.cache
def covered_codepoints() -> frozenset[int]:
    """Reading the CJK fonts' tables takes seconds, so the result is kept in the data folder,
    keyed by the fonts' paths, sizes and modification times."""
    files = font_files()
    signature = hashlib.sha256(
        json.dumps([[str(p), p.stat().st_size, p.stat().st_mtime_ns] for p in files]).encode()
    ).hexdigest()
    cache = Path(settings.DATA_DIR) / "cache" / f"font-coverage-{signature[:16]}.json"
    try:
        ranges = json.loads(cache.read_text())
        return frozenset(cp for lo, hi in ranges for cp in range(lo, hi + 1))
    except (OSError, ValueError):
        pass
    covered = _read_cmaps(files)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    tmp.write_text(json.dumps(_ranges(covered)))
    tmp.replace(cache)
    return frozenset(covered)


def missing_characters(text: str) -> list[str]:
    """Characters of ``text`` that no document font can draw, in order, without repeats.
    Private-use characters (left over from legacy encodings) count as missing unless a font has them."""
    covered = covered_codepoints()
    missing = []
    for ch in text or "":
        if ch.isspace() or unicodedata.category(ch) in {"Cc", "Cf"}:
            continue
        if ord(ch) not in covered and ch not in missing:
            missing.append(ch)
    return missing


def describe(ch: str) -> str:
    return f"{ch} (U+{ord(ch):04X})"
