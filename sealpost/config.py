"""Configuration read from the environment, with the embedded defaults.

Every setting a deployment may change is read here and documented in docs/configuration.md.
Secrets that are not given are generated once and kept in the data folder, so that a fresh
machine starts with one command and keeps its sessions and hashes across restarts.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value is not None else default


def data_modes() -> tuple[int, int]:
    """The modes of the data folder and of the SQLite database files: the service's user only
    (0700, 0600), or its group too with SEALPOST_DATA_GROUP_ACCESS (0770, 0660: the web server
    and the worker as two users, docs/signing.md). Never anyone else: they hold personal data,
    password hashes, session keys and the generated keys."""
    return (0o770, 0o660) if env_bool("SEALPOST_DATA_GROUP_ACCESS") else (0o700, 0o600)


def set_mode(path: Path, mode: int) -> None:
    """Give an existing file or folder of ours exactly ``mode`` (chmod is not subject to the
    umask). One made by an earlier version with wider permissions is tightened; a missing one,
    or another user's (which we may not change), is left alone."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) != mode:
        os.chmod(path, mode)


def data_dir() -> Path:
    path = Path(env("SEALPOST_DATA_DIR", str(BASE_DIR / "data"))).expanduser().resolve()
    mode = data_modes()[0]
    path.mkdir(mode=mode, parents=True, exist_ok=True)
    set_mode(path, mode)
    return path


def private_sqlite_files(name: str) -> None:
    """Create the SQLite database file with the data files' mode before SQLite opens it, and
    set that mode on it and on its -wal, -shm and -journal files when they exist.

    SQLite creates a missing database with 0666 less the umask (0644 usually), and its -wal,
    -shm and -journal with the database file's own mode: so a database created here, with the
    right mode, keeps them right too. Files an earlier version created are tightened."""
    if name in ("", ":memory:") or name.startswith("file:"):
        return
    mode = data_modes()[1]
    try:
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        pass
    except OSError:  # no such folder, or not writable: SQLite says so when it connects
        return
    else:
        os.fchmod(fd, mode)  # exactly the mode: the umask applies to os.open's
        os.close(fd)
    for path in (name, f"{name}-wal", f"{name}-shm", f"{name}-journal"):
        set_mode(Path(path), mode)


def kept_secret(name: str, filename: str) -> str:
    """Return the secret from the environment, or the one kept in the data folder.

    A missing file is created with a fresh random value readable only by its owner.
    """
    value = env(name)
    if value:
        return value
    path = data_dir() / filename
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    value = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value
