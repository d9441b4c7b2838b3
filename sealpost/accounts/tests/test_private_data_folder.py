"""The data folder and the SQLite database are the service's user's only (finding 1): they hold
staff TOTP secrets, session keys, password hashes and personal data. Each case runs sealpost in
a subprocess under umask 022 (the usual default, which made them 0755 and 0644) and reads the
modes while its database connection is open: SQLite removes -wal and -shm when the last one
closes."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]

PROBE = """
import json, os, stat
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS probe (x integer)")
    cursor.execute("INSERT INTO probe VALUES (1)")
db = settings.DATABASES["default"]["NAME"]
paths = {"folder": settings.DATA_DIR, "database": db, "wal": db + "-wal", "shm": db + "-shm",
         "totp-key": settings.DATA_DIR / "totp-key"}
print(json.dumps({name: oct(stat.S_IMODE(os.stat(path).st_mode)) for name, path in paths.items()}))
"""


def modes_seen_by_sealpost(data: Path, **env) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SEALPOST_", "DJANGO_", "DATABASE_URL"))}
    environment.update({"SEALPOST_DATA_DIR": str(data), **env})
    result = subprocess.run([sys.executable, "-m", "sealpost", "shell", "-v", "0", "-c", PROBE], env=environment,
                            umask=0o022, capture_output=True, text=True, timeout=120, cwd=PACKAGE.parent)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


PRIVATE = {"folder": "0o700", "database": "0o600", "wal": "0o600", "shm": "0o600", "totp-key": "0o600"}


def test_a_new_data_folder_and_database_are_the_owners_only(tmp_path):
    assert modes_seen_by_sealpost(tmp_path / "new" / "data") == PRIVATE


def test_an_existing_readable_folder_and_database_are_made_private(tmp_path):
    """As an earlier version left them: folder 0755, database, -wal and -shm 0644 (here while
    another process still has the database open, as a running worker would)."""
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    database = data / "sealpost.sqlite3"
    old = sqlite3.connect(database)
    try:
        old.execute("PRAGMA journal_mode=WAL")
        old.execute("CREATE TABLE earlier (x integer)")
        old.commit()
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            os.chmod(path, 0o644)
        assert modes_seen_by_sealpost(data) == PRIVATE
    finally:
        old.close()


def test_group_access_when_web_and_worker_run_as_two_users(tmp_path):
    """SEALPOST_DATA_GROUP_ACCESS (docs/signing.md: the web server and the signing worker as two
    users of one group) lets the group in, and still nobody else. The kept keys stay the owner's
    (two users give both processes the keys in their environment)."""
    modes = modes_seen_by_sealpost(tmp_path / "data", SEALPOST_DATA_GROUP_ACCESS="1")
    assert modes == {"folder": "0o770", "database": "0o660", "wal": "0o660", "shm": "0o660", "totp-key": "0o600"}
