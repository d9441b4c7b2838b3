"""Reading the cells of one row into Python values.

A cell may come from CSV (always text), XLSX (text, numbers, dates, booleans) or JSON (text,
numbers, booleans, null); each reader below accepts all of them. Problems are collected per
column, not raised, so that a row with two mistakes is reported with both. Messages never
quote the cell: it may be personal data.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from sealpost.records import nationalid

_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]00:00(?::00)?)?")
_WHOLE = re.compile(r"\d+(?:\.0*)?")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*")
_TRUE = {"true", "t", "yes", "y", "1", "是"}
_FALSE = {"false", "f", "no", "n", "0", "否"}


class Cells:
    def __init__(self, values: dict[str, object]):
        self.values = values
        self.problems: list[tuple[str, str]] = []

    def problem(self, column: str, message: str) -> None:
        self.problems.append((column, message))

    def given(self, column: str) -> bool:
        return self._raw(column) is not None

    def _raw(self, column: str) -> object:
        """The cell, with text stripped; None when the column is absent or the cell empty."""
        value = self.values.get(column)
        if isinstance(value, str):
            value = value.strip()
        return None if value == "" else value

    def _plain(self, column: str) -> str | None:
        """A cell that holds a number, date or code, as half-width text (１１２ reads as 112)."""
        value = self._raw(column)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
            # str() refuses integers of over 4300 digits; no column takes a number this long, so
            # the cell is refused with its column's reason whatever its digits.
            return "9" * 40
        return unicodedata.normalize("NFKC", str(value)).strip()

    def _missing(self, column: str, required: bool) -> None:
        if required:
            self.problem(column, _("required"))

    def text(self, column: str, max_length: int, required: bool = False) -> str:
        value = self._raw(column)
        if value is None:
            self._missing(column, required)
            return ""
        value = str(value)
        if any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in value):
            self.problem(column, _("contains a line break or an invisible control character"))
        elif len(value) > max_length:
            self.problem(column, _("longer than %(n)s characters") % {"n": max_length})
        return value

    def code(self, column: str, max_length: int, required: bool = True) -> str:
        """A student number, course code or the like: letters, digits and hyphens."""
        value = self._plain(column)
        if value is None:
            self._missing(column, required)
            return ""
        if not _CODE.fullmatch(value) or len(value) > max_length:
            self.problem(
                column, _("must be up to %(n)s letters, digits and hyphens") % {"n": max_length}
            )
        return value

    def date(self, column: str, required: bool = False) -> datetime.date | None:
        value = self._raw(column)
        if value is None:
            self._missing(column, required)
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        match = _DATE.fullmatch(self._plain(column))
        try:
            if match:
                return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
        self.problem(column, _("must be a date written YYYY-MM-DD (Gregorian, not ROC)"))
        return None

    def whole(self, column: str, low: int, high: int, required: bool = False, message=None) -> int | None:
        """`message`, a callable, words the problem when the default wording would not do."""
        value = self._raw(column)
        if value is None:
            self._missing(column, required)
            return None
        text = "" if isinstance(value, bool) else self._plain(column)
        # At most 30 digits: int() refuses over 4300, and no column takes a number this long.
        number = int(text.split(".")[0]) if len(text) <= 30 and _WHOLE.fullmatch(text) else None
        if number is None or not low <= number <= high:
            if message:
                self.problem(column, message())
            else:
                self.problem(column, _("must be a whole number from %(low)s to %(high)s") % {"low": low, "high": high})
            return None
        return number

    def decimal(self, column: str, high: Decimal, required: bool = False) -> Decimal | None:
        value = self._raw(column)
        if value is None:
            self._missing(column, required)
            return None
        try:
            number = None if isinstance(value, bool) else Decimal(self._plain(column))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or not 0 <= number <= high or number != round(number, 1):
            self.problem(column, _("must be a number from 0 to %(high)s with at most one decimal") % {"high": high})
            return None
        return number

    def boolean(self, column: str) -> bool | None:
        value = self._raw(column)
        if value is None or isinstance(value, bool):
            return value
        text = self._plain(column).lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        self.problem(column, _("must be true or false"))
        return None

    def choice(self, column: str, choices, required: bool = True) -> str:
        value = self._plain(column)
        if value is None:
            self._missing(column, required)
            return ""
        value = value.lower()
        if value not in choices:
            self.problem(column, _("must be one of: %(choices)s") % {"choices": ", ".join(choices)})
        return value

    def national_id_hash(self, column: str) -> str:
        """The keyed hash of a valid ID, or "" when none is given. The ID itself goes no further."""
        value = self._plain(column)
        if value is None:
            return ""
        value = nationalid.normalise(value)
        if not nationalid.SHAPE.match(value):
            self.problem(column, _("must be a letter, then 1, 2, 8 or 9, then eight digits"))
        elif not nationalid.is_valid(value):
            self.problem(column, _("checksum does not match"))
        else:
            return nationalid.keyed_hash(value)
        return ""
