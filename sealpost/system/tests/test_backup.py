"""`sealpost backup` and `sealpost restore`: back up, lose and damage data, restore, and find the
orders and the signed documents intact (each file matches its SHA-256 and its signature verifies)."""

import json

import pytest
from django.core.management import CommandError, call_command

from sealpost.documents import storage, verification
from sealpost.documents.models import Document, DocumentFile
from sealpost.orders.models import Order
from sealpost.system import backup
from sealpost.verify.tests.forgery import document, order  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_damage_restore(order, tmp_path, settings, capsys):  # noqa: F811
    settings.DATA_DIR = tmp_path / "data"  # the keys' folder: this test's own
    settings.DATA_DIR.mkdir()
    (settings.DATA_DIR / "secret-key").write_text("k" * 64)
    (settings.DATA_DIR / "totp-key").write_text("t" * 64)  # without it, staff TOTP secrets are lost
    number = order.number
    [doc] = order.issued_documents.all()
    sha256 = doc.current_file.sha256
    signed = storage.get(sha256)
    assert verification.check_pdf(signed).status == "valid"

    call_command("backup", str(tmp_path / "b1"))
    manifest = json.loads((tmp_path / "b1" / "manifest.json").read_text())
    assert manifest["counts"] == {"orders": 1, "documents": 1}
    assert f"store/{storage.name_for(sha256)}" in manifest["files"]
    assert "secrets/secret-key" in manifest["files"] and "secrets/totp-key" in manifest["files"]
    with pytest.raises(CommandError):  # a backup never goes into a folder in use
        call_command("backup", str(tmp_path / "b1"))

    # Disaster: the order and its document rows changed, the signed file damaged, the key lost,
    # and a new order placed after the backup (it goes: the database is the backup's).
    Order.objects.filter(pk=order.pk).update(name_en="SOMEONE, ELSE", email="changed@example.com")
    Document.objects.update(holder_name_en="SOMEONE, ELSE")
    DocumentFile.objects.update(sha256="0" * 64)
    from django.core.files.storage import storages

    with storages["documents"].open(storage.name_for(sha256), "wb") as out:
        out.write(b"%PDF-1.7 not what was signed")
    (settings.DATA_DIR / "secret-key").unlink()
    with pytest.raises(OSError):
        storage.get(sha256)

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path / "b1"))
    call_command("restore", str(tmp_path / "b1"), "--yes")
    out = capsys.readouterr().out
    assert "Restored 1 orders and 1 documents" in out and "1 files written again" in out

    restored = Order.objects.get(number=number)
    assert restored.name_en == order.name_en and restored.email == order.email
    [doc] = restored.issued_documents.all()
    assert DocumentFile.objects.get(document=doc).sha256 == sha256
    data = storage.get(sha256)  # reads back and checks the hash
    assert data == signed
    assert verification.check_pdf(data).status == "valid"  # the signature still verifies
    assert verification.check_hash(sha256).status == "valid"
    assert (settings.DATA_DIR / "secret-key").read_text() == "k" * 64


def test_a_damaged_backup_is_refused_before_anything_changes(order, tmp_path):  # noqa: F811
    backup.backup(tmp_path / "b")
    name = [n for n in json.loads((tmp_path / "b" / "manifest.json").read_text())["files"] if n.startswith("store/")][0]
    target = tmp_path / "b" / name
    target.write_bytes(target.read_bytes()[:-1] + b"X")
    Order.objects.update(name_en="SOMEONE, ELSE")
    with pytest.raises(CommandError, match="does not match its SHA-256"):
        call_command("restore", str(tmp_path / "b"), "--yes")
    assert Order.objects.get().name_en == "SOMEONE, ELSE"  # nothing was changed
    with pytest.raises(CommandError, match="does not match"):
        call_command("restore", str(tmp_path / "b"), "--check")
