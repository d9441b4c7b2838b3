"""Two workers never deadlock over an order and the audit trail (PostgreSQL, real row locks).

Every transaction that locks an order's row and appends to the audit trail (whose head row
serialises appends) must lock the order first. A worker recording a sent e-mail used to append
first and lock the order after, while a WES upload of the same order held the order and was
about to append: PostgreSQL found the deadlock and aborted one of them,
24 times in the batch benchmark on PostgreSQL with two workers (docs/performance.md)."""

import threading

import pytest
from django.db import connection, connections, transaction

from sealpost.delivery import services
from sealpost.delivery.models import Delivery
from sealpost.delivery.tests.test_email import issued_order  # noqa: F401 - fixture
from sealpost.orders.models import Order
from sealpost.orders.services import record

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL only (SQLite serialises every writer)")


def test_recording_a_sent_email_waits_for_the_order_before_the_audit_trail(postgres, issued_order, settings):  # noqa: F811
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    recipient = issued_order.recipients.order_by("position").first()
    delivery = services._create(issued_order, recipient)
    Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.SENDING)
    delivery = Delivery.objects.select_related("order", "recipient", "link").get(pk=delivery.pk)

    holding = threading.Event()
    errors = []

    def upload_like():
        """What a WES upload's last step does: lock the order, then append to the trail."""
        try:
            with transaction.atomic():
                locked = Order.objects.select_for_update().get(pk=issued_order.pk)
                holding.set()
                # Give the other worker time to reach its own locks (PostgreSQL looks for
                # deadlocks after deadlock_timeout, 1 s).
                threading.Event().wait(0.5)
                record(locked, "wes_uploaded", None, version=1, files=[])
        except Exception as error:  # noqa: BLE001 - the deadlock, reported below
            errors.append(error)
        finally:
            connections.close_all()

    def email_like():
        holding.wait(5)
        try:
            services._record_sent(delivery)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=upload_like), threading.Thread(target=email_like)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    kinds = list(issued_order.events.values_list("kind", flat=True))
    assert "wes_uploaded" in kinds and "delivery_sent" in kinds
    assert Delivery.objects.get(pk=delivery.pk).state == Delivery.State.SENT
