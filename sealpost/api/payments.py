"""Payments through the API: record a payment (registrar staff), start an ECPay checkout (the
order's applicant or staff), read an order's payments.

Thin: the rules are payments.services'. An order that the caller may not see answers 404, as for
a number that does not exist.
"""

from datetime import date, datetime
from typing import Optional

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja import Status as HttpStatus
from pydantic import ConfigDict

from sealpost.api.errors import ApiError, invalid
from sealpost.api.schemas import ErrorOut
from sealpost.orders.models import Order
from sealpost.payments import services
from sealpost.payments.models import MANUAL_METHODS, Method, Payment

router = Router(tags=["payments"])

MANUAL_METHOD_VALUES = [m.value for m in MANUAL_METHODS]


class PaymentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    amount: int = Field(..., description="NT$, the order's whole fee.", examples=[140])
    method: str = Field(..., description="How it was paid.", json_schema_extra={"enum": MANUAL_METHOD_VALUES})
    reference: str = Field(
        ..., description="The receipt number (counter, cash, postal money order) or the bank's transaction "
        "reference; at most 64 characters. The same method and reference are recorded once.",
        examples=["R-114-000123"],
    )
    received_at: Optional[datetime] = Field(None, description="When the money was received; now by default.")


class PaymentOut(Schema):
    id: int
    order: str = Field(..., description="The order number.")
    method: str = Field(..., json_schema_extra={"enum": [m.value for m in Method]})
    amount: int = Field(..., description="NT$")
    reference: str
    received_at: datetime
    recorded_at: datetime
    demo: bool = Field(..., description="A demonstration payment: no money was taken.")


class RefundOut(Schema):
    amount: int = Field(..., description="NT$")
    reason: str
    at: datetime


class NoticeOut(Schema):
    amount: int = Field(..., description="NT$")
    virtual_account: str = Field(..., description="The bank virtual account (虛擬帳號) of the order, 14 digits.")
    due_date: Optional[date]
    sent_at: datetime


class PaymentsOut(Schema):
    order: str
    status: str
    total: int = Field(..., description="The fee, NT$.")
    paid: int = Field(..., description="NT$ received.")
    refunded: int = Field(..., description="NT$ refunded.")
    notice: Optional[NoticeOut] = Field(..., description="The payment notice, once sent.")
    awaiting_approval: bool = Field(..., description="Paid; issuance waits for an officer's approval.")
    payments: list[PaymentOut]
    refunds: list[RefundOut]


class CheckoutOut(Schema):
    action: str = Field(..., description="ECPay's checkout URL: post the fields there from the browser.")
    method: str = Field("POST")
    merchant_trade_no: str
    fields: dict[str, str] = Field(..., description="Every field to post, CheckMacValue included.")


def _order_for(user, number: str) -> Order:
    order = Order.objects.filter(number=number.strip().upper()).first()
    if order is None or not (user.is_staff_member or (order.applicant_id and order.applicant_id == user.pk)):
        raise ApiError(404, _("There is no order with this number that you may see."))
    return order


def payment_out(payment: Payment) -> dict:
    return {
        "id": payment.pk, "order": payment.order.number, "method": payment.method, "amount": payment.amount,
        "reference": payment.reference, "received_at": payment.received_at, "recorded_at": payment.recorded_at,
        "demo": payment.is_demo,
    }


@router.post(
    "/orders/{number}/payments",
    response={200: PaymentOut, 201: PaymentOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    operation_id="record_payment",
    summary="Record a payment (registrar staff)",
    description=(
        "A registrar clerk or officer records money received for an order: at the counter, in cash, by "
        "postal money order, or by bank transfer to the virtual account. The amount must be the order's "
        "fee (422 naming amount otherwise). The order becomes paid and its documents are issued (or wait "
        "for an officer's approval where the registrar requires one). Idempotent: the same method and "
        "reference again answer 200 with the payment already recorded. 409 when the order cannot take a "
        "payment (already paid, cancelled) or the reference belongs to another order."
    ),
)
def record_payment(request, number: str, payload: PaymentIn):
    user = request.auth
    order = _order_for(user, number)
    if not user.is_staff_member or user.role not in services.PAYMENT_STAFF:
        raise ApiError(403, _("Only a registrar clerk or officer can record payments."))
    if payload.method not in MANUAL_METHOD_VALUES:
        raise invalid({"method": [_("Choose one of: %(methods)s.") % {"methods": ", ".join(MANUAL_METHOD_VALUES)}]})
    try:
        payment = services.record_payment(order, payload.amount, payload.method, payload.reference, user, payload.received_at)
    except (services.NotPayable, services.ReferenceConflict) as error:
        raise ApiError(409, str(error), {error.field: [str(error)]} if error.field else {})
    except services.PaymentError as error:
        raise invalid({error.field or "body": [str(error)]})
    return HttpStatus(201 if payment.created else 200, payment_out(payment))


@router.get(
    "/orders/{number}/payments",
    response={200: PaymentsOut, 401: ErrorOut, 404: ErrorOut},
    operation_id="get_payments",
    summary="Read an order's payments",
    description="The payment notice, payments and refunds of an order; for its applicant and registrar staff.",
)
def get_payments(request, number: str):
    order = _order_for(request.auth, number)
    summary = services.payment_summary(order)
    notice = summary["notice"]
    return {
        "order": order.number, "status": order.status, "total": order.total,
        "paid": summary["paid"], "refunded": summary["refunded"],
        "notice": {"amount": notice.amount, "virtual_account": notice.virtual_account, "due_date": notice.due_date,
                   "sent_at": notice.sent_at} if notice else None,
        "awaiting_approval": summary["awaiting_approval"],
        "payments": [payment_out(p) for p in summary["payments"]],
        "refunds": [{"amount": r.amount, "reason": r.reason, "at": r.at} for r in summary["refunds"]],
    }


@router.post(
    "/orders/{number}/ecpay",
    response={200: CheckoutOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    operation_id="start_ecpay_checkout",
    summary="Start an online payment with ECPay",
    description=(
        "For the order's applicant or registrar staff: a new ECPay checkout (AioCheckOut) for the order's "
        "fee. Post the answered fields, as a form, from the payer's browser to the answered URL. The "
        "payment is recorded when ECPay's server notification arrives. 409 when online payment is not "
        "configured or the order cannot take a payment."
    ),
)
def start_ecpay_checkout(request, number: str):
    user = request.auth
    order = _order_for(user, number)
    try:
        url, fields = services.start_checkout(order, user)
    except services.PaymentError as error:
        raise ApiError(409, str(error))
    return {"action": url, "method": "POST", "merchant_trade_no": fields["MerchantTradeNo"], "fields": fields}
