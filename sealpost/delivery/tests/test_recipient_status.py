"""The recipients' delivery status on the order pages: the latest delivery of each recipient,
read with one query for the whole order however many recipients it has."""

import datetime

from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sealpost.delivery.models import Delivery
from sealpost.delivery.tests.test_email import issued_order  # noqa: F401 - fixture

TEMPLATE = Template(
    "{% load delivery_tags %}{% for r in recipients %}[{{ r.position }}:{% recipient_status r %}]{% endfor %}"
)


def test_latest_delivery_of_each_recipient_in_one_query(issued_order):  # noqa: F811
    recipients = list(issued_order.recipients.order_by("position"))
    now = timezone.now()
    first, second, third = recipients[:3]
    old = Delivery.objects.create(order=issued_order, recipient=first, message_id="<old@x>", state="failed",
                                  last_error="refused")  # fmt: skip
    Delivery.objects.create(order=issued_order, recipient=first, message_id="<new@x>", state="sent", sent_at=now,
                            resend_of=old)  # fmt: skip
    Delivery.objects.filter(pk=old.pk).update(created_at=now - datetime.timedelta(hours=1))
    Delivery.objects.create(order=issued_order, recipient=second, message_id="<two@x>", state="queued")

    with CaptureQueriesContext(connection) as queries:
        html = TEMPLATE.render(Context({"recipients": recipients}))
    assert len(queries) == 1
    parts = {int(p.split(":", 1)[0]): p for p in html.strip("[]").split("][")}
    assert "delivery-sent" in parts[first.position] and "refused" not in parts[first.position]
    assert "delivery-queued" in parts[second.position]
    assert "delivery-" not in parts[third.position]
