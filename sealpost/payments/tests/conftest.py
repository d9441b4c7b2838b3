"""Helpers for the payment tests: orders placed through the real service, ECPay's published test
merchant, signed notifications, and a JSON API client."""

import json

import pytest

from sealpost.accounts.models import ApiToken, Role
from sealpost.conftest import add_grades
from sealpost.orders import services as order_services
from sealpost.payments import ecpay

# ECPay's published test merchant (developers.ecpay.com.tw): public, not a secret.
TEST_MERCHANT = {"ECPAY_MERCHANT_ID": "2000132", "ECPAY_HASH_KEY": "5294y06JbISpM5x9", "ECPAY_HASH_IV": "v77hoKGq4kWxNNIS"}
NOTIFY = "/payments/ecpay/notify"


@pytest.fixture(autouse=True)
def _no_ecpay_from_environment(monkeypatch, settings):
    # Tests decide whether ECPay is configured; a developer's environment must not.
    for name in ("ECPAY_MERCHANT_ID", "ECPAY_HASH_KEY", "ECPAY_HASH_IV", "ECPAY_URL", "APPROVAL_REQUIRED_FOR",
                 "PAYMENT_DUE_DAYS", "VIRTUAL_ACCOUNT_PREFIX", "VIRTUAL_ACCOUNT_BANK"):
        monkeypatch.delenv("SEALPOST_" + name, raising=False)
    settings.DEMO = False


@pytest.fixture
def ecpay_test_merchant(settings):
    for name, value in TEST_MERCHANT.items():
        setattr(settings, name, value)
    settings.ECPAY_URL = ecpay.STAGE_URL
    return ecpay.config()


@pytest.fixture
def grades(student):
    return add_grades(student, 3)


@pytest.fixture
def place(applicant):
    """Place an order for the applicant's record through orders.services.place_order."""

    def make(documents=(("transcript", "en"),), recipients=1, language="en", user=None, **fields):
        user = user or applicant
        draft = order_services.Draft(
            applicant_type="alumnus", documents=list(documents), name_en="CHEN, TA-WEI", name_zh="陳大偉",
            phone="0912345678", email=user.email, language=language,
            recipients=[(f"r{i}@example.edu" if i else user.email, "") for i in range(recipients)], **fields,
        )
        return order_services.place_order(student=user.student, draft=draft, applicant=user, actor=user)

    return make


@pytest.fixture
def officer(make_user):
    return make_user(role=Role.OFFICER, email="officer@registrar.example.edu")


@pytest.fixture
def auditor(make_user):
    return make_user(role=Role.AUDITOR, email="auditor@registrar.example.edu")


def signed(params: dict, conf=None) -> dict:
    conf = conf or ecpay.config()
    return {**params, "CheckMacValue": ecpay.check_mac_value(params, conf.hash_key, conf.hash_iv)}


def notification(attempt_fields: dict, trade_no="2511261530001234", amount=None, **changes) -> dict:
    """The notification ECPay sends to ReturnURL for a paid checkout, before signing."""
    params = {
        "MerchantID": attempt_fields["MerchantID"],
        "MerchantTradeNo": attempt_fields["MerchantTradeNo"],
        "StoreID": "",
        "RtnCode": "1",
        "RtnMsg": "交易成功",
        "TradeNo": trade_no,
        "TradeAmt": str(amount if amount is not None else attempt_fields["TotalAmount"]),
        "PaymentDate": "2025/11/26 15:30:45",
        "PaymentType": "Credit_CreditCard",
        "PaymentTypeChargeFee": "3",
        "TradeDate": "2025/11/26 15:29:10",
        "SimulatePaid": "0",
        "CustomField1": attempt_fields.get("CustomField1", ""),
        "CustomField2": "", "CustomField3": "", "CustomField4": "",
    }
    params.update(changes)
    return params


class ApiClient:
    def __init__(self, client):
        self.client = client

    def post(self, path, body=None, *, token=None, language="en"):
        headers = {"HTTP_ACCEPT_LANGUAGE": language}
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return self.client.post(path, data=json.dumps(body if body is not None else {}), content_type="application/json", **headers)

    def get(self, path, *, token=None, language="en"):
        headers = {"HTTP_ACCEPT_LANGUAGE": language}
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return self.client.get(path, **headers)


@pytest.fixture
def api(client):
    return ApiClient(client)


@pytest.fixture
def token_for(db):
    return lambda user: ApiToken.issue(user)
