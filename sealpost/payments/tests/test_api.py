"""POST /api/v1/orders/{number}/payments (staff) and /ecpay (the applicant or staff)."""

import pytest

from sealpost.orders.models import Status
from sealpost.payments import ecpay
from sealpost.payments.models import Payment


def url(order, tail="payments"):
    return f"/api/v1/orders/{order.number}/{tail}"


@pytest.mark.django_db(transaction=True)
def test_staff_record_a_payment(api, token_for, clerk, place, grades, run_worker):
    order = place()
    token = token_for(clerk)
    body = {"amount": order.total, "method": "counter", "reference": "R-114-7"}
    response = api.post(url(order), body, token=token)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["order"] == order.number and data["method"] == "counter" and data["amount"] == order.total
    assert data["demo"] is False
    run_worker()  # the worker issues
    order.refresh_from_db()
    assert order.status == Status.DELIVERED  # issued, then e-mailed by the worker
    # The same reference again: the payment already recorded, 200.
    again = api.post(url(order), body, token=token)
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert Payment.objects.count() == 1
    read = api.get(url(order), token=token).json()
    assert read["paid"] == order.total and len(read["payments"]) == 1


def test_wrong_amount_names_amount(api, token_for, clerk, place):
    order = place()
    response = api.post(url(order), {"amount": 1, "method": "cash", "reference": "C-1"}, token=token_for(clerk))
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["amount"]
    assert not Payment.objects.exists()


def test_method_must_be_one_recorded_by_hand(api, token_for, clerk, place):
    order = place()
    for method in ("ecpay", "demo", "barter"):
        response = api.post(url(order), {"amount": order.total, "method": method, "reference": "X"}, token=token_for(clerk))
        assert response.status_code == 422 and "method" in response.json()["errors"]


def test_paid_order_answers_409(api, token_for, clerk, place):
    order = place()
    token = token_for(clerk)
    api.post(url(order), {"amount": order.total, "method": "cash", "reference": "C-2"}, token=token)
    response = api.post(url(order), {"amount": order.total, "method": "cash", "reference": "C-3"}, token=token)
    assert response.status_code == 409


def test_payments_are_recorded_by_staff_only(api, token_for, applicant, auditor, make_user, make_student, place):
    order = place()
    body = {"amount": order.total, "method": "counter", "reference": "R-1"}
    assert api.post(url(order), body, token=token_for(applicant)).status_code == 403  # own order
    assert api.post(url(order), body, token=token_for(auditor)).status_code == 403
    stranger = make_user(student=make_student())
    assert api.post(url(order), body, token=token_for(stranger)).status_code == 404
    assert api.get(url(order), token=token_for(stranger)).status_code == 404
    assert api.post(url(order), body).status_code == 401
    assert not Payment.objects.exists()
    assert api.get(url(order), token=token_for(applicant)).status_code == 200


def test_ecpay_checkout_for_the_applicant(api, token_for, applicant, clerk, make_user, make_student, place, ecpay_test_merchant):
    order = place()
    response = api.post(url(order, "ecpay"), token=token_for(applicant))
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["action"] == ecpay.STAGE_URL and data["method"] == "POST"
    fields = data["fields"]
    assert fields["MerchantTradeNo"] == data["merchant_trade_no"]
    assert fields["TotalAmount"] == str(order.total)
    assert ecpay.verify(fields, "5294y06JbISpM5x9", "v77hoKGq4kWxNNIS")
    assert api.post(url(order, "ecpay"), token=token_for(clerk)).status_code == 200
    stranger = make_user(student=make_student())
    assert api.post(url(order, "ecpay"), token=token_for(stranger)).status_code == 404


def test_ecpay_checkout_when_not_configured_or_paid(api, token_for, applicant, clerk, place):
    order = place()
    assert api.post(url(order, "ecpay"), token=token_for(applicant)).status_code == 409


def test_openapi_lists_the_payment_operations(api):
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/orders/{number}/payments" in paths and "/api/v1/orders/{number}/ecpay" in paths
