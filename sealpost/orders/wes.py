"""Finding the WES reference number in what applicants type.

WES does not publish the format of its reference (case) numbers; they are seen as seven digits,
sometimes followed by a short suffix such as IMM or USA. Applicants write them in many ways
("WES Reference No.1234567", "WES ref# 1234567IMM", "wes reference number: 1234567"), so the
parser looks for the word WES, optional words for "reference number", then the number.
"""

from __future__ import annotations

import re

# The number: 6 to 10 digits, optionally a suffix of up to 4 letters, not followed by more
# letters or digits.
_NUMBER = r"(?P<ref>\d{6,10}(?:[A-Z]{2,4})?)(?![A-Z0-9])"
_MENTION = re.compile(
    r"\bWES\b[\s:：,，\-]*"
    r"(?:(?:REFERENCE|REF)\b\.?[\s:：\-]*)?"
    r"(?:(?:NUMBER|NUM|NO)\b\.?|#|＃)?[\s:：#＃\-]*"
    r"(?:(?:NUMBER|NUM|NO)\b\.?)?[\s:：#＃\-]*" + _NUMBER,
    re.IGNORECASE,
)
_BARE = re.compile(r"^\s*" + _NUMBER + r"\s*$", re.IGNORECASE)


def find_references(text: str) -> list[str]:
    """Every WES reference mentioned in free text, upper-cased, in order, without repeats."""
    found: list[str] = []
    for match in _MENTION.finditer(text or ""):
        ref = match.group("ref").upper()
        if ref not in found:
            found.append(ref)
    return found


def parse_field(text: str) -> str | None:
    """The dedicated WES field: a bare number, or the same free forms as elsewhere."""
    text = (text or "").strip()
    if not text:
        return None
    bare = _BARE.match(text)
    if bare:
        return bare.group("ref").upper()
    refs = find_references(text)
    return refs[0] if len(refs) == 1 else None


def resolve(field: str, remarks: str, messages: list[str]) -> tuple[str, list[str]]:
    """The order's WES reference and the list of distinct references when places disagree.

    The dedicated field wins over the remarks, which win over recipient messages. Returns
    ("", []) when no reference is found anywhere.
    """
    places: list[str] = []
    from_field = parse_field(field)
    if from_field:
        places.append(from_field)
    for text in [remarks, *messages]:
        for ref in find_references(text):
            places.append(ref)
    distinct = list(dict.fromkeys(places))
    if not distinct:
        return "", []
    return distinct[0], (distinct if len(distinct) > 1 else [])
