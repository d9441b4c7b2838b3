"""sealpost audit verify / tail: exit status and what they print."""

import contextlib
import io

import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from sealpost.audit import services
from sealpost.audit.models import AuditEntry

from .conftest import raw

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(db):
    for n in range(1, 4):
        services.append("test.note", object_type="order", object_id=f"SP{n:08d}", n=n)


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    # The console entry point closes the database connections when it is done, which would
    # end the test's transaction on PostgreSQL.
    from django.core.management import base

    monkeypatch.setattr(base.connections, "close_all", lambda: None)


def run(*args) -> tuple[int, str, str]:
    """The command as `sealpost audit ...` runs it: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            ManagementUtility(["sealpost", "audit", *args]).execute()
            status = 0
        except SystemExit as exit:
            status = exit.code
    return status, out.getvalue(), err.getvalue()


def test_intact_chain_exits_0(three):
    status, out, _ = run("verify")
    assert status == 0
    assert out.splitlines()[0] == "intact: 3 entries"
    assert f"last hash: {AuditEntry.objects.get(seq=3).hash}" in out


def test_empty_trail_is_intact(db):
    assert run("verify")[:2] == (0, "intact: 0 entries\n")


def test_edited_row_exits_1_naming_the_entry(three):
    raw("UPDATE {table} SET details = %s WHERE seq = 2", ['{"n": 20}'])
    status, out, err = run("verify")
    assert status == 1 and "intact" not in out
    at = AuditEntry.objects.get(seq=2).at
    assert "Broken at entry 2" in err and "test.note" in err and "Hash mismatch" in err
    from django.utils import timezone

    assert timezone.localtime(at).isoformat(timespec="seconds") in err


def test_gap_exits_1(three):
    raw("DELETE FROM {table} WHERE seq = 2")
    status, _, err = run("verify")
    assert status == 1 and "entry 2 is missing" in err and "Gap" in err


def test_call_command_raises_with_returncode_1(three):
    raw("UPDATE {table} SET action = %s WHERE seq = 1", ["test.other"])
    with pytest.raises(CommandError) as error:
        call_command("audit", "verify", stdout=io.StringIO())
    assert error.value.returncode == 1 and "entry 1" in str(error.value)


def test_tail_prints_the_last_entries_oldest_first(three):
    out = io.StringIO()
    call_command("audit", "tail", "-n", "2", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].split()[0] == "2" and "order:SP00000002" in lines[0] and '{"n":2}' in lines[0]
    assert lines[1].split()[0] == "3" and "system" in lines[1] and "test.note" in lines[1]


def test_the_command_only_reads(three):
    before = list(AuditEntry.objects.values_list("seq", "hash"))
    run("verify")
    call_command("audit", "tail", stdout=io.StringIO())
    assert list(AuditEntry.objects.values_list("seq", "hash")) == before
