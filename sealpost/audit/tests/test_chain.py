"""The hash chain: built from real actions, intact until a row is edited or removed."""

import datetime
import decimal
import hashlib
import json

import pytest
from django.db import transaction

from sealpost.audit import services
from sealpost.audit.models import GENESIS, AppendOnlyError, AuditEntry, AuditHead
from sealpost.orders import services as order_services
from sealpost.orders.models import Status

from .conftest import actions, raw

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(applicant, clerk, client, place):
    """An order placed and cancelled by the applicant and a clerk's sign-in: five entries."""
    order = place()
    order_services.cancel_order(order, applicant, reason="I ordered the wrong document, call me on 0912345678")
    client.force_login(clerk)  # Django's user_logged_in, as the login view sends it
    services.append("test.note", object_type="order", object_id=order.number, n=1)
    services.append("test.note", object_type="order", object_id=order.number, n=2)
    return order


def test_real_actions_make_a_chain_that_verifies(chain, applicant, clerk):
    assert actions() == ["order.submitted", "order.cancelled", "staff.signed_in", "test.note", "test.note"]
    result = services.verify_chain()
    assert result.ok and result.count == 5 and result.first_broken is None
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS
    assert all(e.prev_hash == before.hash for before, e in zip(entries, entries[1:]))
    assert result.last_hash == entries[-1].hash == AuditHead.objects.get().hash

    submitted, cancelled, signed_in = entries[:3]
    assert (submitted.object_type, submitted.object_id) == ("order", chain.number)
    assert submitted.details == {"to": Status.SUBMITTED, "channel": "online"}
    assert cancelled.details == {"from": Status.SUBMITTED, "to": Status.CANCELLED, "withheld": ["reason"]}
    assert cancelled.actor_id == applicant.pk
    assert signed_in.actor_id == clerk.pk and signed_in.actor_label == "clerk@registrar.example.edu (clerk)"


def test_no_personal_data_of_applicants_or_recipients(chain, applicant):
    stored = json.dumps(list(AuditEntry.objects.values()), default=str)
    for personal in (applicant.email, "admissions@school.example.edu", "0912345678", "陳大偉", "CHEN, TA-WEI",
                     "wrong document", applicant.student.student_number):
        assert personal not in stored
    assert AuditEntry.objects.get(action="order.submitted").actor_label == "applicant"


def test_an_edited_row_is_named(chain):
    raw("UPDATE {table} SET details = %s WHERE seq = 4", ['{"n": 100}'])
    result = services.verify_chain()
    assert not result.ok
    assert (result.first_broken, result.reason, result.action, result.count) == (4, "hash_mismatch", "test.note", 3)
    assert result.at == AuditEntry.objects.get(seq=4).at
    assert "entry 4" in result.message and "Hash mismatch" in result.message


def test_an_edit_with_a_recomputed_hash_is_caught_by_the_next_entry(chain):
    raw("UPDATE {table} SET actor_label = %s WHERE seq = 2", ["someone else"])
    entry = AuditEntry.objects.get(seq=2)
    raw("UPDATE {table} SET hash = %s WHERE seq = 2", [entry.compute_hash()])
    result = services.verify_chain()
    assert (result.ok, result.first_broken, result.reason) == (False, 3, "prev_hash_mismatch")


def test_a_deleted_middle_row_is_a_gap(chain):
    raw("DELETE FROM {table} WHERE seq = 3")
    result = services.verify_chain()
    assert (result.ok, result.first_broken, result.reason, result.count) == (False, 3, "gap", 2)
    assert result.action == "test.note"  # the entry after the gap
    assert "entry 3 is missing" in result.message


def test_removed_last_entries_are_noticed(chain):
    raw("DELETE FROM {table} WHERE seq >= 4")
    result = services.verify_chain()
    assert (result.ok, result.first_broken, result.reason) == (False, 4, "tail_missing")


def test_a_replaced_last_entry_is_noticed(chain):
    raw("UPDATE {table} SET details = %s WHERE seq = 5", ['{"n": 3}'])
    entry = AuditEntry.objects.get(seq=5)
    raw("UPDATE {table} SET hash = %s WHERE seq = 5", [entry.compute_hash()])
    result = services.verify_chain()
    assert (result.ok, result.first_broken, result.reason) == (False, 5, "head_mismatch")


def test_the_model_refuses_to_change_or_delete_an_entry(chain):
    entry = AuditEntry.objects.get(seq=2)
    entry.details = {"edited": True}
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(seq=2).delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(seq=2).update(details={})
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.bulk_update([entry], ["details"])
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.bulk_create([AuditEntry(seq=99)])
    assert services.verify_chain().ok


def test_deleting_a_staff_account_leaves_the_chain_intact(chain, clerk):
    clerk.delete()
    assert services.verify_chain().ok
    assert AuditEntry.objects.get(action="staff.signed_in").actor_label.startswith("clerk@")


def test_a_rolled_back_change_takes_its_entry_with_it(db):
    services.append("test.note", n=1)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.append("test.note", n=2)
        raise RuntimeError
    services.append("test.note", n=3)
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", "details")) == [(1, {"n": 1}), (2, {"n": 3})]
    assert services.verify_chain().ok


def test_details_of_any_type_read_back_as_hashed(db):
    from sealpost.orders.models import Status

    services.append(
        "test.types", object_id="X", amount=decimal.Decimal("12.50"), ratio=1e20, status=Status.PAID, tags=("a", "b"),
        when=datetime.datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc), day=datetime.date(2025, 1, 2),
        nested={"k": [1, None, True]}, text="臺北 \"quoted\"",
    )
    entry = AuditEntry.objects.get()
    assert entry.details["amount"] == "12.50" and entry.details["ratio"] == "1e+20" and entry.details["status"] == "paid"
    assert services.verify_chain().ok


def test_the_hash_is_sha256_of_the_documented_serialisation(db, clerk):
    entry = services.append("test.note", actor=clerk, object_type="order", object_id="SP1234ABCD", b=2, a="é")
    payload = {
        "v": 1, "seq": 1, "at": entry.at.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
        "actor": clerk.pk, "actor_label": "clerk@registrar.example.edu (clerk)", "action": "test.note",
        "object_type": "order", "object_id": "SP1234ABCD", "details": {"a": "é", "b": 2}, "prev_hash": "0" * 64,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert entry.hash == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert AuditEntry.objects.get().hash == entry.hash  # and as read back from the database


def test_a_missing_head_is_rebuilt_by_the_next_append(db):
    services.append("test.note", n=1)
    AuditHead.objects.all().delete()
    result = services.verify_chain()
    assert (result.ok, result.reason, result.first_broken) == (False, "head_missing", None)
    assert result.message.startswith("Broken: The record of the last entry is missing")
    services.append("test.note", n=2)
    assert services.verify_chain().ok and AuditHead.objects.get().seq == 2


def test_an_empty_trail_is_intact(db):
    result = services.verify_chain()
    assert result.ok and result.count == 0
