"""Taiwanese national ID (身分證字號) and resident certificate numbers.

Shape: a letter, then 1 or 2 (citizens) or 8 or 9 (resident certificates since 2021), then
eight digits. The letter stands for a two-digit number; with the nine digits that follow, the
eleven digits weighted 1,9,8,7,6,5,4,3,2,1,1 must sum to a multiple of ten.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from django.conf import settings

LETTER_VALUES = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34,
    "J": 18, "K": 19, "L": 20, "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25,
    "S": 26, "T": 27, "U": 28, "V": 29, "W": 32, "X": 30, "Y": 31, "Z": 33,
}  # fmt: skip
WEIGHTS = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1)
SHAPE = re.compile(r"^[A-Z][1289][0-9]{8}$")


def normalise(value: str) -> str:
    """Full-width letters and digits typed with Chinese input methods become ASCII."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).upper()


def is_valid(value: str) -> bool:
    value = normalise(value)
    if not SHAPE.match(value):
        return False
    letter = LETTER_VALUES[value[0]]
    digits = [letter // 10, letter % 10] + [int(c) for c in value[1:]]
    return sum(w * d for w, d in zip(WEIGHTS, digits)) % 10 == 0


def keyed_hash(value: str) -> str:
    """The only form in which an ID is stored: HMAC-SHA256 under the deployment's key."""
    return hmac.new(settings.ID_HASH_KEY.encode(), normalise(value).encode(), hashlib.sha256).hexdigest()


def make_valid(prefix: str) -> str:
    """Complete a letter and eight digits into a valid ID by choosing the check digit."""
    for check in range(10):
        candidate = f"{prefix}{check}"
        if is_valid(candidate):
            return candidate
    raise ValueError(prefix)
