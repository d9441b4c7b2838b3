"""Finding the WES reference number in what applicants type.

WES does not publish the format of its reference (case) numbers; they are seen as seven digits,
sometimes followed by a short suffix such as IMM or USA. Applicants write them in many ways
("WES Reference No.1234567", "WES ref# 1234567IMM", "wes reference number: 1234567"), so the
parser looks for the word WES, optional words for "reference number", then the number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


# One rule for where the reference comes from (issue 14): the form asks for it in ONE place, the
# dedicated field, and that field wins. The remarks and the recipients' messages, where the
# seed's process had applicants write "WES Reference No. ..." (and where form 2-07-3 keyed in by
# a clerk still has it), are read leniently as before: remarks first, then the messages in the
# recipients' order. The reference used is the first place's; every other number found is a
# conflict, shown to the applicant before they submit and to the desk.


@dataclass(frozen=True)
class Mention:
    """A WES reference found in one place of an order: "field", "remarks" or "recipient" (with
    the recipient's position)."""

    reference: str
    place: str
    position: int = 0

    @property
    def where(self) -> str:
        """The place, in the active language, for "1234567 (from recipient 1's message)"."""
        from django.utils.translation import gettext as _

        if self.place == "field":
            return _("from the WES reference number field")
        if self.place == "remarks":
            return _("from the remarks")
        return _("from recipient %(position)d's message") % {"position": self.position}


def mentions(field: str, remarks: str, messages: list[str]) -> list[Mention]:
    """Every reference found, place by place in order of precedence (field, remarks, messages)."""
    found: list[Mention] = []
    from_field = parse_field(field)
    if from_field:
        found.append(Mention(from_field, "field"))
    found += [Mention(ref, "remarks") for ref in find_references(remarks)]
    for position, message in enumerate(messages, 1):
        found += [Mention(ref, "recipient", position) for ref in find_references(message)]
    return found


def resolve(field: str, remarks: str, messages: list[str]) -> tuple[str, list[str]]:
    """The order's WES reference and the list of distinct references when places disagree.

    The dedicated field wins over the remarks, which win over recipient messages. Returns
    ("", []) when no reference is found anywhere.
    """
    distinct = list(dict.fromkeys(m.reference for m in mentions(field, remarks, messages)))
    if not distinct:
        return "", []
    return distinct[0], (distinct if len(distinct) > 1 else [])


def source(found: list[Mention]) -> Mention | None:
    """Where the reference used comes from: the first mention (None without one)."""
    return found[0] if found else None


def disagreeing(found: list[Mention]) -> list[Mention]:
    """When places disagree, the first mention of each distinct reference (the one used first);
    [] when they agree."""
    first: dict[str, Mention] = {}
    for mention in found:
        first.setdefault(mention.reference, mention)
    return list(first.values()) if len(first) > 1 else []


def of_order(order) -> list[Mention]:
    """The mentions of a placed order, read again from what it holds (as when it was placed)."""
    messages = [r.message for r in order.recipients.order_by("position")]
    return mentions(order.wes_reference_input, order.remarks, messages)
