import pytest

from sealpost.orders import services
from sealpost.orders.models import Status


@pytest.fixture
def order(applicant):
    draft = services.Draft(
        applicant_type="alumnus", documents=[("transcript", "en")], name_en="CHEN, TA-WEI", phone="0912345678",
        email=applicant.email, recipients=[(applicant.email, "WES Reference No. 1234567"), ("b@example.com", "")],
    )
    return services.place_order(student=applicant.student, draft=draft, applicant=applicant, actor=applicant)


@pytest.fixture
def other_client(client, make_student, make_user):
    client.force_login(make_user(student=make_student()))
    return client


def test_order_page_shows_status_fee_recipients_wes_history(applicant_client, order):
    page = applicant_client.get(f"/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for text in [order.number, "Submitted", "NT$50", "b@example.com", "1234567", "Order submitted"]:
        assert text in page


def test_cancel_before_payment(applicant_client, order):
    applicant_client.post(f"/orders/{order.number}/cancel/")
    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert order.events.last().kind == "cancelled"


def test_cannot_cancel_after_payment(applicant_client, order):
    order.status = Status.PAID
    order.save()
    response = applicant_client.post(f"/orders/{order.number}/cancel/", HTTP_ACCEPT_LANGUAGE="en", follow=True)
    order.refresh_from_db()
    assert order.status == Status.PAID
    assert "can no longer be cancelled" in response.content.decode()


def test_correct_recipient_address(applicant_client, order):
    applicant_client.post(f"/orders/{order.number}/recipients/2/", {"email": "new@example.com"})
    assert order.recipients.get(position=2).email == "new@example.com"
    assert order.events.filter(kind="recipient_corrected").exists()


def test_correct_recipient_rejects_bad_address(applicant_client, order):
    response = applicant_client.post(f"/orders/{order.number}/recipients/2/", {"email": "nope"}, follow=True,
                                     HTTP_ACCEPT_LANGUAGE="en")
    assert "Recipient 2: enter a valid e-mail address." in response.content.decode()
    assert order.recipients.get(position=2).email == "b@example.com"


def test_form_2073_pdf(applicant_client, order):
    response = applicant_client.get(f"/orders/{order.number}/form-2-07-3.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize("method, path", [
    ("get", "/orders/{n}/"), ("post", "/orders/{n}/cancel/"), ("post", "/orders/{n}/recipients/1/"),
    ("get", "/orders/{n}/form-2-07-3.pdf"), ("get", "/orders/{n_lower}/"),
])
def test_another_applicant_never_reaches_the_order(other_client, order, method, path):
    url = path.format(n=order.number, n_lower=order.number.lower())
    response = getattr(other_client, method)(url, {"email": "evil@example.com"} if method == "post" else None)
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == Status.SUBMITTED
    assert order.recipients.get(position=1).email != "evil@example.com"


def test_another_applicants_list_does_not_show_it(other_client, order):
    assert order.number not in other_client.get("/orders/").content.decode()


def test_order_page_shows_when_the_payment_notice_is_expected(applicant_client, order):
    page = applicant_client.get(f"/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Payment notice · expected by" in page
    assert order.next_deadline.isoformat() in page
