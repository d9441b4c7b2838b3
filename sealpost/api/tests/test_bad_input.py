"""The JSON API under generated bodies (issue 7, "Bad input"): orders with fields of any JSON
type and any text, fields left out or unknown, recipients and documents of any length and shape,
bodies that are not JSON or not UTF-8, lone surrogates, other methods; payments recorded by staff
with any body.

Promised (docs/api.md, Errors): never a server error; every error is JSON in the shape
{"detail", "errors"}; a 422 names every field at fault as the client sent it; messages follow
Accept-Language (the same fields in zh-hant and in en, each message translated).
"""

from __future__ import annotations

import functools
import json
import re

from hypothesis import event, given, settings
from hypothesis import strategies as st

from sealpost.accounts.models import ApiToken
from sealpost.portal.tests.fuzz import GOOD, examples, field_values, hostile_text, json_values, messages_translated

from .conftest import ORDERS, order_payload

TOP_LEVEL = ["applicant_type", "student_number", "name_zh", "name_en", "phone", "email", "remarks", "wes_reference",
             "language", "documents", "recipients"]
DOCUMENTED = set(TOP_LEVEL) | {"body", "non_field_errors"}
RECIPIENT_KEY = re.compile(r"^recipients\[(\d+)\](?:\.(.*))?$", re.DOTALL)


@functools.lru_cache(maxsize=None)  # built once: see fuzz.huge
def document_values():
    pairs = st.builds(lambda v: {"type": v.split(":")[0], "language": v.split(":")[1]}, st.sampled_from(GOOD["documents"]))
    odd = st.dictionaries(st.sampled_from(["type", "language", "kind", ""]), json_values(), max_size=3)
    return st.lists(st.one_of(pairs, pairs, odd, json_values()), max_size=5)


@functools.lru_cache(maxsize=None)
def recipient_values():
    good = st.fixed_dictionaries({"email": field_values(GOOD["email"])}, optional={"message": field_values(GOOD["message"])})
    odd = st.dictionaries(st.sampled_from(["email", "message", "name", "Email"]), json_values(), max_size=3)
    return st.lists(st.one_of(good, good, good, odd, json_values()), max_size=13)


@st.composite
def order_bodies(draw):
    body = order_payload()
    for name in TOP_LEVEL:
        how = draw(st.sampled_from(["keep"] * 5 + ["text"] * 3 + ["json", "missing"]))
        if how == "missing":
            body.pop(name, None)
        elif how == "json":
            body[name] = draw(json_values())
        elif how == "text":
            if name == "documents":
                body[name] = draw(document_values())
            elif name == "recipients":
                body[name] = draw(recipient_values())
            elif name == "language":
                body[name] = draw(st.one_of(st.sampled_from(["en", "zh-hant", "zh-tw", "EN", ""]), hostile_text(20)))
            elif name == "student_number":
                body[name] = draw(st.one_of(st.just(None), hostile_text(20)))
            else:
                body[name] = draw(field_values(GOOD[name]))
    if draw(st.integers(0, 9)) == 0:
        body[draw(st.text(max_size=15))] = draw(json_values())  # an unknown field
    return body


RAW_BODIES = st.one_of(
    st.binary(max_size=200),
    st.sampled_from([b"", b"null", b"[]", b"\"x\"", b"{", b"{}", b"\xff\xfe{}", b"\xef\xbb\xbf{}", b"{\"a\":1,\"a\":2}",
                     b"[" * 5000 + b"]" * 5000, b"{\"name_en\": \"\\ud800\"}", b"1e999999", b"-0", b"NaN"]),
    # a lone surrogate in a field (JSON can say it, UTF-8 cannot store it)
    st.builds(lambda name: json.dumps({**order_payload(), name: "A\ud83d"}).encode(),
              st.sampled_from(["name_en", "name_zh", "remarks", "email", "phone", "wes_reference"])),
    st.builds(lambda body: json.dumps(body).encode(), json_values()),
)


def _documented_key(key: str, body, documented=DOCUMENTED) -> bool:
    if key in documented:
        return True
    if isinstance(body, dict) and key in body:
        return True  # an unknown field, named as the client sent it
    found = RECIPIENT_KEY.match(key)
    if not found or not isinstance(body, dict) or not isinstance(body.get("recipients"), list):
        return False
    index, name = int(found.group(1)), found.group(2)
    if index >= len(body["recipients"]):
        return False
    recipient = body["recipients"][index]
    return name is None or name in ("email", "message") or (isinstance(recipient, dict) and name in recipient)


