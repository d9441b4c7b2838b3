"""ECPay's server notification, the applicant's checkout and return pages, the demo payment."""

import pytest

from sealpost.documents.models import Document
from sealpost.orders.models import Status
from sealpost.payments import ecpay
from sealpost.payments.models import Method, Payment

from .conftest import NOTIFY, notification, signed


@pytest.fixture
def checkout(ecpay_test_merchant, place, grades):
    order = place()
    return order, ecpay.checkout_fields(order)


@pytest.mark.django_db(transaction=True)
def test_notification_records_one_payment_and_issues(client, checkout, run_worker):
    order, fields = checkout
    response = client.post(NOTIFY, signed(notification(fields)))
    assert response.status_code == 200
    assert response.content == b"1|OK"
    run_worker()  # the worker issues
    order.refresh_from_db()
    assert order.status == Status.DELIVERED  # issued, then e-mailed by the worker
    payment = Payment.objects.get(order=order)
    assert (payment.method, payment.reference, payment.amount) == (Method.ECPAY, "2511261530001234", order.total)
    assert payment.raw["CheckMacValue"]  # the notification as received
    assert payment.received_at.isoformat().startswith("2025-11-26T07:30:45")  # PaymentDate, Taiwan time
    assert order.paid_at == payment.received_at
    assert Document.objects.filter(order=order).count() == 1
    kinds = list(order.events.values_list("kind", flat=True))
    assert kinds[kinds.index("paid") + 1] == "issued"


@pytest.mark.django_db(transaction=True)
def test_the_same_notification_twice_records_one_payment(client, checkout, run_worker):
    order, fields = checkout
    body = signed(notification(fields))
    first = client.post(NOTIFY, body)
    second = client.post(NOTIFY, body)
    run_worker()  # the worker issues
    assert first.content == second.content == b"1|OK"
    assert first.status_code == second.status_code == 200
    assert Payment.objects.filter(order=order).count() == 1
    assert Document.objects.filter(order=order).count() == 1
    assert order.events.filter(kind="paid").count() == 1


def test_forged_notification_is_refused_and_records_nothing(client, checkout):
    order, fields = checkout
    forged = notification(fields)
    forged["CheckMacValue"] = ecpay.check_mac_value(forged, "not-the-key00000", "not-the-iv000000")
    response = client.post(NOTIFY, forged)
    assert response.status_code == 400
    assert response.content == b"0|CheckMacValue error"
    # A genuine MAC with a field changed afterwards is as good as forged.
    tampered = signed(notification(fields))
    tampered["TradeAmt"] = "1"
    assert client.post(NOTIFY, tampered).status_code == 400
    # No MAC at all.
    assert client.post(NOTIFY, notification(fields)).status_code == 400
    order.refresh_from_db()
    assert order.status == Status.SUBMITTED
    assert not Payment.objects.exists()
    assert not order.events.filter(kind="paid").exists()


def test_wrong_amount_is_refused_and_records_nothing(client, checkout):
    order, fields = checkout
    response = client.post(NOTIFY, signed(notification(fields, amount=order.total - 1)))
    assert response.status_code == 400
    assert response.content == b"0|TradeAmt error"
    order.refresh_from_db()
    assert order.status == Status.SUBMITTED
    assert not Payment.objects.exists()


def test_unknown_trade_and_other_merchant_are_refused(client, checkout):
    order, fields = checkout
    assert client.post(NOTIFY, signed(notification({**fields, "MerchantTradeNo": "SPNOSUCHTRADE000000"}))).status_code == 400
    assert client.post(NOTIFY, signed(notification({**fields, "MerchantID": "3002607"}))).status_code == 400
    assert not Payment.objects.exists()


def test_not_configured_refuses(client, place, settings):
    order = place()
    response = client.post(NOTIFY, {"MerchantTradeNo": order.number, "CheckMacValue": "X"})
    assert response.status_code == 400
    assert client.get(NOTIFY).status_code == 405


def test_unpaid_result_is_acknowledged_without_payment(client, checkout):
    order, fields = checkout
    response = client.post(NOTIFY, signed(notification(fields, RtnCode="10300066", RtnMsg="交易付款結果待確認中")))
    assert response.content == b"1|OK"
    assert not Payment.objects.exists()
    assert order.events.filter(kind="ecpay_not_paid").exists()


