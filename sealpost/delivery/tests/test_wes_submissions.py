"""Uploading WES orders through the submissions (state, retries, host key alert, versions,
confirmation) against the real SFTP server of test_wes_sftp."""

import datetime
import json

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from sealpost.accounts.models import Role
from sealpost.delivery import services, wes_submissions
from sealpost.delivery.models import WESSubmission
from sealpost.delivery.tasks import upload_wes
from sealpost.delivery.tests.test_wes_sftp import (  # noqa: F401 - fixtures
    client_key, config, inbox, known_hosts, order, remote_files, server)
from sealpost.orders import deadlines
from sealpost.orders import services as order_services
from sealpost.orders.models import Order, Status

State = WESSubmission.State


def shown(text: str, page) -> bool:
    """The page (in the site's default language, Chinese) shows this message."""
    with translation.override("zh-hant"):
        return translation.gettext(text) in page.content.decode()


@pytest.fixture
def wes_settings(settings, server, client_key, known_hosts):  # noqa: F811
    settings.WES_SFTP_URL = f"sftp://wes@127.0.0.1:{server.port}/inbox"
    settings.WES_SFTP_KEY = str(client_key[1])
    settings.WES_KNOWN_HOSTS = str(known_hosts)
    settings.WES_SFTP_TIMEOUT = 5
    settings.REGISTRAR_EMAIL = "registrar@ndu.example.edu"
    return settings


def schedule(order, capture):  # noqa: F811
    with capture(execute=True):
        services.schedule_on_commit(order)
    return WESSubmission.objects.get(order=order)


def run(submission):
    return upload_wes.call(submission.pk)


def test_issuing_a_wes_order_uploads_it(order, wes_settings, inbox, django_capture_on_commit_callbacks):  # noqa: F811
    submission = schedule(order, django_capture_on_commit_callbacks)
    assert (submission.version, submission.state) == (1, State.QUEUED)
    assert wes_submissions.status(order) == "queued"
    assert run(submission) == "uploaded"
    submission.refresh_from_db()
    assert submission.state == State.UPLOADED and submission.attempts == 1 and submission.uploaded_at
    assert remote_files(inbox) == sorted(submission.files)
    manifest = submission.files[-1]
    assert manifest == f"1234567_{order.number}_manifest.json"
    assert [f["name"] for f in json.loads((inbox / manifest).read_bytes())["files"]] == submission.files[:-1]
    order.refresh_from_db()
    assert order.wes_uploaded_at == submission.uploaded_at
    assert order.wes_followup_due == deadlines._Counter().after(order.wes_uploaded_at, deadlines.WES_FOLLOWUP_DAYS)
    assert order.events.filter(kind="wes_uploaded").count() == 1
    assert wes_submissions.status(order) == "uploaded"

    # Running it again (a duplicate task, the sweeper) writes nothing twice.
    mtimes = {p.name: p.stat().st_mtime_ns for p in inbox.iterdir()}
    assert run(submission) == "skipped"
    assert wes_submissions.upload_submission(submission.pk) == "skipped"
    assert {p.name: p.stat().st_mtime_ns for p in inbox.iterdir()} == mtimes
    # Scheduling again adds nothing.
    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_on_commit(order)
    assert WESSubmission.objects.filter(order=order).count() == 1
    assert order.events.filter(kind="wes_uploaded").count() == 1


def test_server_down_is_retried_with_backoff(order, wes_settings, server, inbox, django_capture_on_commit_callbacks):  # noqa: F811
    submission = schedule(order, django_capture_on_commit_callbacks)
    server.stop()
    before = timezone.now()
    assert run(submission) == "failed"
    submission.refresh_from_db()
    assert submission.state == State.FAILED and submission.attempts == 1
    assert "Cannot reach the WES SFTP server" in submission.last_error
    assert before + datetime.timedelta(seconds=29) < submission.next_attempt_at < timezone.now() + datetime.timedelta(seconds=31)
    assert run(submission) == "skipped"  # not due yet
    assert wes_submissions.sweep() == 0

    server.start()
    later = submission.next_attempt_at + datetime.timedelta(seconds=1)
    # Its retry already waits in the queue (deferred to next_attempt_at): the sweeper adds none.
    assert wes_submissions.sweep(now=later) == 0
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()  # lost (a queue emptied by mistake): now the sweeper queues it
    assert wes_submissions.sweep(now=later) == 1
    assert services.sweep(now=later) == 1  # the e-mail sweeper: the recipient's e-mail (the upload is queued)
    assert wes_submissions.upload_submission(submission.pk, now=later) == "uploaded"
    submission.refresh_from_db()
    assert submission.state == State.UPLOADED and submission.attempts == 2 and submission.last_error == ""
    assert remote_files(inbox) == sorted(submission.files)


