"""The payment notice, payments recorded by a clerk, approval, holds, refunds and cancelling."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from sealpost.documents.models import Document
from sealpost.orders.models import Status
from sealpost.issuance import services as issuance
from sealpost.payments import services, virtual_accounts
from sealpost.payments.models import Approval, Method, Payment, Refund

# --- the payment notice --------------------------------------------------------------------------


def test_payment_notice_email_in_both_languages(place, clerk, settings):
    order = place(recipients=3)  # NT$50 + one extra recipient NT$20
    assert services.send_payment_notice(order, clerk) is True
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [order.email]
    assert message.reply_to == [settings.REGISTRAR_EMAIL]
    notice = order.payment_notice
    body = message.body
    assert "NT$70" in body
    assert notice.virtual_account_display in body
    assert virtual_accounts.is_valid(notice.virtual_account)
    assert notice.due_date.isoformat() in body
    # Both languages: the institution's names, and the fee lines in each (catalog labels).
    assert settings.INSTITUTION_NAME_EN in body and settings.INSTITUTION_NAME_ZH in body
    assert settings.INSTITUTION_NAME_EN in message.subject and settings.INSTITUTION_NAME_ZH in message.subject
    assert "Dear CHEN, TA-WEI" in body and "陳大偉" in body
    # English first for an order placed in English; the online link only where ECPay is set up.
    assert body.index(settings.INSTITUTION_NAME_EN) < body.index(settings.INSTITUTION_NAME_ZH)
    assert "/payments/checkout/" not in body
    assert f"/orders/{order.number}/" in body
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT
    assert order.payment_notice_sent_at is not None
    event = order.events.get(kind="payment_notice_sent")
    assert event.to_status == Status.AWAITING_PAYMENT and event.actor == clerk
    assert event.details["virtual_account"] == notice.virtual_account


def test_payment_notice_names_online_payment_when_available(place, clerk, ecpay_test_merchant):
    order = place(language="zh-hant")
    services.send_payment_notice(order, clerk)
    body = mail.outbox[0].body
    assert f"/payments/checkout/{order.number}/" in body
    assert body.index("國立示範大學") < body.index("National Demonstration University")  # Chinese first


def test_payment_notice_is_sent_once(place, clerk):
    order = place()
    assert services.send_payment_notice(order, clerk) is True
    assert services.send_payment_notice(order, clerk) is False
    assert len(mail.outbox) == 1
    assert order.events.filter(kind="payment_notice_sent").count() == 1


def test_due_date_counts_business_days(place, clerk, settings):
    from sealpost.workdays.services import add_business_days

    settings.PAYMENT_DUE_DAYS = 3
    order = place()
    now = timezone.make_aware(datetime.datetime(2025, 11, 26, 10, 0))  # a Wednesday
    services.send_payment_notice(order, clerk, now=now)
    assert order.payment_notice.due_date == add_business_days(datetime.date(2025, 11, 26), 3) == datetime.date(2025, 12, 1)


def test_bulk_notices_are_idempotent(place, clerk, make_user, make_student):
    orders = [place(), place()]
    counts = services.send_payment_notices(orders, clerk)
    assert (counts.sent, counts.already_sent, counts.not_applicable) == (2, 0, [])
    paid = place(documents=(("transcript", "zh"),))
    services.record_payment(paid, paid.total, Method.COUNTER, "R-1", clerk)
    counts = services.send_payment_notices(orders + [paid], clerk)
    assert (counts.sent, counts.already_sent, counts.not_applicable) == (0, 2, [paid.number])
    assert counts.as_dict() == {"sent": 0, "already_sent": 2, "not_applicable": 1}
    assert len(mail.outbox) == 2


def test_virtual_accounts_are_unique_and_checked(place):
    first, second = place(), place()
    a, b = services.notice_for(first).virtual_account, services.notice_for(second).virtual_account
    assert a != b and len(a) == len(b) == 14
    assert services.notice_for(first).virtual_account == a  # the same order, the same number
    assert virtual_accounts.is_valid(a)
    wrong = a[:-1] + str((int(a[-1]) + 1) % 10)
    assert not virtual_accounts.is_valid(wrong)
    assert virtual_accounts.luhn_digit("7992739871") == "3"  # the textbook Luhn example


# --- recording a payment ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_counter_payment_by_a_clerk(clerk_client, clerk, place, grades, run_worker):
    order = place()
    services.send_payment_notice(order, clerk)
    page = clerk_client.get(f"/payments/desk/{order.number}/record/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and 'value="50"' in page.content.decode()
    response = clerk_client.post(f"/payments/desk/{order.number}/record/", {
        "method": "counter", "amount": "50", "reference": "R-114-000123", "received_on": timezone.localdate().isoformat()})
    assert response.status_code == 302 and response["Location"] == f"/desk/orders/{order.number}/"
    payment = Payment.objects.get(order=order)
    assert (payment.method, payment.reference, payment.recorded_by) == (Method.COUNTER, "R-114-000123", clerk)
    order.refresh_from_db()
    assert order.status == Status.PAID  # the worker issues
    run_worker()
    order.refresh_from_db()
    assert order.status == Status.DELIVERED  # issued, then e-mailed by the worker
    assert order.events.get(kind="paid").actor == clerk
    # The same receipt again records nothing.
    clerk_client.post(f"/payments/desk/{order.number}/record/", {"method": "counter", "amount": "50", "reference": "R-114-000123"})
    assert Payment.objects.count() == 1


def test_counter_payment_with_a_wrong_amount_is_refused(clerk_client, place):
    order = place()
    response = clerk_client.post(f"/payments/desk/{order.number}/record/", {
        "method": "cash", "amount": "40", "reference": "R-2"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "does not match the fee" in response.content.decode()
    assert not Payment.objects.exists()
    order.refresh_from_db()
    assert order.status == Status.SUBMITTED


def test_payment_pages_are_for_clerks_and_officers(client, make_user, auditor, applicant, place):
    order = place()
    for user in (auditor, applicant):
        client.force_login(user)
        assert client.get(f"/payments/desk/{order.number}/record/").status_code == 403
        assert client.post(f"/payments/desk/{order.number}/notice/").status_code == 403


def test_record_payment_rules(place, clerk):
    order = place()
    with pytest.raises(services.AmountMismatch):
        services.record_payment(order, order.total + 1, Method.POSTAL, "P-1", clerk)
    with pytest.raises(services.PaymentError):
        services.record_payment(order, order.total, Method.POSTAL, "  ", clerk)
    with pytest.raises(services.PaymentError):
        services.record_payment(order, order.total, "barter", "P-1", clerk)
    assert not Payment.objects.exists()
    first = services.record_payment(order, order.total, Method.POSTAL, "P-1", clerk)
    again = services.record_payment(order, order.total, Method.POSTAL, "P-1", clerk)
    assert first.created and not again.created and first.pk == again.pk
    other = place(documents=(("transcript", "zh"),))
    with pytest.raises(services.ReferenceConflict):
        services.record_payment(other, other.total, Method.POSTAL, "P-1", clerk)
    with pytest.raises(services.NotPayable):  # already paid
        services.record_payment(order, order.total, Method.CASH, "C-9", clerk)


def test_self_service_payment_needs_no_notice(place, clerk):
    order = place()
    assert order.status == Status.SUBMITTED
    services.record_payment(order, order.total, Method.COUNTER, "R-3", clerk)
    order.refresh_from_db()
    assert order.status in {Status.PAID, Status.ISSUED}
    assert order.events.get(kind="paid").from_status == Status.SUBMITTED


# --- approval and holds ------------------------------------------------------------------------


def test_approval_required_keeps_the_order_until_an_officer_approves(place, clerk, officer, settings, grades):
    settings.APPROVAL_REQUIRED_FOR = {"transcript"}
    order = place()
    services.record_payment(order, order.total, Method.COUNTER, "R-4", clerk)
    order.refresh_from_db()
    assert order.status == Status.PAID
    assert services.needs_approval(order)
    assert list(services.awaiting_approval()) == [order]
    assert order.events.filter(kind="awaiting_approval").exists()
    assert not Document.objects.filter(order=order).exists()
    with pytest.raises(services.PaymentError):
        issuance.approve(order, clerk)  # clerks do not approve
    issuance.approve(order, officer)
    order.refresh_from_db()
    assert order.status == Status.ISSUED
    assert Document.objects.filter(order=order).count() == 1
    assert order.approval.approved_by == officer
    assert order.events.get(kind="approved").actor == officer


@pytest.mark.django_db(transaction=True)
def test_approval_not_required_for_other_documents(place, clerk, settings, grades, run_worker):
    settings.APPROVAL_REQUIRED_FOR = {"degree_certificate"}
    order = place()
    services.record_payment(order, order.total, Method.COUNTER, "R-5", clerk)
    run_worker()  # the worker issues
    order.refresh_from_db()
    assert order.status == Status.DELIVERED  # issued, then e-mailed by the worker
    assert not Approval.objects.exists()


def test_approve_view_is_for_officers(client, clerk, officer, place, settings, grades):
    settings.APPROVAL_REQUIRED_FOR = {"transcript"}
    order = place()
    services.record_payment(order, order.total, Method.COUNTER, "R-6", clerk)
    client.force_login(clerk)
    assert client.post(f"/payments/desk/{order.number}/approve/").status_code == 403
    client.force_login(officer)
    assert client.post(f"/payments/desk/{order.number}/approve/").status_code == 302
    order.refresh_from_db()
    assert order.status == Status.ISSUED


@pytest.mark.django_db(transaction=True)
def test_hold_records_the_payment_and_blocks_issuance(place, clerk, student, grades, run_worker):
    student.holds.create(reference="LIB-1", reason="Library books not returned", placed_on=datetime.date(2025, 1, 1))
    order = place()
    payment = services.record_payment(order, order.total, Method.COUNTER, "R-7", clerk)
    assert payment.created
    run_worker()  # the worker issues
    order.refresh_from_db()
    assert order.status == Status.PAID
    event = order.events.get(kind="issue_blocked")
    assert "Library books not returned" in event.details["reason"]
    assert not Document.objects.filter(order=order).exists()
    assert services.payment_summary(order)["issue_blocked"]


# --- refunds and cancelling --------------------------------------------------------------------


def test_cancelling_a_paid_order_before_issuance_refunds_it(place, clerk, settings):
    settings.APPROVAL_REQUIRED_FOR = {"transcript"}  # keeps it paid, not issued
    order = place()
    services.record_payment(order, order.total, Method.COUNTER, "R-8", clerk)
    services.cancel(order, clerk, "The applicant no longer needs it")
    order.refresh_from_db()
    assert order.status == Status.REFUNDED
    refund = Refund.objects.get(order=order)
    assert (refund.amount, refund.reason, refund.by) == (order.total, "The applicant no longer needs it", clerk)
    event = order.events.get(kind="refunded")
    assert (event.from_status, event.to_status) == (Status.PAID, Status.REFUNDED)
    assert not services.needs_approval(order)
    with pytest.raises(services.PaymentError):  # nothing left to refund
        services.refund(order, 1, "again", clerk)


def test_cancel_view(clerk_client, clerk, place, settings):
    settings.APPROVAL_REQUIRED_FOR = {"transcript"}
    order = place()
    services.record_payment(order, order.total, Method.CASH, "C-1", clerk)
    response = clerk_client.post(f"/payments/desk/{order.number}/cancel/", {"reason": "Duplicate order"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.REFUNDED


def test_cancel_before_payment_is_a_plain_cancel(place, clerk):
    order = place()
    services.cancel(order, clerk, "typo")
    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert not Refund.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_issued_orders_are_not_cancelled(place, clerk, grades, run_worker):
    order = place()
    services.record_payment(order, order.total, Method.COUNTER, "R-9", clerk)
    run_worker()  # the worker issues
    order.refresh_from_db()
    assert order.status == Status.DELIVERED  # issued, then e-mailed by the worker
    with pytest.raises(services.PaymentError):
        services.cancel(order, clerk, "too late")


@pytest.mark.django_db(transaction=True)
def test_refund_needs_a_reason_and_a_possible_amount(place, clerk, grades, run_worker):
    order = place(recipients=3)
    services.record_payment(order, order.total, Method.COUNTER, "R-10", clerk)
    run_worker()  # the worker issues
    with pytest.raises(services.PaymentError):
        services.refund(order, 20, "  ", clerk)
    with pytest.raises(services.PaymentError):
        services.refund(order, order.total + 1, "too much", clerk)
    services.refund(order, 20, "Recipient 3 withdrawn", clerk)  # partial, after issuance
    order.refresh_from_db()
    assert order.status == Status.DELIVERED  # issued, then e-mailed by the worker
    assert services.refundable(order) == order.total - 20
    assert order.events.filter(kind="refund_recorded").exists()


def test_desk_panel_renders(clerk_client, clerk, place):
    from django.template import Context, Template
    from django.test import RequestFactory

    order = place()
    request = RequestFactory().get("/")
    request.user = clerk
    html = Template("{% load payments %}{% desk_payment_panel order %}").render(Context({"order": order, "user": clerk, "request": request}))
    assert 'id="send-notice"' in html and 'id="record-payment"' in html
