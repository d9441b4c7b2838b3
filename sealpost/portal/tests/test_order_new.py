from sealpost.orders.models import Order, Status

from .helpers import order_post

URL = "/orders/new/"


def test_form_prefills_recipient_one_with_own_address(applicant_client, applicant):
    page = applicant_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'name="recipients-0-email" value="{applicant.email}"' in page
    assert "CHEN, TA-WEI" in page  # the English name on record is offered


def test_degree_certificate_unavailable_to_current_student(client, make_student, make_user):
    student = make_student(status="current")
    client.force_login(make_user(student=student))
    page = client.get(URL).content.decode()
    assert 'value="degree_certificate:en" id="id_documents_3" disabled' in page
    assert 'value="enrollment_certificate:en" id="id_documents_5">' in page
    response = client.post(URL, order_post(applicant_type="current"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "A degree certificate can be issued only to graduates." in response.content.decode()


def test_add_recipient_without_javascript_keeps_everything_typed(applicant_client):
    data = order_post(action="add_recipient", phone="0912-000-111", remarks="please hurry",
                      recipients=[("me@example.com", "WES Reference No. 7654321")])
    page = applicant_client.post(URL, data).content.decode()
    assert 'name="recipients-3-email"' not in page
    assert 'name="recipients-1-email"' in page  # a second, empty row
    assert "0912-000-111" in page and "please hurry" in page and "WES Reference No. 7654321" in page
    assert 'value="recipients-0' not in page
    assert "errorlist" not in page  # adding a row is not a submission


def test_remove_recipient_without_javascript(applicant_client):
    data = order_post(action="remove_recipient-0", recipients=[("a@example.com", "A"), ("b@example.com", "B")])
    page = applicant_client.post(URL, data).content.decode()
    assert "a@example.com" not in page and "b@example.com" in page
    assert 'name="recipients-1-email"' not in page


def test_cannot_add_an_eleventh_recipient(applicant_client):
    rows = [(f"r{i}@example.com", "") for i in range(10)]
    page = applicant_client.post(URL, order_post(action="add_recipient", recipients=rows)).content.decode()
    assert 'name="recipients-10-email"' not in page
    assert 'id="add-recipient"' not in page


def test_fee_shown_while_filling_in(applicant_client):
    rows = [(f"r{i}@example.com", "") for i in range(4)]
    page = applicant_client.post(URL, order_post(action="add_recipient", recipients=rows), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # two documents at NT$50 and recipients 3, 4, 5 at NT$20
    assert "NT$160" in page


def test_errors_name_the_field_and_keep_input(applicant_client):
    data = order_post(name_en="陳大偉", phone="abc", recipients=[("not-an-email", "hello")])
    response = applicant_client.post(URL, data, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200
    assert "English name: The English name may contain only Latin letters" in page
    assert "Contact phone: Enter a phone number" in page
    assert "Recipient 1, e-mail: Enter a valid email address." in page
    assert 'value="not-an-email"' in page and "hello" in page
    assert not Order.objects.exists()


def test_duplicate_recipient_rejected(applicant_client):
    data = order_post(recipients=[("a@example.com", ""), ("A@example.com", "")])
    page = applicant_client.post(URL, data, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "already a recipient" in page


def test_review_then_submit_places_the_order(applicant_client, applicant):
    rows = [("ta-wei.chen@example.com", "WES Reference No. 1234567"), ("b@example.com", ""),
            ("c@example.com", "ASUID 1234"), ("d@example.com", "")]
    response = applicant_client.post(URL, order_post(recipients=rows), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response.url == "/orders/new/confirm/"
    confirm = applicant_client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1234567" in confirm and "NT$140" in confirm
    assert not Order.objects.exists()  # nothing placed before the applicant commits
    response = applicant_client.post("/orders/new/confirm/", {"action": "submit"})
    order = Order.objects.get()
    assert response.url == f"/orders/{order.number}/"
    assert order.applicant == applicant and order.status == Status.SUBMITTED
    assert order.total == 140 and order.wes_reference == "1234567"
    assert [r.email for r in order.recipients.all()] == [r[0] for r in rows]
    assert list(order.fee_lines.values_list("code", "amount")) == [
        ("transcript", 50), ("degree_certificate", 50), ("extra_recipient", 40)]


def test_go_back_from_confirmation_keeps_everything(applicant_client):
    applicant_client.post(URL, order_post(remarks="keep me", recipients=[("x@example.com", "msg x")]))
    response = applicant_client.post("/orders/new/confirm/", {"action": "edit"})
    page = applicant_client.get(response.url).content.decode()
    assert "keep me" in page and "x@example.com" in page and "msg x" in page


def test_conflicting_wes_numbers_warned_before_submitting(applicant_client):
    data = order_post(remarks="WES ref# 7654321IMM", recipients=[("me@example.com", "WES Reference No.1234567")])
    applicant_client.post(URL, data)
    page = applicant_client.get("/orders/new/confirm/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="wes-warning"' in page and "7654321IMM" in page and "1234567" in page
    applicant_client.post("/orders/new/confirm/", {"action": "submit"})
    assert Order.objects.get().wes_conflict == ["7654321IMM", "1234567"]


def test_name_with_characters_no_font_draws_is_warned_and_flagged(applicant_client):
    # U+E000.. private use and U+31350 (CJK Ext. H) are drawn by none of the document fonts
    data = order_post(name_zh="陳\U000313a0偉")
    applicant_client.post(URL, data)
    page = applicant_client.get("/orders/new/confirm/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="font-warning"' in page
    applicant_client.post("/orders/new/confirm/", {"action": "submit"})
    assert Order.objects.get().unsupported_characters == "\U000313a0"


def test_rare_extension_b_name_is_fine(applicant_client):
    applicant_client.post(URL, order_post(name_zh="林\U00021484\U0002a736"))
    page = applicant_client.get("/orders/new/confirm/").content.decode()
    assert 'id="font-warning"' not in page


def test_without_linked_record_applicant_is_sent_to_link(client, make_user):
    client.force_login(make_user())
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith("/accounts/link/")


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response.url
