"""Holds: a hold stops issuance, the applicant is told whom to contact, and releasing the hold
at the desk lets the order go on."""

import datetime

import pytest

from sealpost.desk.tests.helpers import EN, client_for, place
from sealpost.orders.models import Status


@pytest.fixture
def hold(student):
    return student.holds.create(reference="ACC-2026-0042", reason="Unpaid tuition", office="Accounting Office",
                                placed_on=datetime.date(2026, 1, 5))


@pytest.fixture
def blocked(student, applicant, grades, hold, clerk):
    """Paid at the counter while the hold stood: payment recorded, issuance refused."""
    from sealpost.payments import services as payments

    order = place(student, applicant=applicant, name_zh="陳大偉")
    payments.record_payment(order, order.total, "counter", "R-100", clerk)
    order.refresh_from_db()
    assert order.status == Status.PAID
    return order


def test_release_hold_issues_the_paid_order_it_stopped(clerk_client, clerk, blocked, hold, student):
    other = place(student)  # not paid yet: told of the release, nothing more
    response = clerk_client.post(f"/desk/holds/{hold.pk}/release/", {"order": blocked.number}, follow=True, **EN)
    assert response.redirect_chain == [(f"/desk/orders/{blocked.number}/", 302)]
    shown = [str(m) for m in response.context["messages"]]
    assert shown == ["The hold Unpaid tuition has been released.", f"Order {blocked.number} has been issued."]
    hold.refresh_from_db()
    assert hold.released_at is not None
    blocked.refresh_from_db()
    assert blocked.status == Status.ISSUED and blocked.issued_documents.count() == 1
    for order in (blocked, other):
        event = order.events.get(kind="hold_released")
        assert event.actor == clerk and event.details["reference"] == "ACC-2026-0042"
    other.refresh_from_db()
    assert other.status == Status.SUBMITTED
    page = response.content.decode()
    assert "Hold on the student record released" in page and "Release hold" not in page


def test_another_hold_still_blocks(clerk_client, blocked, hold, student):
    student.holds.create(reference="LIB-7", reason="Library books", office="Library", placed_on=datetime.date(2026, 2, 1))
    response = clerk_client.post(f"/desk/holds/{hold.pk}/release/", {"order": blocked.number}, follow=True, **EN)
    shown = [str(m) for m in response.context["messages"]]
    assert shown[0] == "The hold Unpaid tuition has been released."
    assert shown[1].startswith(f"{blocked.number}: ") and "Library books" in shown[1]
    blocked.refresh_from_db()
    assert blocked.status == Status.PAID


def test_releasing_twice_changes_nothing(clerk_client, hold, student):
    order = place(student)
    clerk_client.post(f"/desk/holds/{hold.pk}/release/", {"order": order.number}, follow=True)
    response = clerk_client.post(f"/desk/holds/{hold.pk}/release/", {"order": order.number}, follow=True, **EN)
    assert [str(m) for m in response.context["messages"]] == ["This hold had already been released."]
    assert order.events.filter(kind="hold_released").count() == 1


def test_auditor_cannot_release(auditor_client, hold, student):
    place(student)
    assert auditor_client.post(f"/desk/holds/{hold.pk}/release/").status_code == 403
    hold.refresh_from_db()
    assert hold.released_at is None


def test_release_button_for_clerks_only(clerk_client, auditor_client, hold, student):
    order = place(student)
    assert "Release hold" in clerk_client.get(f"/desk/orders/{order.number}/", **EN).content.decode()
    assert "Release hold" not in auditor_client.get(f"/desk/orders/{order.number}/", **EN).content.decode()


def test_applicant_sees_the_hold_and_whom_to_contact(applicant_client, blocked, hold):
    page = applicant_client.get(f"/orders/{blocked.number}/", **EN).content.decode()
    assert "Your order is on hold: Unpaid tuition. Please contact Accounting Office." in page
    assert "ACC-2026-0042" not in page  # the registrar's reference stays internal
    assert "2026-01-05" not in page


def test_hold_without_office_names_the_registrar(applicant_client, applicant, student):
    student.holds.create(reference="X", reason="Disciplinary review", placed_on=datetime.date(2026, 1, 5))
    order = place(student, applicant=applicant)
    page = applicant_client.get(f"/orders/{order.number}/", **EN).content.decode()
    assert "Your order is on hold: Disciplinary review. Please contact the Registrar's Office." in page


def test_applicant_notice_gone_after_release(applicant_client, clerk, blocked, hold):
    client_for(clerk).post(f"/desk/holds/{hold.pk}/release/")
    page = applicant_client.get(f"/orders/{blocked.number}/", **EN).content.decode()
    assert "on hold" not in page


def test_no_notice_on_an_issued_order(applicant_client, applicant, student, hold):
    order = place(student, applicant=applicant)
    order.status = Status.ISSUED
    order.save()
    assert "on hold" not in applicant_client.get(f"/orders/{order.number}/", **EN).content.decode()


def test_a_failure_to_sign_on_release_is_left_to_the_worker(clerk_client, blocked, hold, student, own_data_dir):
    """Where the web process cannot sign (here the seal's key file is readable by others, so it
    is refused), releasing the hold still works: the clerk is told, and the worker retries."""
    import os

    from sealpost.documents import keys, pki

    seal_key = pki.ensure_demo_pki().seal_key
    keys.reset()
    os.chmod(seal_key, 0o644)
    try:
        response = clerk_client.post(f"/desk/holds/{hold.pk}/release/", {"order": blocked.number}, follow=True, **EN)
    finally:
        os.chmod(seal_key, 0o600)
        keys.reset()
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert shown[0] == "The hold Unpaid tuition has been released."
    assert shown[1] == f"{blocked.number}: Issuing failed; it is tried again automatically"
    blocked.refresh_from_db()
    assert blocked.status == Status.PAID
    assert blocked.events.filter(kind="issue_failed").exists()
    assert not blocked.events.filter(kind="issue_blocked").exists()
