import io

import pytest
from django.core.management import CommandError, call_command

from sealpost.delivery.models import Delivery
from sealpost.delivery.tests.test_email import deliver, issued_order, smtp  # noqa: F401 - fixtures


def test_resend_sends_every_recipient_again_with_new_message_ids(issued_order, smtp, django_capture_on_commit_callbacks):  # noqa: F811
    deliver(issued_order, django_capture_on_commit_callbacks)
    before = set(Delivery.objects.values_list("message_id", flat=True))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("resend", issued_order.number.lower(), "--recipient", "2", stdout=out)
    fresh = Delivery.objects.exclude(message_id__in=before)
    assert [d.recipient.position for d in fresh] == [2]
    assert "1 e-mail(s) queued again" in out.getvalue()


def test_resend_unknown_order_is_refused(db):
    with pytest.raises(CommandError, match="NOPE"):
        call_command("resend", "NOPE")