def test_gives_up_after_eight_attempts(order, wes_settings, server, django_capture_on_commit_callbacks):  # noqa: F811
    submission = schedule(order, django_capture_on_commit_callbacks)
    server.stop()
    WESSubmission.objects.filter(pk=submission.pk).update(attempts=7)
    assert run(submission) == "failed"
    submission.refresh_from_db()
    assert submission.gave_up and submission.attempts == 8
    assert order.events.filter(kind="wes_upload_failed").count() == 1
    assert wes_submissions.backoff(1).total_seconds() == 30 and wes_submissions.backoff(20).total_seconds() == 3600


def test_refused_host_key_stops_and_alerts_staff_once(order, wes_settings, server, inbox, known_hosts,  # noqa: F811
                                                      applicant, django_capture_on_commit_callbacks):
    submission = schedule(order, django_capture_on_commit_callbacks)
    server.rotate_host_key()
    mail.outbox.clear()
    assert run(submission) == "refused"
    submission.refresh_from_db()
    assert submission.gave_up and "host key" in submission.last_error
    assert remote_files(inbox) == []
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["registrar@ndu.example.edu"]
    fingerprint = server.host_key.get_fingerprint("sha256").split(":", 1)[1]
    assert fingerprint in mail.outbox[0].body
    assert order.events.filter(kind="wes_host_key_refused").count() == 1
    # No automatic retry, and the sweeper leaves it alone.
    assert run(submission) == "skipped"
    assert wes_submissions.sweep(now=timezone.now() + datetime.timedelta(days=1)) == 0
    # Another order refused for the same key: no second e-mail.
    second = WESSubmission.objects.create(order=order, version=2, next_attempt_at=timezone.now())
    assert run(second) == "refused"
    assert len(mail.outbox) == 1

    # Staff check the key with WES, pin it and try again.
    known_hosts.write_text(server.host_key_line() + "\n")
    assert wes_submissions.retry(submission, None)
    assert run(submission) == "uploaded"


def test_not_configured_stays_queued(order, settings, django_capture_on_commit_callbacks):  # noqa: F811
    settings.WES_SFTP_URL = ""
    submission = schedule(order, django_capture_on_commit_callbacks)
    assert run(submission) == "not_configured"
    submission.refresh_from_db()
    assert submission.state == State.QUEUED and submission.attempts == 0
    assert "not configured" in submission.last_error
    assert wes_submissions.sweep() == 0


def test_reupload_is_a_new_version(order, wes_settings, inbox, clerk_client, django_capture_on_commit_callbacks):  # noqa: F811
    first = schedule(order, django_capture_on_commit_callbacks)
    run(first)
    first.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False):
        response = clerk_client.post(reverse("delivery:wes_reupload", args=[order.number]))
    assert response.status_code == 302
    second = WESSubmission.objects.get(order=order, version=2)
    assert second.state == State.QUEUED
    assert run(second) == "uploaded"
    second.refresh_from_db()
    assert all("_v2." in name for name in second.files)
    assert remote_files(inbox) == sorted(first.files + second.files) and len(second.files) == 3
    assert order.events.filter(kind="wes_reupload").count() == 1
    page = clerk_client.get(reverse("desk:order", args=[order.number]))
    assert b'id="wes"' in page.content and second.files[0].encode() in page.content
    assert b'id="wes-confirm"' in page.content and b'id="wes-reupload"' in page.content


def test_staff_record_the_confirmation(order, wes_settings, clerk_client, make_user,  # noqa: F811
                                       django_capture_on_commit_callbacks):
    submission = schedule(order, django_capture_on_commit_callbacks)
    run(submission)
    order.refresh_from_db()
    assert order.wes_followup_due
    Order.objects.filter(pk=order.pk).update(status=Status.DELIVERED)  # the e-mails went out too
    order.refresh_from_db()
    assert deadlines.next_kind(order) == "wes_followup"
    auditor = make_user(role=Role.AUDITOR) if hasattr(Role, "AUDITOR") else None
    response = clerk_client.post(reverse("delivery:wes_confirm", args=[order.number]))
    assert response.status_code == 302 and response["Location"] == reverse("desk:order", args=[order.number])
    submission.refresh_from_db()
    assert submission.state == State.CONFIRMED and submission.confirmed_at and submission.confirmed_by.role == Role.CLERK
    order.refresh_from_db()
    assert order.status == Status.COMPLETED and deadlines.next_kind(order) is None and order.next_deadline is None
    assert order.events.filter(kind="wes_confirmed").count() == 1
    assert wes_submissions.status(order) == "confirmed"
    with pytest.raises(wes_submissions.WESSubmissionError):
        wes_submissions.confirm(order, None)
    if auditor:
        clerk_client.force_login(auditor)
        assert clerk_client.post(reverse("delivery:wes_reupload", args=[order.number])).status_code == 403


