"""CheckMacValue against ECPay's published worked examples, and the fields of a checkout."""

import hashlib
import re

from hypothesis import given
from hypothesis import strategies as st

from sealpost.payments import ecpay

# ECPay's worked example for AioCheckOut with the published test merchant 2000132 (HashKey
# 5294y06JbISpM5x9, HashIV v77hoKGq4kWxNNIS): the parameters, the string after URL-encoding and
# lower-casing (step 4) and the CheckMacValue (SHA-256, step 6), as ECPay's developer site printed
# them in its "檢查碼機制" appendix.
EXAMPLE_2000132 = {
    "TradeDesc": "促銷方案",
    "PaymentType": "aio",
    "MerchantTradeDate": "2013/03/12 15:30:23",
    "MerchantTradeNo": "ecpay20130312153023",
    "MerchantID": "2000132",
    "ReturnURL": "https://www.ecpay.com.tw/receive.php",
    "ItemName": "Apple iphone 7 手機殼",
    "TotalAmount": "1000",
    "ChoosePayment": "ALL",
    "EncryptType": "1",
}
EXAMPLE_2000132_ENCODED = (
    "hashkey%3d5294y06jbispm5x9%26choosepayment%3dall%26encrypttype%3d1%26itemname%3dapple+iphone+7+"
    "%e6%89%8b%e6%a9%9f%e6%ae%bc%26merchantid%3d2000132%26merchanttradedate%3d2013%2f03%2f12+15%3a30%3a23"
    "%26merchanttradeno%3decpay20130312153023%26paymenttype%3daio%26returnurl%3dhttps%3a%2f%2fwww.ecpay.com.tw"
    "%2freceive.php%26totalamount%3d1000%26tradedesc%3d%e4%bf%83%e9%8a%b7%e6%96%b9%e6%a1%88%26hashiv%3dv77hokgq4kwxnnis"
)
EXAMPLE_2000132_MAC = "CFA9BDE377361FBDD8F160274930E815D1A8A2E3E80CE7D404C45FC9A0A1E407"

# The current edition of the same appendix (developers.ecpay.com.tw/?p=2902) uses test merchant
# 3002607 (HashKey pwFHCqoQZGmho4w6, HashIV EkRm7iFT261dpevs).
EXAMPLE_3002607 = {
    "TradeDesc": "促銷方案",
    "PaymentType": "aio",
    "MerchantTradeDate": "2023/03/12 15:30:23",
    "MerchantTradeNo": "ecpay20230312153023",
    "MerchantID": "3002607",
    "ReturnURL": "https://www.ecpay.com.tw/receive.php",
    "ItemName": "Apple iphone 15",
    "TotalAmount": "30000",
    "ChoosePayment": "ALL",
    "EncryptType": "1",
}
EXAMPLE_3002607_MAC = "6C51C9E6888DE861FD62FB1DD17029FC742634498FD813DC43D4243B5685B840"


def test_worked_example_of_test_merchant_2000132():
    assert ecpay.check_mac_value(EXAMPLE_2000132, "5294y06JbISpM5x9", "v77hoKGq4kWxNNIS") == EXAMPLE_2000132_MAC


def test_worked_example_intermediate_string():
    joined = "&".join(f"{k}={EXAMPLE_2000132[k]}" for k in sorted(EXAMPLE_2000132, key=str.lower))
    raw = f"HashKey=5294y06JbISpM5x9&{joined}&HashIV=v77hoKGq4kWxNNIS"
    assert ecpay.dotnet_urlencode(raw).lower() == EXAMPLE_2000132_ENCODED
    assert hashlib.sha256(EXAMPLE_2000132_ENCODED.encode()).hexdigest().upper() == EXAMPLE_2000132_MAC


def test_worked_example_of_test_merchant_3002607():
    assert ecpay.check_mac_value(EXAMPLE_3002607, "pwFHCqoQZGmho4w6", "EkRm7iFT261dpevs") == EXAMPLE_3002607_MAC


def test_check_mac_value_itself_is_left_out_and_verify_compares():
    params = {**EXAMPLE_2000132, "CheckMacValue": "anything"}
    assert ecpay.check_mac_value(params, "5294y06JbISpM5x9", "v77hoKGq4kWxNNIS") == EXAMPLE_2000132_MAC
    assert ecpay.verify({**EXAMPLE_2000132, "CheckMacValue": EXAMPLE_2000132_MAC.lower()}, "5294y06JbISpM5x9", "v77hoKGq4kWxNNIS")
    assert not ecpay.verify({**EXAMPLE_2000132, "CheckMacValue": EXAMPLE_2000132_MAC, "TotalAmount": "1"},
                            "5294y06JbISpM5x9", "v77hoKGq4kWxNNIS")
    assert not ecpay.verify(EXAMPLE_2000132, "5294y06JbISpM5x9", "v77hoKGq4kWxNNIS")