def test_simulated_payment_counts_only_on_the_test_service(client, checkout, settings):
    order, fields = checkout
    settings.ECPAY_URL = ecpay.PRODUCTION_URL
    assert client.post(NOTIFY, signed(notification(fields, SimulatePaid="1"))).content == b"1|OK"
    assert not Payment.objects.exists()
    settings.ECPAY_URL = ecpay.STAGE_URL
    assert client.post(NOTIFY, signed(notification(fields, SimulatePaid="1"))).content == b"1|OK"
    assert Payment.objects.count() == 1


def test_payment_for_a_cancelled_order_is_noted_for_a_refund(client, checkout):
    from sealpost.orders.services import cancel_order

    order, fields = checkout
    cancel_order(order, None)
    response = client.post(NOTIFY, signed(notification(fields)))
    assert response.content == b"1|OK"
    assert not Payment.objects.exists()
    event = order.events.get(kind="payment_refused")
    assert event.details["reference"] == "2511261530001234"


# --- the applicant's pages ---------------------------------------------------------------------


def test_checkout_page_posts_the_fields_to_ecpay(applicant_client, ecpay_test_merchant, place):
    order = place()
    response = applicant_client.get(f"/payments/checkout/{order.number}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'action="{ecpay.STAGE_URL}"' in page
    assert 'name="CheckMacValue"' in page and 'name="MerchantTradeNo"' in page
    assert "payments/checkout.js" in page and 'id="ecpay-submit"' in page  # script, and a button without it
    assert response["Cache-Control"].startswith("max-age=0")


def test_checkout_page_only_for_the_own_order(client, make_user, make_student, ecpay_test_merchant, place):
    order = place()
    other = make_user(student=make_student())
    client.force_login(other)
    assert client.get(f"/payments/checkout/{order.number}/").status_code == 404
    client.logout()
    assert client.get(f"/payments/checkout/{order.number}/").status_code == 302  # to sign in


def test_checkout_page_is_404_without_ecpay(applicant_client, place):
    order = place()
    assert applicant_client.get(f"/payments/checkout/{order.number}/").status_code == 404


def test_return_page(client, applicant, checkout):
    order, fields = checkout
    # ECPay's browser POST carries no session cookie: it becomes a GET of the same page.
    response = client.post(f"/payments/ecpay/return/{order.number}/", {"RtnCode": "1"})
    assert response.status_code == 302 and response["Location"] == f"/payments/ecpay/return/{order.number}/"
    client.force_login(applicant)
    page = client.get(f"/payments/ecpay/return/{order.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "has not confirmed a payment" in page
    client.post(NOTIFY, signed(notification(fields)))
    page = client.get(f"/payments/ecpay/return/{order.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "your payment has been received" in page


def test_order_page_offers_online_payment(applicant_client, ecpay_test_merchant, place):
    order = place()
    page = applicant_client.get(f"/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="pay-online"' in page and f"/payments/checkout/{order.number}/" in page
    assert 'id="pay-demo"' not in page


# --- the demonstration payment -----------------------------------------------------------------


def test_demo_payment_refused_when_not_demo(applicant_client, place, settings):
    settings.DEMO = False
    order = place()
    assert applicant_client.post(f"/payments/demo/{order.number}/").status_code == 404
    page = applicant_client.get(f"/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="pay-demo"' not in page
    assert not Payment.objects.exists()


def test_demo_payment_refused_when_ecpay_is_configured(applicant_client, place, settings, ecpay_test_merchant):
    settings.DEMO = True
    order = place()
    assert applicant_client.post(f"/payments/demo/{order.number}/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_demo_payment_on_a_demo_system(applicant_client, place, settings, grades, run_worker):
    settings.DEMO = True
    order = place()
    page = applicant_client.get(f"/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="pay-demo"' in page and "DEMO" in page
    response = applicant_client.post(f"/payments/demo/{order.number}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    payment = Payment.objects.get(order=order)
    assert payment.method == Method.DEMO and payment.is_demo
    run_worker()  # the worker issues
    order.refresh_from_db()
    assert order.status == Status.DELIVERED  # issued, then e-mailed by the worker
    applicant_client.post(f"/payments/demo/{order.number}/")
    assert Payment.objects.count() == 1
    page = applicant_client.get(f"/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "DEMO" in page  # the payment is shown as a demonstration payment


def test_demo_payment_only_for_the_own_order(client, make_user, make_student, place, settings):
    settings.DEMO = True
    order = place()
    client.force_login(make_user(student=make_student()))
    assert client.post(f"/payments/demo/{order.number}/").status_code == 404
