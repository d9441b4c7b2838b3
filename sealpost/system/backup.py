"""Backups of an installation: the database and the document store, with a manifest of hashes.

    sealpost backup /backups/2026-11-26        # a new folder
    sealpost restore /backups/2026-11-26 --yes # puts it back (overwrites the database)

A backup folder holds:

- ``database.sqlite3`` (SQLite: a consistent copy taken with SQLite's online backup API while the
  service runs) or ``database.pgdump`` (PostgreSQL: ``pg_dump --format=custom``, restored with
  ``pg_restore --clean --if-exists --no-owner``);
- ``store/``: every file of the document store (signed PDFs, content-addressed: the name is the
  SHA-256 of the bytes);
- ``secrets/``: the data folder's ``secret-key``, ``id-hash-key`` and ``totp-key`` files and the
  ``pki/`` folder when they exist (without them the restored download links and national-ID hashes
  no longer match, staff TOTP secrets cannot be decrypted, and a demo PKI cannot sign). Keep the
  backup as safe as the server: it holds keys;
- ``manifest.json``: the SHA-256 and size of every file above, and counts of orders and documents.

The database is copied first, then the store: a document the copied database refers to was
stored before the transaction that recorded it committed, so it is in the copy. A restore checks
every hash in the manifest before it changes anything, and refuses a damaged backup.
See docs/reliability.md.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection, connections

FORMAT = "sealpost-backup/1"
SECRET_FILES = ("secret-key", "id-hash-key", "totp-key")


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why."""


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _store_names(store, folder: str = "documents") -> list[str]:
    """Every file name under ``folder`` in the storage (any backend with listdir)."""
    try:
        dirs, files = store.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []
    names = [f"{folder}/{name}" for name in files]
    for sub in dirs:
        names += _store_names(store, f"{folder}/{sub}")
    return sorted(names)


