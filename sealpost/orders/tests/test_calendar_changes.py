"""The open orders' deadlines move when the registrar's calendar changes: the calendar
(sealpost.workdays) announces every change (workdays.signals.calendar_changed) and the orders
count their deadlines again, in the same transaction."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import translation

from sealpost.orders.models import Status
from sealpost.orders.tests.test_deadlines import order_at, taipei
from sealpost.workdays import services
from sealpost.workdays.models import CalendarDay

D = datetime.date


def run(*args) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("workdays", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_failed_recompute_undoes_the_closure(student, monkeypatch):
    from sealpost.orders import deadlines

    order = order_at(student, taipei(2026, 7, 6), status=Status.PAID, paid=taipei(2026, 7, 6))
    monkeypatch.setattr(deadlines, "recompute_open_orders", lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        services.close(D(2026, 7, 7), "Typhoon", None)
    assert not CalendarDay.objects.exists()
    order.refresh_from_db()
    assert order.dispatch_due == D(2026, 7, 9)


@pytest.mark.django_db
def test_close_moves_open_orders_and_next_honours_it(student):
    order = order_at(student, taipei(2026, 7, 3), status=Status.PAID, paid=taipei(2026, 7, 6))
    output = run("close", "2026-07-07", "--reason", "Typhoon day")
    assert "Closed on 2026-07-07: Typhoon day." in output
    assert "Deadlines moved on 1 open order." in output
    assert CalendarDay.objects.get().kind == "closed"
    order.refresh_from_db()
    assert order.dispatch_due == D(2026, 7, 10)
    assert run("next", "2026-07-06", "1") == "2026-07-08\n"
    assert "Removed the entry for 2026-07-07" in run("remove", "2026-07-07")
    order.refresh_from_db()
    assert order.dispatch_due == D(2026, 7, 9)


@pytest.mark.django_db
def test_recompute_counts_open_orders_again(student):
    order = order_at(student, taipei(2026, 7, 3), status=Status.PAID, paid=taipei(2026, 7, 6))
    CalendarDay.objects.create(date=D(2026, 7, 7), kind="closed", reason="Typhoon")  # behind the service's back
    assert run("recompute") == "Deadlines moved on 1 open order.\n"
    order.refresh_from_db()
    assert order.dispatch_due == D(2026, 7, 10)