def _check(response, body, documented=DOCUMENTED) -> dict[str, list[str]]:
    assert response.status_code < 500, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    answer = response.json()
    if response.status_code in (200, 201):
        return {}
    assert set(answer) == {"detail", "errors"}, answer
    assert isinstance(answer["detail"], str) and answer["detail"].strip()
    errors = answer["errors"]
    if response.status_code == 422:
        assert errors, "a 422 must name the fields at fault"
        for key, messages in errors.items():
            assert _documented_key(key, body, documented), f"an error for an undocumented name {key!r}: {messages}"
            assert "non_field_errors" != key, f"an error not bound to a field: {messages}"
            assert messages and all(isinstance(m, str) and m.strip() for m in messages)
    return {"detail": [answer["detail"]], **errors}


def _post(client, path, raw: bytes, token, language, method="post"):
    return client.generic(method.upper(), path, data=raw, content_type="application/json",
                          HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE=language)


@settings(max_examples=examples(3000))
@given(body=st.one_of(order_bodies(), order_bodies(), order_bodies(), RAW_BODIES), ascii_json=st.booleans(),
       method=st.sampled_from(["post"] * 12 + ["put", "patch", "delete"]))
def test_api_orders_name_every_field_at_fault_in_both_languages(client, applicant, body, ascii_json, method):
    token = _token(applicant)
    if isinstance(body, bytes):
        raw, sent = body, _loads(body)
    else:
        raw, sent = json.dumps(body, ensure_ascii=ascii_json).encode(), body
    en = _post(client, ORDERS, raw, token, "en", method)
    zh = _post(client, ORDERS, raw, token, "zh-hant", method)
    if method != "post":
        assert en.status_code == zh.status_code == 405
    errors_en, errors_zh = _check(en, sent), _check(zh, sent)
    event(f"status {en.status_code}")
    if en.status_code == 201:
        assert zh.status_code == 201
        return
    assert en.status_code == zh.status_code
    problems = messages_translated(errors_en, errors_zh)
    assert not problems, problems


PAYMENT_FIELDS = {"amount": st.one_of(st.integers(-(2**70), 2**70), json_values()),
                  "method": st.one_of(st.sampled_from(["counter", "cash", "postal", "virtual_account", "ecpay", "demo"]), hostile_text(20)),
                  "reference": st.one_of(st.sampled_from(["R-1", "R-114-000123"]), hostile_text()),
                  "received_at": st.one_of(st.none(), st.sampled_from(["2026-11-25T10:00:00Z", "2026-02-30T00:00:00",
                                                                       "9999-12-31T23:59:59Z", "0001-01-01T00:00:00"]),
                                           hostile_text(30), json_values())}


@st.composite
def payment_bodies(draw):
    body = {}
    for name, values in PAYMENT_FIELDS.items():
        if draw(st.integers(0, 5)):
            body[name] = draw(values)
    if draw(st.integers(0, 9)) == 0:
        body[draw(st.text(max_size=10))] = draw(json_values())
    return body


@settings(max_examples=examples(1000))
@given(body=st.one_of(payment_bodies(), payment_bodies(), RAW_BODIES))
def test_api_payments_name_every_field_at_fault_in_both_languages(client, applicant, clerk, body):
    from sealpost.verify.tests.forgery import place_paid_order

    order = _order(applicant, place_paid_order)
    token = _token(clerk)
    raw, sent = (body, _loads(body)) if isinstance(body, bytes) else (json.dumps(body).encode(), body)
    path = f"/api/v1/orders/{order.number}/payments"
    en = _post(client, path, raw, token, "en")
    zh = _post(client, path, raw, token, "zh-hant")
    documented = set(PAYMENT_FIELDS) | {"body"}
    errors_en, errors_zh = _check(en, sent, documented), _check(zh, sent, documented)
    event(f"status {en.status_code}")
    if en.status_code in (200, 201):
        return
    assert en.status_code == zh.status_code
    if en.status_code == 422:
        for key in errors_en:
            assert key in set(PAYMENT_FIELDS) | {"body", "detail"} or (isinstance(sent, dict) and key in sent), key
    problems = messages_translated(errors_en, errors_zh)
    assert not problems, problems


_tokens: dict[int, str] = {}


def _token(user) -> str:
    # One token per user and test: issuing one per example would only fill the table.
    key = (user.pk, user.date_joined)
    if key not in _tokens or not ApiToken.objects.filter(user=user).exists():
        _tokens[key] = ApiToken.issue(user)
    return _tokens[key]


def _order(applicant, place):
    from sealpost.orders.models import Order, Status

    order = Order.objects.filter(applicant=applicant).first()
    if order is None:
        order = place(applicant)
        Order.objects.filter(pk=order.pk).update(status=Status.AWAITING_PAYMENT)
    return order


def _loads(raw: bytes):
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None