def test_dotnet_encoding_differs_from_quote_plus_where_ecpay_says():
    assert ecpay.dotnet_urlencode("~") == "%7e"
    assert ecpay.dotnet_urlencode("-_.!*()") == "-_.!*()"
    assert ecpay.dotnet_urlencode("a b+c") == "a+b%2bc"
    assert ecpay.dotnet_urlencode("@#$&=;?/\\><`[]{}|^\"'%:,") == (
        "%40%23%24%26%3d%3b%3f%2f%5c%3e%3c%60%5b%5d%7b%7d%7c%5e%22%27%25%3a%2c")


def test_sorting_is_case_insensitive():
    params = {"b": "1", "A": "2", "a_": "3"}
    expected = hashlib.sha256(ecpay.dotnet_urlencode("HashKey=k&A=2&a_=3&b=1&HashIV=i").lower().encode()).hexdigest().upper()
    assert ecpay.check_mac_value(params, "k", "i") == expected


# A second implementation, written from ECPay's conversion table ("URLEncode 轉換表", the ".NET
# 編碼(ecpay)" column) rather than from bytes: characters that stay, space to +, the rest %xx.
_TABLE_KEEPS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!*()")


def independent_mac(params, key, iv):
    text = "HashKey=" + key + "&" + "&".join(
        k + "=" + str(params[k]) for k in sorted((k for k in params if k != "CheckMacValue"), key=lambda s: s.lower())
    ) + "&HashIV=" + iv
    encoded = ""
    for ch in text:
        if ch in _TABLE_KEEPS:
            encoded += ch
        elif ch == " ":
            encoded += "+"
        else:
            encoded += "".join("%" + format(b, "02X") for b in ch.encode("utf-8"))
    return hashlib.sha256(encoded.lower().encode("utf-8")).hexdigest().upper()


def test_independent_implementation_agrees_on_the_worked_examples():
    assert independent_mac(EXAMPLE_2000132, "5294y06JbISpM5x9", "v77hoKGq4kWxNNIS") == EXAMPLE_2000132_MAC
    assert independent_mac(EXAMPLE_3002607, "pwFHCqoQZGmho4w6", "EkRm7iFT261dpevs") == EXAMPLE_3002607_MAC


@given(st.dictionaries(st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,12}", fullmatch=True), st.text(max_size=40), min_size=1, max_size=8))
def test_independent_implementation_agrees_on_any_parameters(params):
    assert ecpay.check_mac_value(params, "5294y06JbISpM5x9", "v77hoKGq4kWxNNIS") == independent_mac(
        params, "5294y06JbISpM5x9", "v77hoKGq4kWxNNIS")


def test_not_configured_without_all_three(settings, monkeypatch):
    settings.ECPAY_MERCHANT_ID = "2000132"
    settings.ECPAY_HASH_KEY = "5294y06JbISpM5x9"
    assert ecpay.config() is None
    monkeypatch.setenv("SEALPOST_ECPAY_HASH_IV", "v77hoKGq4kWxNNIS")
    conf = ecpay.config()
    assert conf.hash_iv == "v77hoKGq4kWxNNIS" and conf.url == ecpay.STAGE_URL and conf.is_stage


def test_checkout_fields(ecpay_test_merchant, place, settings):
    order = place(recipients=3)
    fields = ecpay.checkout_fields(order)
    again = ecpay.checkout_fields(order)
    assert fields["MerchantTradeNo"] != again["MerchantTradeNo"]
    assert re.fullmatch(r"[0-9A-Z]{1,20}", fields["MerchantTradeNo"]) and fields["MerchantTradeNo"].startswith(order.number)
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}", fields["MerchantTradeDate"])
    assert fields["MerchantID"] == "2000132"
    assert fields["PaymentType"] == "aio" and fields["ChoosePayment"] == "ALL" and fields["EncryptType"] == "1"
    assert fields["TotalAmount"] == str(order.total) == "70"
    assert fields["ReturnURL"] == settings.BASE_URL + "/payments/ecpay/notify"
    assert fields["OrderResultURL"] == fields["ClientBackURL"] == settings.BASE_URL + f"/payments/ecpay/return/{order.number}/"
    assert "#" in fields["ItemName"]  # the document and the extra recipient, one per line
    assert fields["Language"] == "ENG"
    assert ecpay.verify(fields, "5294y06JbISpM5x9", "v77hoKGq4kWxNNIS")
    assert independent_mac(fields, "5294y06JbISpM5x9", "v77hoKGq4kWxNNIS") == fields["CheckMacValue"]
    assert order.checkout_attempts.count() == 2


def test_trade_date_is_taiwan_time():
    import datetime

    moment = datetime.datetime(2025, 11, 26, 7, 30, 5, tzinfo=datetime.timezone.utc)
    assert ecpay.trade_date(moment) == "2025/11/26 15:30:05"