def _pg_env(db: dict) -> tuple[list[str], dict]:
    args = ["--host", db.get("HOST") or "localhost", "--port", str(db.get("PORT") or 5432),
            "--username", db.get("USER") or "postgres", "--dbname", db["NAME"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _counts() -> dict:
    from sealpost.documents.models import Document
    from sealpost.orders.models import Order

    return {"orders": Order.objects.count(), "documents": Document.objects.count()}


def backup(dest: Path, *, secrets: bool = True, log=lambda line: None) -> dict:
    """Write a backup into the folder ``dest`` (created; it must not hold anything). Answers the
    manifest."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty: choose a new folder for each backup.")
    dest.mkdir(parents=True, exist_ok=True)
    os.chmod(dest, 0o700)
    files: dict[str, dict] = {}

    def add(relative: str):
        path = dest / relative
        files[relative] = {"sha256": _sha256_file(path), "size": path.stat().st_size}

    # 1. The database, first (see the module's docstring).
    vendor = connection.vendor
    counts = _counts()
    if vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(dest / "database.sqlite3")
        try:
            connection.connection.backup(target)  # SQLite's online backup API: consistent while in use
        finally:
            target.close()
        add("database.sqlite3")
    elif vendor == "postgresql":
        args, env = _pg_env(connection.settings_dict)
        done = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dest / "database.pgdump"),
                               *args], env=env, capture_output=True, text=True)
        if done.returncode:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        add("database.pgdump")
    else:
        raise BackupError(f"No backup procedure for a {vendor} database.")
    log(f"database ({vendor}): {counts['orders']} orders, {counts['documents']} documents")

    # 2. The document store, through the storage API (a folder, or an S3 bucket).
    store = storages["documents"]
    names = _store_names(store)
    for name in names:
        path = dest / "store" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with store.open(name, "rb") as source, open(path, "wb") as out:
            shutil.copyfileobj(source, out)
        add(f"store/{name}")
    log(f"document store: {len(names)} files")

    # 3. The keys in the data folder.
    if secrets:
        data_dir = Path(settings.DATA_DIR)
        for name in SECRET_FILES:
            if (data_dir / name).is_file():
                (dest / "secrets").mkdir(exist_ok=True, mode=0o700)
                shutil.copy2(data_dir / name, dest / "secrets" / name)
                add(f"secrets/{name}")
        if (data_dir / "pki").is_dir():
            shutil.copytree(data_dir / "pki", dest / "secrets" / "pki")
            for path in sorted((dest / "secrets" / "pki").rglob("*")):
                if path.is_file():
                    add(str(path.relative_to(dest)))

    manifest = {
        "format": FORMAT, "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "database": vendor, "counts": counts, "files": files,
    }
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def check(src: Path) -> dict:
    """Read the manifest and check every file's hash; raise BackupError on the first fault."""
    src = Path(src)
    try:
        manifest = json.loads((src / "manifest.json").read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{src} holds no readable manifest.json: {error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    for relative, expected in manifest["files"].items():
        path = src / relative
        if not path.is_file():
            raise BackupError(f"{relative} is missing from the backup.")
        if path.stat().st_size != expected["size"] or _sha256_file(path) != expected["sha256"]:
            raise BackupError(f"{relative} does not match its SHA-256 in the manifest: the backup is damaged.")
    return manifest


def restore(src: Path, *, secrets: bool = True, log=lambda line: None) -> dict:
    """Put a backup back: the database (overwritten), the document store (missing or damaged
    files written again; files stored since the backup are left), the keys. Every hash is
    checked first. Answers counts of what was done."""
    src = Path(src)
    manifest = check(src)
    vendor = connection.vendor
    if manifest["database"] != vendor:
        raise BackupError(f"This backup is of a {manifest['database']} database; this installation uses {vendor}.")

    # 1. The database.
    if vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(src / "database.sqlite3")
        try:
            source.backup(connection.connection)  # replaces the live database's content, online
        finally:
            source.close()
    else:
        for alias in connections:
            connections[alias].close()
        args, env = _pg_env(connection.settings_dict)
        done = subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                               *args, str(src / "database.pgdump")], env=env, capture_output=True, text=True)
        if done.returncode:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
    log(f"database restored ({vendor}): {manifest['counts']['orders']} orders, "
        f"{manifest['counts']['documents']} documents")

    # 2. The document store.
    store = storages["documents"]
    written = kept = 0
    for relative, expected in manifest["files"].items():
        if not relative.startswith("store/"):
            continue
        name = relative[len("store/"):]
        if store.exists(name):
            with store.open(name, "rb") as handle:
                if hashlib.sha256(handle.read()).hexdigest() == expected["sha256"]:
                    kept += 1
                    continue
            store.delete(name)  # damaged or changed: the backup's copy is the right one
        saved = store.save(name, ContentFile((src / relative).read_bytes()))
        if saved != name:
            raise BackupError(f"could not store {name} under its own name (got {saved}).")
        written += 1
    log(f"document store: {written} files written again, {kept} already whole")

    # 3. The keys.
    restored_keys = 0
    if secrets and (src / "secrets").is_dir():
        data_dir = Path(settings.DATA_DIR)
        for relative in manifest["files"]:
            if relative.startswith("secrets/"):
                target = data_dir / relative[len("secrets/"):]
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src / relative, target)
                restored_keys += 1
    return {"written": written, "kept": kept, "keys": restored_keys, **manifest["counts"]}


def verify_store() -> list[str]:
    """Every stored document file the database names, read back and checked against its
    SHA-256: answers the problems found (empty when all is whole)."""
    from sealpost.documents import storage
    from sealpost.documents.models import DocumentFile

    problems = []
    for sha256 in DocumentFile.objects.values_list("sha256", flat=True).distinct():
        try:
            storage.get(sha256)
        except (OSError, FileNotFoundError) as error:
            problems.append(f"{sha256[:12]}…: {error}")
    return problems
