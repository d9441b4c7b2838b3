"""Bank virtual account numbers (虛擬帳號), one per order.

A number has 14 digits: the prefix the bank assigned to the registrar (setting
VIRTUAL_ACCOUNT_PREFIX, digits only, default ``9999``), the order's database id padded with zeros
to fill 13 digits, and a Luhn check digit. It is derived from the order's id, so two orders never
share one and the same order always gets the same number; the check digit catches most mistyped
numbers before they reach the bank or the reconciliation.

Banks differ in their own formats (some also encode the amount or the due date); a bank that
issues its own numbers is accommodated by changing ``for_order`` alone.
"""

from __future__ import annotations

import os

from django.conf import settings

LENGTH = 14
DEFAULT_PREFIX = "9999"


def prefix() -> str:
    value = getattr(settings, "VIRTUAL_ACCOUNT_PREFIX", None) or os.environ.get("SEALPOST_VIRTUAL_ACCOUNT_PREFIX") or DEFAULT_PREFIX
    value = str(value).strip()
    if not value.isdigit() or not 1 <= len(value) <= 8:
        raise ValueError("VIRTUAL_ACCOUNT_PREFIX must be 1 to 8 digits")
    return value


def luhn_digit(digits: str) -> str:
    """The Luhn check digit to append to ``digits``."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 0:  # every second digit from the right, starting with the rightmost
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return str((10 - total % 10) % 10)


def for_order(order) -> str:
    head = prefix()
    width = LENGTH - 1 - len(head)
    serial = str(order.pk)
    if len(serial) > width:
        raise ValueError("order id too large for the virtual account format")
    body = head + serial.zfill(width)
    return body + luhn_digit(body)


def normalise(value: str) -> str:
    """Digits only: the bank's file or a person may group them with spaces or dashes."""
    return "".join(ch for ch in str(value or "") if ch.isdigit())


def is_valid(value: str) -> bool:
    number = normalise(value)
    return len(number) == LENGTH and luhn_digit(number[:-1]) == number[-1]