def test_the_applicant_confirms_on_their_own_order_only(order, wes_settings, applicant, client, make_user,  # noqa: F811
                                                        make_student, django_capture_on_commit_callbacks):
    submission = schedule(order, django_capture_on_commit_callbacks)
    url = reverse("delivery:wes_confirm", args=[order.number])
    client.force_login(applicant)
    page = client.get(reverse("portal:order", args=[order.number]))
    assert shown("Your documents are queued for upload to WES.", page) and b'id="wes-confirm"' not in page.content
    assert client.post(url).status_code == 302  # nothing uploaded yet: refused with a message
    submission.refresh_from_db()
    assert submission.state == State.QUEUED
    run(submission)
    page = client.get(reverse("portal:order", args=[order.number]))
    assert shown("Your documents have been uploaded to WES.", page) and b'id="wes-confirm"' in page.content

    other = make_user(student=make_student(), email="someone.else@example.com")
    client.force_login(other)
    assert client.post(url).status_code == 404
    submission.refresh_from_db()
    assert submission.state == State.UPLOADED
    assert client.post(reverse("delivery:wes_reupload", args=[order.number])).status_code == 403

    client.force_login(applicant)
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("portal:order", args=[order.number])
    submission.refresh_from_db()
    assert submission.state == State.CONFIRMED and submission.confirmed_by == applicant
    page = client.get(reverse("portal:order", args=[order.number]))
    assert shown("WES has confirmed receipt of your documents.", page) and b'id="wes-confirm"' not in page.content


def test_a_non_wes_order_has_no_submission(applicant, wes_settings, django_capture_on_commit_callbacks):
    draft = order_services.Draft(
        applicant_type="alumnus", documents=[("transcript", "en")], name_en="CHEN, TA-WEI", name_zh="陳大偉",
        phone="0912345678", email=applicant.email, recipients=[("admissions@school.example.org", "")])
    plain = order_services.place_order(student=applicant.student, draft=draft, applicant=applicant)
    assert not plain.wes_reference
    Order.objects.filter(pk=plain.pk).update(status=Status.ISSUED)
    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_on_commit(plain)
    assert wes_submissions.schedule_wes(plain) is None
    assert not WESSubmission.objects.exists()


def test_the_sweeper_sends_a_batch_through_one_connection(order, applicant, wes_settings, server, inbox,  # noqa: F811
                                                          django_capture_on_commit_callbacks):
    from sealpost.issuance import services as document_services

    draft = order_services.Draft(
        applicant_type="alumnus", documents=[("transcript", "zh")], name_en="CHEN, TA-WEI", phone="0912345678",
        email=applicant.email, recipients=[("wes@example.org", "WES Reference No. 7654321")],
    )
    second = order_services.place_order(student=applicant.student, draft=draft, applicant=applicant)
    second.status = Status.PAID
    second.save()
    document_services.issue_order(second)
    first_submission = schedule(order, django_capture_on_commit_callbacks)
    second_submission = schedule(second, django_capture_on_commit_callbacks)
    before = server.connections
    outcomes = wes_submissions.upload_batch([first_submission.pk, second_submission.pk])
    assert outcomes == {first_submission.pk: "uploaded", second_submission.pk: "uploaded"}
    assert server.connections == before + 1
    assert any(name.startswith("7654321_") for name in remote_files(inbox))
    # Nothing is due any more: a second batch claims nothing and writes nothing.
    assert set(wes_submissions.upload_batch([first_submission.pk, second_submission.pk]).values()) == {"skipped"}


def test_a_batch_whose_connection_fails_retries_each_submission(order, wes_settings, server,  # noqa: F811
                                                                django_capture_on_commit_callbacks):
    submission = schedule(order, django_capture_on_commit_callbacks)
    server.stop()
    assert wes_submissions.upload_batch([submission.pk]) == {submission.pk: "failed"}
    submission.refresh_from_db()
    assert submission.state == State.FAILED and submission.next_attempt_at and submission.attempts == 1


