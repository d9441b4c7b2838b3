"""Where signed files are kept: content-addressed (the name is the SHA-256 of the bytes), in
the data folder by default or in an S3-compatible bucket (settings.STORAGES["documents"])."""

from __future__ import annotations

import contextlib
import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import storages


def name_for(sha256: str) -> str:
    return f"documents/{sha256[:2]}/{sha256[2:4]}/{sha256}.pdf"


def put(data: bytes) -> str:
    """Store the bytes once; return their SHA-256. Storing the same bytes again is a no-op.

    A write that failed half-way (the disk full: ENOSPC; a process killed) must not leave a
    partial file under the final name, or the next put of the same bytes would find it "there"
    and keep it (Django's FileSystemStorage writes in place and leaves what it wrote): a failed
    save removes what it wrote, and a file found with the wrong size is replaced."""
    sha256 = hashlib.sha256(data).hexdigest()
    store = storages["documents"]
    name = name_for(sha256)
    if store.exists(name):
        if _size(store, name) == len(data):
            return sha256
        store.delete(name)  # a partial file left by an earlier failed write
    try:
        saved = store.save(name, ContentFile(data))
    except BaseException:
        with contextlib.suppress(Exception):
            if store.exists(name) and _size(store, name) != len(data):
                store.delete(name)
        raise
    if saved != name:  # another process stored the same bytes at the same moment
        store.delete(saved)
    return sha256


def _size(store, name: str) -> int | None:
    try:
        return store.size(name)
    except (OSError, NotImplementedError):
        return None


def get(sha256: str) -> bytes:
    with storages["documents"].open(name_for(sha256), "rb") as fh:
        data = fh.read()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise OSError(f"stored document {sha256[:12]}… does not match its hash")
    return data


def exists(sha256: str) -> bool:
    return storages["documents"].exists(name_for(sha256))
