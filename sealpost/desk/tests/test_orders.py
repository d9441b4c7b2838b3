import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sealpost.accounts.models import Role
from sealpost.desk.tests.test_scans import pdf
from sealpost.orders import services
from sealpost.orders.models import Channel, Order
from sealpost.portal.tests.helpers import order_post


def place(student, applicant=None, **fields):
    draft = services.Draft(
        applicant_type=fields.pop("applicant_type", "alumnus"), documents=[("transcript", "en")],
        name_en="CHEN, TA-WEI", phone="0912345678", email="a@example.com",
        recipients=fields.pop("recipients", [("a@example.com", "")]), **fields,
    )
    return services.place_order(student=student, draft=draft, applicant=applicant)


@pytest.fixture
def orders(student, make_student):
    current = make_student(status="current")
    return {
        "wes": place(student, remarks="WES Reference No. 1234567"),
        "plain": place(current, applicant_type="current"),
        "conflict": place(student, remarks="WES ref 1111111", recipients=[("a@example.com", "WES ref 2222222")]),
    }


def numbers(response):
    return {o.number for o in response.context["page"].object_list}


def test_list_shows_orders_and_filters(clerk_client, orders):
    assert numbers(clerk_client.get("/desk/")) == {o.number for o in orders.values()}
    assert numbers(clerk_client.get("/desk/?wes=yes")) == {orders["wes"].number, orders["conflict"].number}
    assert numbers(clerk_client.get("/desk/?wes=no")) == {orders["plain"].number}
    assert numbers(clerk_client.get("/desk/?wes=conflict")) == {orders["conflict"].number}
    assert numbers(clerk_client.get("/desk/?applicant_type=current")) == {orders["plain"].number}
    assert numbers(clerk_client.get("/desk/?status=cancelled")) == set()
    assert numbers(clerk_client.get(f"/desk/?q={orders['plain'].student.student_number}")) == {orders["plain"].number}


def test_detail_shows_conflict_to_staff(clerk_client, orders):
    page = clerk_client.get(f"/desk/orders/{orders['conflict'].number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "different WES reference numbers: 1111111, 2222222" in page


def test_detail_shows_holds(clerk_client, orders):
    import datetime

    orders["wes"].student.holds.create(reference="H1", reason="Unpaid tuition", office="Accounting", placed_on=datetime.date(2026, 1, 1))
    page = clerk_client.get(f"/desk/orders/{orders['wes'].number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Unpaid tuition" in page


def test_clerk_keys_in_form_2073_with_scan(clerk_client, clerk, student):
    scan = SimpleUploadedFile("陳大偉 passport.pdf", pdf(), content_type="application/pdf")
    data = order_post(student_number=student.student_number.lower(), language="en", scanned_form=scan,
                      recipients=[("a@example.com", ""), ("b@example.com", ""), ("c@example.com", "")])
    response = clerk_client.post("/desk/orders/new/", data)
    order = Order.objects.get()
    assert response.url == f"/desk/orders/{order.number}/"
    assert order.channel == Channel.FORM_2073 and order.created_by == clerk and order.total == 120
    assert order.scanned_form.name.endswith(f"{order.number}.pdf")  # no personal data in the file name
    download = clerk_client.get(f"/desk/orders/{order.number}/scan")
    assert b"".join(download.streaming_content) == pdf()


def test_key_in_rejects_unknown_student_and_non_pdf_scan(clerk_client):
    scan = SimpleUploadedFile("x.pdf", b"MZ\x90 not a pdf")
    data = order_post(student_number="NOPE", language="en", scanned_form=scan)
    page = clerk_client.post("/desk/orders/new/", data, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Student number: No student record has this student number." in page
    assert "Scanned form 2-07-3: The scanned form must be a PDF, PNG or JPEG file." in page
    assert "CHEN, TA-WEI" in page  # what was typed is kept
    assert not Order.objects.exists()


def test_desk_form_pdf(clerk_client, orders):
    response = clerk_client.get(f"/desk/orders/{orders['wes'].number}/form-2-07-3.pdf")
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize("path", ["/desk/", "/desk/orders/{n}/", "/desk/orders/new/", "/desk/orders/{n}/form-2-07-3.pdf"])
def test_applicants_never_reach_the_desk(applicant_client, orders, path):
    assert applicant_client.get(path.format(n=orders["wes"].number)).status_code == 403


def test_anonymous_sent_to_sign_in(client):
    response = client.get("/desk/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_auditor_reads_but_cannot_key_in(client, make_user, orders):
    client.force_login(make_user(role=Role.AUDITOR))
    assert client.get("/desk/").status_code == 200
    assert client.get("/desk/orders/new/").status_code == 403


def test_adding_a_recipient_without_javascript_keeps_the_keyed_in_form(clerk_client, student):
    data = order_post(action="add_recipient", student_number=student.student_number, language="en")
    page = clerk_client.post("/desk/orders/new/", data).content.decode()
    assert f'value="{student.student_number}"' in page
    assert 'name="recipients-1-email"' in page
    assert '<option value="en" selected>' in page
    assert not Order.objects.exists()
