"""Which characters the document fonts can draw.

Typst draws a character that no font covers as an empty box without a word (NOTES.md), so
names are checked against the fonts' character maps before anything is issued. The union of
the cmaps of every font in settings.FONT_DIRS is read once per process.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)

FONT_SUFFIXES = {".ttf", ".otf", ".ttc", ".otc"}


def font_files(dirs=None) -> list[Path]:
    files = []
    for folder in dirs if dirs is not None else settings.FONT_DIRS:
        folder = Path(folder)
        if folder.is_dir():
            files += sorted(p for p in folder.rglob("*") if p.suffix.lower() in FONT_SUFFIXES)
    return files


@functools.cache
def covered_codepoints() -> frozenset[int]:
    from fontTools.ttLib import TTCollection, TTFont

    covered: set[int] = set()
    for path in font_files():
        try:
            if path.suffix.lower() in {".ttc", ".otc"}:
                fonts = TTCollection(str(path), lazy=True).fonts
            else:
                fonts = [TTFont(str(path), lazy=True)]
            for font in fonts:
                cmap = font.getBestCmap() or {}
                covered.update(cmap)
        except Exception:  # a broken font file must not stop the service; it just covers nothing
            log.warning("could not read font %s", path.name)
    return frozenset(covered)


def missing_characters(text: str) -> list[str]:
    """Characters of ``text`` that no document font can draw, in order, without repeats.
    Spaces and punctuation that fonts draw from fallbacks are included like any other."""
    covered = covered_codepoints()
    missing = []
    for ch in text or "":
        if ch.isspace() or unicodedata.category(ch).startswith("C"):
            continue
        if ord(ch) not in covered and ch not in missing:
            missing.append(ch)
    return missing


def describe(ch: str) -> str:
    return f"{ch} (U+{ord(ch):04X})"
