"""Issue 14, problem 1: a failed WES upload is seen by the applicant and by the desk, and a second
order for the same WES reference (an updated transcript after a new term) uploads beside the
first one's files instead of colliding with them."""

import pytest
from django.urls import reverse
from django.utils import translation

from sealpost.delivery import wes, wes_submissions
from sealpost.delivery.models import WESSubmission
from sealpost.delivery.tests.test_wes_sftp import (  # noqa: F401 - fixtures
    client_key, config, inbox, known_hosts, order, remote_files, server)
from sealpost.delivery.tests.test_wes_submissions import run, schedule, wes_settings  # noqa: F401
from sealpost.issuance import services as document_services
from sealpost.orders import services as order_services
from sealpost.orders.models import Order, Status

State = WESSubmission.State


def in_language(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def second_order(applicant, reference="1234567"):
    """Another order of the same applicant for the same WES reference, issued."""
    draft = order_services.Draft(
        applicant_type="alumnus", documents=[("transcript", "en")], name_en="CHEN, TA-WEI", name_zh="陳大偉",
        phone="0912345678", email=applicant.email, recipients=[(applicant.email, "")], wes_reference=reference)
    placed = order_services.place_order(student=applicant.student, draft=draft, applicant=applicant)
    Order.objects.filter(pk=placed.pk).update(status=Status.PAID)
    placed.refresh_from_db()
    document_services.issue_order(placed)
    return placed


def test_a_second_order_for_the_same_wes_reference_uploads_beside_the_first(
        order, applicant, wes_settings, inbox, django_capture_on_commit_callbacks):  # noqa: F811
    first = schedule(order, django_capture_on_commit_callbacks)
    assert run(first) == "uploaded"
    first.refresh_from_db()
    before = {name: (inbox / name).read_bytes() for name in first.files}

    later = second_order(applicant)  # the updated transcript, a term later
    second = schedule(later, django_capture_on_commit_callbacks)
    assert run(second) == "uploaded", WESSubmission.objects.get(pk=second.pk).last_error
    second.refresh_from_db()
    assert not set(first.files) & set(second.files)
    assert all(later.number in name for name in second.files)
    assert remote_files(inbox) == sorted(first.files + second.files)
    assert {name: (inbox / name).read_bytes() for name in first.files} == before  # nothing overwritten


def test_a_failed_upload_is_shown_to_the_applicant_and_to_the_desk(
        order, applicant, wes_settings, inbox, client, clerk, make_user, make_student,
        django_capture_on_commit_callbacks):  # noqa: F811
    submission = schedule(order, django_capture_on_commit_callbacks)
    # Someone else's file already has the name: the upload must fail without overwriting it.
    taken = wes.file_name(order, wes.documents_of(order)[0])
    (inbox / taken).write_bytes(b"%PDF-1.7 another file")
    Order.objects.filter(pk=order.pk).update(status=Status.DELIVERED)  # the e-mails went out
    assert run(submission) == "failed"
    submission.refresh_from_db()
    assert submission.gave_up and submission.error_code == "conflict"
    assert (inbox / taken).read_bytes() == b"%PDF-1.7 another file"
    assert wes_submissions.status(order) == "failed"

    # The applicant's page says the upload failed and what happens next, in both languages.
    client.force_login(applicant)
    for language in ("zh-hant", "en"):
        page = client.get(reverse("portal:order", args=[order.number]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert in_language(language, "The upload to WES failed.") in page
        assert in_language(language, "Your documents are queued for upload to WES.") not in page

    # The desk's queue marks it and can show only such orders.
    other = second_order(make_user(student=make_student(), email="lin@example.com"), reference="7777777")
    client.force_login(clerk)
    queue = client.get(reverse("desk:orders"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = queue.split(f'id="order-{order.number}"', 1)[1].split("</tr>", 1)[0]
    assert "upload failed" in row
    assert "upload failed" not in queue.split(f'id="order-{other.number}"', 1)[1].split("</tr>", 1)[0]
    only_failed = client.get(reverse("desk:orders"), {"wes": "failed"}).content.decode()
    assert f'id="order-{order.number}"' in only_failed and f'id="order-{other.number}"' not in only_failed

    # The desk's order page explains the failure in Chinese; the server's words are details.
    detail = client.get(reverse("desk:order", args=[order.number]), HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
    from sealpost.delivery.models import WES_PROBLEMS

    with translation.override("zh-hant"):
        assert str(WES_PROBLEMS["conflict"]) in detail
    assert in_language("zh-hant", "Technical details") in detail


@pytest.mark.parametrize("template, expected", [
    ("{wes_reference}_{family_name}.pdf", "1234567_CHEN_{n}.pdf"),
    ("{order_number}-{document}.pdf", "{n}-transcript.pdf"),
])
def test_every_file_name_names_its_order(order, settings, template, expected):  # noqa: F811
    settings.WES_FILE_TEMPLATE = template
    transcript = order.issued_documents.get(document_type="transcript")
    assert wes.file_name(order, transcript) == expected.format(n=order.number)
