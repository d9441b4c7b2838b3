"""Configuration read from the environment, with the embedded defaults.

Every setting a deployment may change is read here and documented in docs/configuration.md.
Secrets that are not given are generated once and kept in the data folder, so that a fresh
machine starts with one command and keeps its sessions and hashes across restarts.
"""

from __future__ import annotations

import os
import secrets
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


def data_dir() -> Path:
    path = Path(env("SEALPOST_DATA_DIR", str(BASE_DIR / "data"))).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


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
