"""ECPay (綠界) All-In-One checkout: the CheckMacValue, the fields of a checkout, the settings.

CheckMacValue (ECPay's developer site, "附錄 / 檢查碼機制", developers.ecpay.com.tw/?p=2902):
leave CheckMacValue out; sort the other parameters by name, case-insensitively; join them as
``name=value`` with ``&``; put ``HashKey=<key>&`` before and ``&HashIV=<iv>`` after; URL-encode the
whole string as .NET's HttpUtility.UrlEncode does; lower-case it; SHA-256; upper-case the hex.

The encoding is written out here because no Python function does it: ``quote_plus`` leaves
``~`` as it is where ECPay expects ``%7e``, and encodes ``!*()``, which .NET leaves alone.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

STAGE_URL = "https://payment-stage.ecpay.com.tw/Cashier/AioCheckOut/V5"
PRODUCTION_URL = "https://payment.ecpay.com.tw/Cashier/AioCheckOut/V5"
TAIPEI = ZoneInfo("Asia/Taipei")
TRADE_NO_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
MAX_TRADE_NO = 20

# Bytes that .NET's HttpUtility.UrlEncode leaves as they are: ASCII letters and digits, -_.!*()
_UNRESERVED = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!*()")


def dotnet_urlencode(text: str) -> str:
    """URL-encode as .NET's HttpUtility.UrlEncode: UTF-8, space as ``+``, ``-_.!*()`` kept,
    everything else ``%xx`` in lower-case hex (``~`` becomes ``%7e``)."""
    out = []
    for byte in text.encode("utf-8"):
        if byte in _UNRESERVED:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("+")
        else:
            out.append(f"%{byte:02x}")
    return "".join(out)


def check_mac_value(params: dict, hash_key: str, hash_iv: str) -> str:
    """The CheckMacValue (SHA-256, EncryptType 1) of the parameters; a CheckMacValue among them is
    left out."""
    pairs = sorted(((str(k), str(v)) for k, v in params.items() if k != "CheckMacValue"), key=lambda kv: kv[0].lower())
    joined = "&".join(f"{k}={v}" for k, v in pairs)
    raw = f"HashKey={hash_key}&{joined}&HashIV={hash_iv}"
    return hashlib.sha256(dotnet_urlencode(raw).lower().encode("ascii")).hexdigest().upper()


def verify(params: dict, hash_key: str, hash_iv: str) -> bool:
    """Whether the parameters carry the right CheckMacValue (compared in constant time)."""
    given = str(params.get("CheckMacValue", "")).strip().upper()
    if not given:
        return False
    return hmac.compare_digest(given, check_mac_value(params, hash_key, hash_iv))


# --- settings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    merchant_id: str
    hash_key: str
    hash_iv: str
    url: str

    @property
    def is_stage(self) -> bool:
        return "-stage." in self.url


def _setting(name: str, default: str | None = None) -> str | None:
    value = getattr(settings, name, None)
    if value in (None, ""):
        value = os.environ.get("SEALPOST_" + name)
    return value if value not in (None, "") else default


def config() -> Config | None:
    """ECPay's settings, or None when online payment is not configured (merchant ID, HashKey and
    HashIV are all needed). The checkout URL defaults to ECPay's test (stage) service."""
    merchant_id, hash_key, hash_iv = _setting("ECPAY_MERCHANT_ID"), _setting("ECPAY_HASH_KEY"), _setting("ECPAY_HASH_IV")
    if not (merchant_id and hash_key and hash_iv):
        return None
    return Config(merchant_id=merchant_id.strip(), hash_key=hash_key.strip(), hash_iv=hash_iv.strip(),
                  url=(_setting("ECPAY_URL") or STAGE_URL).strip())


def is_configured() -> bool:
    return config() is not None


def origin(url: str) -> str:
    """The scheme, host and port of a checkout URL: where the payment page's form may post
    (its Content-Security-Policy form-action)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def accepts_simulated() -> bool:
    """Whether a notification marked SimulatePaid=1 (a payment simulated from ECPay's merchant
    back office) counts as paid: on ECPay's test service yes, in production never."""
    conf = config()
    return bool(conf and conf.is_stage)


# --- a checkout ------------------------------------------------------------------------------


def new_merchant_trade_no(order) -> str:
    """The order number and random characters, 20 in all: unique per attempt, as ECPay wants, and
    still telling a person which order it is."""
    room = MAX_TRADE_NO - len(order.number)
    return order.number + "".join(secrets.choice(TRADE_NO_ALPHABET) for _ in range(room))


def trade_date(moment=None) -> str:
    """MerchantTradeDate: Taiwan time, yyyy/MM/dd HH:mm:ss."""
    return (moment or timezone.now()).astimezone(TAIPEI).strftime("%Y/%m/%d %H:%M:%S")


def item_name(order) -> str:
    """The order's fee lines for ECPay's page, in the order's language; items are separated by #
    (ECPay shows one per line). At most 400 characters."""
    with translation.override(order.language):
        items = [f"{line.label} NT${line.amount} x {line.quantity}".replace("#", " ") for line in order.fee_lines.all()]
    return "#".join(items)[:400] or order.number


def trade_desc(order) -> str:
    zh = (order.language or "").startswith("zh")
    institution = settings.INSTITUTION_NAME_ZH if zh else settings.INSTITUTION_NAME_EN
    return f"{institution} {order.number}"[:200]


def checkout_fields(order, request=None, *, actor=None, now=None) -> dict:
    """Start a checkout: record the attempt and answer the fields to post to ECPay's checkout URL,
    CheckMacValue included. Raises LookupError when ECPay is not configured."""
    from sealpost.payments.models import CheckoutAttempt

    conf = config()
    if conf is None:
        raise LookupError("ECPay is not configured")
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    for _attempt in range(5):
        trade_no = new_merchant_trade_no(order)
        if not CheckoutAttempt.objects.filter(merchant_trade_no=trade_no).exists():
            break
    CheckoutAttempt.objects.create(
        order=order, merchant_trade_no=trade_no, amount=order.total, created_by=actor if getattr(actor, "pk", None) else None,
    )
    return_url = settings.BASE_URL + reverse("payments:ecpay_return", args=[order.number])
    fields = {
        "MerchantID": conf.merchant_id,
        "MerchantTradeNo": trade_no,
        "MerchantTradeDate": trade_date(now),
        "PaymentType": "aio",
        "TotalAmount": str(order.total),
        "TradeDesc": trade_desc(order),
        "ItemName": item_name(order),
        "ReturnURL": settings.BASE_URL + reverse("payments:ecpay_notify"),
        "OrderResultURL": return_url,
        "ClientBackURL": return_url,
        "ChoosePayment": "ALL",
        "EncryptType": "1",
        "CustomField1": order.number,
    }
    if not (order.language or "").startswith("zh"):
        fields["Language"] = "ENG"
    fields["CheckMacValue"] = check_mac_value(fields, conf.hash_key, conf.hash_iv)
    return fields
