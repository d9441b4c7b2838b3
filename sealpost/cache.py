"""The cache of the embedded default: files in the data folder, shared by every web process.

Rate limits and sign-in lockouts count in the cache, so the cache must be shared by all web
processes and its add() and incr() must be atomic. Django's FileBasedCache is shared between
the processes of one machine but not atomic (incr is a read and a write), and its database
cache is neither atomic nor cheap on SQLite's single writer. This subclass takes an exclusive
lock on a file in the cache folder around add() and incr(), which makes them atomic between the
processes of one machine: enough for the one-machine default. Deployments on several machines
set SEALPOST_REDIS_URL and use Redis instead (sealpost/settings.py).
Written by hand: no maintained package offers a process-safe counting file cache.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import time
import zlib
from contextlib import contextmanager

from django.core.cache.backends.filebased import FileBasedCache


class LockedFileBasedCache(FileBasedCache):
    @contextmanager
    def _locked(self):
        os.makedirs(self._dir, 0o700, exist_ok=True)
        with open(os.path.join(self._dir, ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def add(self, key, value, timeout=None, version=None):
        with self._locked():
            return super().add(key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        """Add delta to a number, keeping its expiry (Django's incr would reset it to the
        default timeout, stretching a rate-limit window)."""
        with self._locked():
            fname = self._key_to_file(key, version)
            try:
                with open(fname, "rb") as f:
                    expiry = pickle.load(f)
                    value = pickle.loads(zlib.decompress(f.read()))
            except (FileNotFoundError, EOFError):
                expiry, value = 0, None
            now = time.time()
            if value is None or (expiry is not None and expiry < now):
                raise ValueError(f"Key '{key}' not found")
            value += delta
            # Remove the old file first: set() writes a temporary file and renames it into
            # place, and a rename that replaces a file makes ext4 write the new file to disk
            # first (auto_da_alloc), about 4 ms under this lock, which capped every rate-limited
            # page at some 250 requests a second per machine (bench/web.py). Without it the
            # incr takes 0.3 ms. Counting happens under the lock, so no other count is lost.
            try:
                os.unlink(fname)
            except FileNotFoundError:
                pass
            self.set(key, value, None if expiry is None else max(expiry - now, 0.001), version)
            return value
