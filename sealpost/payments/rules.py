"""What every payment action shares: when an order can take a payment or a notice, who may act,
the errors, and the registrar's payment settings."""

from __future__ import annotations

import os

from django.conf import settings

from sealpost.accounts.models import Role
from sealpost.orders.models import Order, Status
from sealpost.payments import ecpay

# An order can be paid while it waits for its notice (the applicant paying online at once) or
# after the notice; a notice is sent while the order is submitted or under review.
PAYABLE = {Status.SUBMITTED, Status.UNDER_REVIEW, Status.AWAITING_PAYMENT}
NOTICE_FROM = {Status.SUBMITTED, Status.UNDER_REVIEW}
DEFAULT_DUE_DAYS = 5
# Who records payments, sends notices and refunds; auditors only read.
PAYMENT_STAFF = {Role.CLERK, Role.OFFICER}


class PaymentError(Exception):
    """A payment action that cannot be done; the message is for the person. ``field`` names the
    input at fault, when one is."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        if field:
            self.field = field


class AmountMismatch(PaymentError):
    field = "amount"


class ReferenceConflict(PaymentError):
    field = "reference"


class NotPayable(PaymentError):
    """The order cannot take a payment now (already paid, cancelled, rejected ...)."""


# --- settings ------------------------------------------------------------------------------------


def _setting(name: str, default=None):
    value = getattr(settings, name, None)
    if value in (None, ""):
        value = os.environ.get("SEALPOST_" + name)
    return default if value in (None, "") else value


def due_days() -> int:
    """Business days the applicant has to pay after the notice (PAYMENT_DUE_DAYS, default 5)."""
    return int(_setting("PAYMENT_DUE_DAYS", DEFAULT_DUE_DAYS))


def approval_required_for() -> set[str]:
    """Document types whose issuance waits for an officer's approval (APPROVAL_REQUIRED_FOR: a set,
    or a comma-separated string in the environment)."""
    value = _setting("APPROVAL_REQUIRED_FOR", set())
    if isinstance(value, str):
        value = [v for v in (part.strip() for part in value.split(",")) if v]
    return set(value)


def bank_name() -> str:
    """The bank that holds the virtual accounts, as printed on the notice (VIRTUAL_ACCOUNT_BANK)."""
    return str(_setting("VIRTUAL_ACCOUNT_BANK", ""))


def demo_available() -> bool:
    """The demonstration payment: only on a demonstration system without ECPay."""
    return bool(getattr(settings, "DEMO", False)) and not ecpay.is_configured()


def online_payment_offered() -> bool:
    """Whether applicants may pay online at once, without waiting for the notice: the registrar
    has set up ECPay (or, on a demonstration system, the demonstration payment stands in)."""
    return ecpay.is_configured() or demo_available()


def can_pay_online(order: Order) -> bool:
    return ecpay.is_configured() and order.status in PAYABLE and order.total > 0


def can_pay_demo(order: Order) -> bool:
    return demo_available() and order.status in PAYABLE
