"""sealpost reconcile FILE: the bank's file matched to orders by virtual account, run twice."""

import json

import pytest
from django.core.management import CommandError, call_command

from sealpost.orders.models import Status
from sealpost.payments import services
from sealpost.payments.models import Method, Payment
from sealpost.payments.reconcile import FileError, reconcile


@pytest.fixture
def noticed(place, clerk):
    orders = [place(), place(documents=(("transcript", "zh"),)), place(documents=(("enrollment_certificate", "en"),))]
    services.send_payment_notices(orders, clerk)
    return [services.notice_for(o) for o in orders]


def write(tmp_path, rows, header="virtual_account,amount,paid_at,bank_reference", name="bank.csv"):
    path = tmp_path / name
    path.write_text("\ufeff" + header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.django_db(transaction=True)
def test_reconciliation_run_twice(tmp_path, noticed, grades, run_worker):
    first, second, _third = noticed
    path = write(tmp_path, [
        f"{first.virtual_account},{first.amount},2025-11-26 10:15:00,TX0001",
        f"{second.virtual_account_display},{second.amount}.00,2025/11/26 11:00,TX0002",  # grouped, decimals
    ])
    report = reconcile(path)
    run_worker()  # the worker issues
    assert report.ok
    assert [line.order_number for line in report.matched] == [first.order.number, second.order.number]
    assert Payment.objects.filter(method=Method.VIRTUAL_ACCOUNT).count() == 2
    for notice in (first, second):
        notice.order.refresh_from_db()
        assert notice.order.status == Status.DELIVERED  # issued, then e-mailed by the worker
    payment = Payment.objects.get(reference="TX0001")
    assert payment.received_at.isoformat() == "2025-11-26T02:15:00+00:00"  # Taiwan time
    assert payment.raw["bank_reference"] == "TX0001"

    again = reconcile(path)
    assert again.ok
    assert again.matched == []
    assert [line.bank_reference for line in again.already_recorded] == ["TX0001", "TX0002"]
    assert Payment.objects.count() == 2
    assert first.order.events.filter(kind="paid").count() == 1


def test_unmatched_mismatched_invalid_and_refused_lines_are_reported(tmp_path, noticed, place):
    first, second, third = noticed
    never_noticed = place(documents=(("degree_certificate", "en"),))
    from sealpost.payments import virtual_accounts

    unknown = virtual_accounts.for_order(never_noticed)  # a valid number no notice was issued for
    bad_check = first.virtual_account[:-1] + str((int(first.virtual_account[-1]) + 1) % 10)
    services.cancel(third.order, None, "withdrawn")
    path = write(tmp_path, [
        f"{unknown},50,2025-11-26,TX0100",
        f"{bad_check},50,2025-11-26,TX0101",
        f"{first.virtual_account},{first.amount - 10},2025-11-26,TX0102",
        f"{second.virtual_account},abc,2025-11-26,TX0103",
        f"{second.virtual_account},{second.amount},not a date,TX0104",
        f"{third.virtual_account},{third.amount},2025-11-26,TX0105",
        "",
    ])
    report = reconcile(path)
    assert not report.ok
    assert [line.bank_reference for line in report.unmatched] == ["TX0100", "TX0101"]
    assert [(line.bank_reference, line.amount, line.expected) for line in report.mismatched] == [
        ("TX0102", first.amount - 10, first.amount)]
    assert [line.bank_reference for line in report.invalid] == ["TX0103", "TX0104"]
    assert [line.bank_reference for line in report.refused] == ["TX0105"]
    assert not Payment.objects.exists()
    text = report.text()
    assert "TX0102" in text and "TX0100" in text
    assert report.counts() == {"matched": 0, "already_recorded": 0, "unmatched": 2, "mismatched": 1, "refused": 1, "invalid": 2}


def test_command_reports_and_exits_1_on_problems(tmp_path, noticed, capsys, grades):
    first, second, _third = noticed
    good = write(tmp_path, [f"{first.virtual_account},{first.amount},2025-11-26,TX0200"], name="good.csv")
    call_command("reconcile", str(good))
    assert "TX0200" in capsys.readouterr().out
    call_command("reconcile", str(good), "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["already_recorded"] == 1 and data["counts"]["matched"] == 0

    bad = write(tmp_path, [f"{second.virtual_account},1,2025-11-26,TX0201"], name="bad.csv")
    with pytest.raises(CommandError) as raised:
        call_command("reconcile", str(bad))
    assert raised.value.returncode == 1
    assert "TX0201" in capsys.readouterr().out

    with pytest.raises(CommandError) as raised:
        call_command("reconcile", str(tmp_path / "missing.csv"))
    assert raised.value.returncode == 2


def test_a_file_without_the_columns_is_refused(tmp_path, db):
    path = write(tmp_path, ["1,2,3"], header="account,amount,date")
    with pytest.raises(FileError):
        reconcile(path)
    with pytest.raises(CommandError) as raised:
        call_command("reconcile", str(path))
    assert raised.value.returncode == 2
