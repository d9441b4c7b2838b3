"""Matching the bank's daily reconciliation file (對帳檔) to orders by virtual account.

The file is CSV, UTF-8 (a byte-order mark is allowed), with a header row naming at least these
columns, in any order and letter case; other columns are ignored:

    virtual_account  the 14-digit virtual account paid into (spaces and dashes are ignored)
    amount           the amount received, whole NT$ ("1000" or "1000.00")
    paid_at          when it was paid, Taiwan time: 2025-11-26, 2025-11-26 14:03[:05],
                     2025/11/26 14:03[:05] or ISO 8601 with an offset
    bank_reference   the bank's own reference for the transaction, unique per transaction

Each line is recorded with payments.services.record_payment (method virtual_account, reference
bank_reference), so running the same file again records nothing twice. See docs/payments.md.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext as _

from sealpost.payments import ecpay, services, virtual_accounts
from sealpost.payments.models import Method, PaymentNotice

COLUMNS = ("virtual_account", "amount", "paid_at", "bank_reference")


class FileError(Exception):
    """The file as a whole cannot be read (no header, a column missing, not UTF-8)."""


@dataclass
class Line:
    number: int  # line in the file, the header being line 1
    virtual_account: str = ""
    amount: int | None = None
    paid_at: datetime.datetime | None = None
    bank_reference: str = ""
    order_number: str = ""
    expected: int | None = None  # the order's fee, for a mismatched amount
    message: str = ""

    def describe(self) -> str:
        parts = [_("line %(number)d") % {"number": self.number}]
        if self.virtual_account:
            parts.append(_("account %(account)s") % {"account": self.virtual_account})
        if self.order_number:
            parts.append(_("order %(number)s") % {"number": self.order_number})
        if self.amount is not None:
            parts.append(f"NT${self.amount:,}")
        if self.expected is not None:
            parts.append(_("expected NT$%(amount)s") % {"amount": f"{self.expected:,}"})
        if self.bank_reference:
            parts.append(_("bank reference %(reference)s") % {"reference": self.bank_reference})
        if self.message:
            parts.append(self.message)
        return ", ".join(parts)


@dataclass
class Report:
    matched: list[Line] = field(default_factory=list)  # recorded by this run
    already_recorded: list[Line] = field(default_factory=list)  # recorded before (a run again)
    unmatched: list[Line] = field(default_factory=list)  # no order has this virtual account
    mismatched: list[Line] = field(default_factory=list)  # the amount differs from the order's fee
    refused: list[Line] = field(default_factory=list)  # the order cannot take a payment now
    invalid: list[Line] = field(default_factory=list)  # the line cannot be read

    SECTIONS = ("matched", "already_recorded", "unmatched", "mismatched", "refused", "invalid")

    @property
    def ok(self) -> bool:
        """Nothing for a person to look at."""
        return not (self.unmatched or self.mismatched or self.refused or self.invalid)

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in self.SECTIONS}

    def as_dict(self) -> dict:
        return {
            "counts": self.counts(),
            **{name: [line.describe() for line in getattr(self, name)] for name in self.SECTIONS},
        }

    def text(self) -> str:
        titles = {
            "matched": _("Matched and recorded"),
            "already_recorded": _("Already recorded (not recorded again)"),
            "unmatched": _("Unmatched: no order has this virtual account"),
            "mismatched": _("Mismatched amounts"),
            "refused": _("Refused: the order cannot take a payment"),
            "invalid": _("Lines that cannot be read"),
        }
        counts = self.counts()
        out = [_("Reconciliation: %(matched)d matched, %(already)d already recorded, %(unmatched)d unmatched, "
                 "%(mismatched)d mismatched, %(refused)d refused, %(invalid)d invalid.") % {
            "matched": counts["matched"], "already": counts["already_recorded"], "unmatched": counts["unmatched"],
            "mismatched": counts["mismatched"], "refused": counts["refused"], "invalid": counts["invalid"]}]
        for name in self.SECTIONS:
            lines = getattr(self, name)
            if lines:
                out.append("")
                out.append(f"{titles[name]} ({len(lines)}):")
                out.extend(f"  {line.describe()}" for line in lines)
        return "\n".join(out) + "\n"


def parse_amount(value: str) -> int:
    try:
        amount = Decimal((value or "").strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(_("the amount is not a number"))
    if not amount.is_finite() or amount != amount.to_integral_value() or amount <= 0:
        raise ValueError(_("the amount is not a positive whole number of NT$"))
    return int(amount)


_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")


def parse_paid_at(value: str) -> datetime.datetime:
    value = (value or "").strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).replace(tzinfo=ecpay.TAIPEI)
        except ValueError:
            continue
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(_("paid_at is not a date"))
    return moment if moment.tzinfo else moment.replace(tzinfo=ecpay.TAIPEI)


def read_rows(stream) -> list[tuple[int, dict]]:
    """The rows of the file as dicts keyed by the lower-cased column names, with line numbers."""
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        raise FileError(_("the file is empty: a header row is required"))
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise FileError(_("missing columns: %(columns)s") % {"columns": ", ".join(missing)})
    rows = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        rows.append((reader.line_num, {name: (row[i] if i < len(row) else "") for i, name in enumerate(names)}))
    return rows


def reconcile(source, actor=None) -> Report:
    """Record every payment of the bank's file and report on each line. ``source`` is a path or an
    open text stream."""
    if isinstance(source, (str, Path)):
        try:
            with open(source, encoding="utf-8-sig", newline="") as handle:
                rows = read_rows(handle)
        except UnicodeDecodeError:
            raise FileError(_("the file is not UTF-8"))
    else:
        rows = read_rows(source if not isinstance(source, bytes) else io.StringIO(source.decode("utf-8-sig")))
    report = Report()
    for number, row in rows:
        line = Line(number=number, virtual_account=virtual_accounts.normalise(row.get("virtual_account")),
                    bank_reference=(row.get("bank_reference") or "").strip())
        try:
            line.amount = parse_amount(row.get("amount"))
            line.paid_at = parse_paid_at(row.get("paid_at"))
            if not line.bank_reference:
                raise ValueError(_("bank_reference is empty"))
        except ValueError as error:
            line.message = str(error)
            report.invalid.append(line)
            continue
        if not virtual_accounts.is_valid(line.virtual_account):
            line.message = _("not a valid virtual account number")
            report.unmatched.append(line)
            continue
        notice = PaymentNotice.objects.select_related("order").filter(virtual_account=line.virtual_account).first()
        if notice is None:
            report.unmatched.append(line)
            continue
        order = notice.order
        line.order_number = order.number
        try:
            payment = services.record_payment(
                order, line.amount, Method.VIRTUAL_ACCOUNT, line.bank_reference, actor, line.paid_at,
                raw={k: v for k, v in row.items() if k},
            )
        except services.AmountMismatch:
            line.expected = order.total
            report.mismatched.append(line)
            continue
        except services.PaymentError as error:  # NotPayable, ReferenceConflict
            line.message = str(error)
            report.refused.append(line)
            continue
        if payment.created:
            report.matched.append(line)
        elif payment.amount != line.amount:
            line.expected = payment.amount
            line.message = _("this bank reference was recorded before with another amount")
            report.mismatched.append(line)
        else:
            report.already_recorded.append(line)
    return report
