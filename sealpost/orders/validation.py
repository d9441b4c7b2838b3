"""Rules for what applicants type, shared by the order form, the desk and the API."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Characters that change how text is displayed without being seen: bidirectional overrides
# and isolates, zero-width characters. A name containing one could print differently from
# how it reads on screen.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_NAME_EN_PUNCTUATION = set(" -,'.")


def has_control_characters(value: str) -> bool:
    return bool(_INVISIBLE.search(value)) or any(
        unicodedata.category(ch) in {"Cc", "Cf"} for ch in value
    )


def clean_spaces(value: str) -> str:
    return re.sub(r"[ \t]+", " ", (value or "").strip())


def validate_name_en(value: str) -> str:
    """Latin letters, spaces, hyphens, commas, apostrophes and periods only. Returns the
    name as it will be printed: as typed, with outer spaces trimmed and runs of spaces made one."""
    if has_control_characters(value):
        raise ValidationError(
            _("The English name contains an invisible control character. Please type it again."),
            code="control_character",
        )
    value = clean_spaces(value)
    bad = [ch for ch in value if ch not in _NAME_EN_PUNCTUATION and not _is_latin_letter(ch)]
    if bad:
        raise ValidationError(
            _("The English name may contain only Latin letters, spaces, hyphens, commas, apostrophes "
              "and periods (not “%(chars)s”)."),
            code="characters",
            params={"chars": "".join(dict.fromkeys(bad))},
        )
    if not any(_is_latin_letter(ch) for ch in value):
        raise ValidationError(_("The English name must contain letters."), code="no_letters")
    return value


def _is_latin_letter(ch: str) -> bool:
    return ch.isalpha() and "LATIN" in unicodedata.name(ch, "")


def validate_name_zh(value: str) -> str:
    if has_control_characters(value):
        raise ValidationError(
            _("The Chinese name contains an invisible control character. Please type it again."),
            code="control_character",
        )
    value = clean_spaces(value)
    if any(ch.isdigit() or ch in "<>{}[]@#$%^&*=+/\\|~`\"" for ch in value):
        raise ValidationError(_("The Chinese name may not contain digits or symbols."), code="characters")
    return value


_PHONE = re.compile(r"^\+?[0-9 ()\-#]+$")


def validate_phone(value: str) -> str:
    value = clean_spaces(value)
    digits = sum(ch.isdigit() for ch in value)
    if not _PHONE.match(value) or not 7 <= digits <= 20:
        raise ValidationError(
            _("Enter a phone number of 7 to 20 digits, for example 0912-345-678 or +886 3 422 7151."),
            code="phone",
        )
    return value


def passport_hint(name_en: str) -> bool:
    """True when a name does not look like the passport form SURNAME, GIVEN-NAME."""
    return "," not in name_en
