"""Correcting a recipient's address after the documents went out: the old link stops working, the
new address gets one e-mail with a new link, the history and the applicant are told."""

import pytest
from django.utils import timezone

from sealpost.delivery import services
from sealpost.delivery.models import Delivery, WESSubmission
from sealpost.delivery.tests.test_email import deliver, issued_order, link_in, smtp  # noqa: F401 - fixtures
from sealpost.orders.models import Order, Status

OLD = "admissions2@school2.example.org"
NEW = "graduate.office@school2.example.org"


def links_to(smtp, address):  # noqa: F811
    return [link_in(message) for rcpts, message in smtp.mailbox.messages if rcpts == [address]]


def pdf(path, order):
    return f"{path}{order.issued_documents.get(language='en').verification_code}.pdf"


def correct(client, order, capture, email=NEW, position=2, language="en"):
    """The applicant corrects the address on the order page; answers the page shown after it.
    The e-mail task runs when the correction commits (the immediate backend)."""
    with capture(execute=True):
        return client.post(f"/orders/{order.number}/recipients/{position}/", {"email": email}, follow=True,
                           HTTP_ACCEPT_LANGUAGE=language).content.decode()


@pytest.mark.parametrize("everyone_sent", [True, False], ids=["delivered", "issued"])
def test_after_delivery_the_old_link_stops_and_the_new_address_gets_one_working_link(
        everyone_sent, smtp, issued_order, applicant_client, clerk, client, django_capture_on_commit_callbacks):  # noqa: F811
    if everyone_sent:
        deliver(issued_order, django_capture_on_commit_callbacks)
    else:  # recipients 1 and 2 have theirs, 3 and 4 not yet: the order is still "issued"
        with django_capture_on_commit_callbacks(execute=False):
            services.schedule_delivery(issued_order)
        for delivery in Delivery.objects.filter(recipient__position__in=[1, 2]):
            assert services.send_delivery(delivery.pk) == "sent"
    issued_order.refresh_from_db()
    assert issued_order.status == (Status.DELIVERED if everyone_sent else Status.ISSUED)
    sent_before = len(smtp.mailbox.messages)
    [old_link] = links_to(smtp, OLD)
    [first_link] = links_to(smtp, "admissions1@school1.example.org")  # recipient 1: the WES reference's

    page = correct(applicant_client, issued_order, django_capture_on_commit_callbacks)

    for url in (old_link, pdf(old_link, issued_order)):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 410
        body = response.content.decode()
        assert "This link no longer works" in body and "%PDF" not in body
    assert links_to(smtp, OLD) == [old_link]  # nothing more to the old address
    [new_link] = links_to(smtp, NEW)
    assert new_link != old_link
    assert client.get(new_link).status_code == 200
    response = client.get(pdf(new_link, issued_order))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert len(smtp.mailbox.messages) == sent_before + 1
    assert client.get(first_link).status_code == 200  # the other recipients' links are untouched
    assert (f"Recipient 2: the link sent to {OLD} no longer works; the documents are being sent to {NEW}."
            in page)

    history = applicant_client.get(f"/orders/{issued_order.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"recipient 2, from {OLD} to {NEW}; the link sent to the old address no longer works" in history
    event = issued_order.events.get(kind="recipient_corrected")
    assert (event.details["old"], event.details["new"], event.details["links_stopped"]) == (OLD, NEW, 1)
    assert event.details["message_id"] == Delivery.objects.get(recipient__position=2, revoked_at__isnull=True).message_id
    client.force_login(clerk)
    timeline = client.get(f"/desk/orders/{issued_order.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert OLD in timeline and NEW in timeline and "Links to the old address stopped" in timeline


def test_the_applicant_is_told_in_chinese(smtp, issued_order, applicant_client, django_capture_on_commit_callbacks):  # noqa: F811
    deliver(issued_order, django_capture_on_commit_callbacks)
    page = correct(applicant_client, issued_order, django_capture_on_commit_callbacks, language="zh-hant")
    assert f"收件人 2：先前寄至 {OLD} 的 1 個下載連結已失效；文件正改寄至 {NEW}。" in page


def test_a_double_submit_or_a_retried_task_sends_one_email(
        smtp, issued_order, applicant_client, django_capture_on_commit_callbacks):  # noqa: F811
    deliver(issued_order, django_capture_on_commit_callbacks)
    correct(applicant_client, issued_order, django_capture_on_commit_callbacks)
    again = correct(applicant_client, issued_order, django_capture_on_commit_callbacks, email=NEW.upper())
    assert f"Recipient 2 already has the address {NEW}: nothing was changed." in again
    assert len(links_to(smtp, NEW)) == 1
    assert issued_order.events.filter(kind="recipient_corrected").count() == 1

    # The worker runs every task again, and the sweeper looks for due work: nothing more is sent.
    Delivery.objects.update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep() == 0
        assert {services.send_delivery(d.pk) for d in Delivery.objects.all()} == {"skipped"}
    assert len(links_to(smtp, NEW)) == 1 and len(smtp.mailbox.messages) == 5


def test_before_issuance_only_the_address_changes(applicant_client, issued_order, django_capture_on_commit_callbacks):  # noqa: F811
    Order.objects.filter(pk=issued_order.pk).update(status=Status.PAID)
    page = correct(applicant_client, issued_order, django_capture_on_commit_callbacks)
    assert f"Recipient 2 now receives the documents at {NEW}." in page
    assert issued_order.recipients.get(position=2).email == NEW
    assert not Delivery.objects.exists()
    assert "links_stopped" not in issued_order.events.get(kind="recipient_corrected").details


def test_a_closed_order_cannot_be_corrected(applicant_client, issued_order, django_capture_on_commit_callbacks):  # noqa: F811
    Order.objects.filter(pk=issued_order.pk).update(status=Status.COMPLETED)
    page = correct(applicant_client, issued_order, django_capture_on_commit_callbacks)
    assert "Recipients can no longer be corrected: the order is closed." in page
    assert issued_order.recipients.get(position=2).email == OLD


def test_an_address_that_never_received_anything_is_replaced_and_never_sent_to(
        smtp, issued_order, applicant_client, django_capture_on_commit_callbacks):  # noqa: F811
    smtp.stop()  # every first attempt fails: nothing reached anyone
    deliver(issued_order, django_capture_on_commit_callbacks)
    smtp.start()
    page = correct(applicant_client, issued_order, django_capture_on_commit_callbacks)
    assert f"Recipient 2: nothing had reached {OLD}; the documents are being sent to {NEW}." in page
    assert len(links_to(smtp, NEW)) == 1
    issued_order.refresh_from_db()
    assert issued_order.status == Status.ISSUED  # recipients 1, 3 and 4 are still waiting

    Delivery.objects.filter(state=Delivery.State.FAILED).update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep() == 3  # not the withdrawn one
    assert links_to(smtp, OLD) == [] and len(smtp.mailbox.messages) == 4
    issued_order.refresh_from_db()
    assert issued_order.status == Status.DELIVERED


def test_every_link_the_old_address_had_stops(
        smtp, issued_order, applicant_client, client, django_capture_on_commit_callbacks):  # noqa: F811
    deliver(issued_order, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.resend(Delivery.objects.get(recipient__position=2), None)  # staff sent it again
    old_links = links_to(smtp, OLD)
    assert len(old_links) == 2
    page = correct(applicant_client, issued_order, django_capture_on_commit_callbacks)
    assert f"Recipient 2: the 2 links sent to {OLD} no longer work; the documents are being sent to {NEW}." in page
    assert {client.get(link).status_code for link in old_links} == {410}
    assert len(links_to(smtp, NEW)) == 1


def test_a_send_claimed_before_the_correction_is_not_sent_to_the_new_address(
        smtp, issued_order, applicant, monkeypatch, client, django_capture_on_commit_callbacks):  # noqa: F811
    from sealpost.delivery.recipients import correct_recipient

    with django_capture_on_commit_callbacks(execute=False):  # scheduled, not sent yet
        services.schedule_delivery(issued_order)
    old = Delivery.objects.get(recipient__position=2)
    claim = services._claim
    corrections = []

    def claim_then_correct(delivery_id, now):
        claimed = claim(delivery_id, now)
        corrections.append(correct_recipient(issued_order, 2, NEW, applicant))  # before the worker reads it
        return claimed

    monkeypatch.setattr(services, "_claim", claim_then_correct)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_delivery(old.pk) == "skipped"
    monkeypatch.undo()
    assert corrections[0].links_stopped == 1  # it was being sent: said to be stopped, to be safe
    assert links_to(smtp, OLD) == []
    [new_link] = links_to(smtp, NEW)
    assert client.get(new_link).status_code == 200
    old.refresh_from_db()
    assert old.revoked_at is not None and old.state == Delivery.State.QUEUED and old.next_attempt_at is None
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep() == 3  # recipients 1, 3 and 4: never the revoked one
    assert links_to(smtp, OLD) == [] and len(smtp.mailbox.messages) == 4


def test_a_send_in_flight_goes_to_the_old_address_with_a_dead_link(
        smtp, issued_order, applicant, monkeypatch, client, django_capture_on_commit_callbacks):  # noqa: F811
    from sealpost.delivery.recipients import correct_recipient

    with django_capture_on_commit_callbacks(execute=False):
        services.schedule_delivery(issued_order)
    old = Delivery.objects.get(recipient__position=2)
    build = services.build_message

    def build_then_correct(delivery):
        message = build(delivery)  # the worker has the old address and link in hand
        if delivery.pk == old.pk:
            correct_recipient(issued_order, 2, NEW, applicant)
        return message

    monkeypatch.setattr(services, "build_message", build_then_correct)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_delivery(old.pk) == "sent"
    monkeypatch.undo()
    [old_link] = links_to(smtp, OLD)
    assert client.get(old_link).status_code == 410
    [new_link] = links_to(smtp, NEW)
    assert client.get(new_link).status_code == 200


def test_the_wes_upload_and_recipient_are_unaffected(
        smtp, issued_order, applicant_client, client, django_capture_on_commit_callbacks):  # noqa: F811
    from sealpost.delivery.wes_submissions import schedule_wes

    assert issued_order.wes_reference == "1234567"
    deliver(issued_order, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):  # the upload stays queued
        submission = schedule_wes(issued_order)
    [wes_link] = links_to(smtp, "admissions1@school1.example.org")
    correct(applicant_client, issued_order, django_capture_on_commit_callbacks)
    assert client.get(wes_link).status_code == 200
    assert list(WESSubmission.objects.values_list("pk", "version", "state")) == [
        (submission.pk, 1, WESSubmission.State.QUEUED)]
    issued_order.refresh_from_db()
    assert issued_order.wes_reference == "1234567"