# --- the connection a worker keeps open between uploads ------------------------------------


def another_wes_order(applicant, reference):
    from sealpost.issuance import services as document_services

    draft = order_services.Draft(
        applicant_type="alumnus", documents=[("transcript", "en")], name_en="CHEN, TA-WEI", phone="0912345678",
        email=applicant.email, recipients=[("wes@example.org", f"WES Reference No. {reference}")],
    )
    order = order_services.place_order(student=applicant.student, draft=draft, applicant=applicant)
    order.status = Status.PAID
    order.save()
    document_services.issue_order(order)
    return order


def test_orders_uploaded_one_after_another_share_one_connection(order, applicant, wes_settings, server, inbox,  # noqa: F811
                                                                django_capture_on_commit_callbacks):
    second = another_wes_order(applicant, "7654321")
    first_submission = schedule(order, django_capture_on_commit_callbacks)
    second_submission = schedule(second, django_capture_on_commit_callbacks)
    before = server.connections
    assert run(first_submission) == "uploaded"
    assert run(second_submission) == "uploaded"
    assert server.connections == before + 1  # one SSH handshake for both
    for submission in (first_submission, second_submission):
        submission.refresh_from_db()
        assert submission.state == State.UPLOADED and submission.attempts == 1
        assert set(submission.files) <= set(remote_files(inbox))


def test_a_kept_connection_that_died_costs_no_attempt(order, applicant, wes_settings, server, inbox,  # noqa: F811
                                                      django_capture_on_commit_callbacks):
    """WES (or the network) closes the idle connection: the next order goes through a new one
    at once, and no attempt is charged for the dead one."""
    first_submission = schedule(order, django_capture_on_commit_callbacks)
    assert run(first_submission) == "uploaded"
    second_submission = schedule(another_wes_order(applicant, "7654321"), django_capture_on_commit_callbacks)
    before = server.connections
    assert server.drop_connections() == 1  # the kept one
    assert run(second_submission) == "uploaded"
    second_submission.refresh_from_db()
    assert second_submission.attempts == 1 and second_submission.last_error == ""
    assert server.connections == before + 1
    assert not [name for name in remote_files(inbox) if name.endswith(".part")]


def test_keeping_connections_open_can_be_turned_off(order, applicant, wes_settings, server,  # noqa: F811
                                                    django_capture_on_commit_callbacks):
    wes_settings.WES_SFTP_KEEP_OPEN = 0
    second = another_wes_order(applicant, "7654321")
    submissions = [schedule(o, django_capture_on_commit_callbacks) for o in (order, second)]
    before = server.connections
    assert [run(s) for s in submissions] == ["uploaded", "uploaded"]
    assert server.connections == before + 2
    # The client has closed both; the server thread notices a moment later.
    import time

    deadline = time.monotonic() + 5
    while server._live and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not server._live  # none left open


def test_an_idle_kept_connection_is_closed_by_the_sweeper(order, wes_settings, server,  # noqa: F811
                                                          django_capture_on_commit_callbacks):
    import time

    from sealpost.delivery import wes
    from sealpost.delivery.management.commands.worker import sweep_all

    wes_settings.WES_SFTP_KEEP_OPEN = 0.5
    assert run(schedule(order, django_capture_on_commit_callbacks)) == "uploaded"
    sweep_all()
    assert len(server._live) == 1  # idle less than half a second: kept
    time.sleep(0.6)
    sweep_all()
    deadline = time.monotonic() + 5
    while server._live and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not server._live
    assert not wes.close_idle(now=float("inf"))  # nothing left to close


def test_a_kept_connection_is_replaced_after_ten_minutes_however_busy(order, applicant, wes_settings, server,  # noqa: F811
                                                                      django_capture_on_commit_callbacks):
    """So that a host key taken out of the known_hosts file stops being used soon."""
    from sealpost.delivery import wes

    assert run(schedule(order, django_capture_on_commit_callbacks)) == "uploaded"
    kept = wes._kept["uploader"]
    kept.opened_at -= wes.KEEP_AT_MOST_SECONDS  # opened ten minutes ago, used a moment ago
    before = server.connections
    assert run(schedule(another_wes_order(applicant, "7654321"), django_capture_on_commit_callbacks)) == "uploaded"
    assert server.connections == before + 1
    assert wes._kept["uploader"] is not kept and kept.client is None  # the old one was closed
