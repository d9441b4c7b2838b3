"""The document store on a full disk: a real tmpfs of 256 KB (when the tests run as root and may
mount one), else skipped. A failed write leaves no partial file that a later write would take
for the whole one. (The SFTP server's disk filling up is part of the fault suite: test_faults.)"""

import hashlib
import os
import subprocess

import pytest

from sealpost.documents import storage


@pytest.fixture
def small_store(tmp_path, settings):
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)],
                                          capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (not root)")
    settings.STORAGES = {**settings.STORAGES, "documents": {
        **settings.STORAGES["documents"], "OPTIONS": {**settings.STORAGES["documents"]["OPTIONS"], "location": str(disk)}}}
    from django.core.files.storage import storages

    storages._storages.pop("documents", None)
    yield disk
    storages._storages.pop("documents", None)
    subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def files_in(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_a_write_that_fills_the_disk_leaves_no_partial_file(small_store):
    data = b"%PDF-1.7 " + os.urandom(400_000)  # more than the disk holds
    with pytest.raises(OSError) as raised:
        storage.put(data)
    assert raised.value.errno == 28  # ENOSPC, from the real file system
    assert files_in(small_store) == []
    assert not storage.exists(hashlib.sha256(data).hexdigest())

    smaller = data[:150_000]  # room again (the disk "freed"): stored whole, reads back by hash
    sha256 = storage.put(smaller)
    assert storage.get(sha256) == smaller


def test_a_partial_file_left_by_a_killed_writer_is_replaced(small_store):
    data = b"%PDF-1.7 " + os.urandom(50_000)
    sha256 = hashlib.sha256(data).hexdigest()
    partial = small_store / storage.name_for(sha256)
    partial.parent.mkdir(parents=True)
    partial.write_bytes(data[:20_000])  # what a process killed mid-write left
    assert storage.put(data) == sha256
    assert storage.get(sha256) == data
