"""A disk that fills up: a tmpfs of its own, for the fault suite's ENOSPC faults."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path


class SmallDisk:
    """A tmpfs of its own (``size`` bytes) at ``path`` when this process may mount one; else a
    plain folder, and the disk-full fault is not injected (``real`` is False)."""

    def __init__(self, path: Path, size: int = 32 * 1024 * 1024):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.real = False
        if os.geteuid() == 0:
            done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
                                  capture_output=True)
            self.real = done.returncode == 0
        self.ballast = path / ".ballast"

    def fill(self) -> int:
        """Write a ballast file until the disk is full (ENOSPC); answers its size."""
        written = 0
        with open(self.ballast, "wb") as out:
            chunk = b"\0" * 65536
            try:
                while True:
                    out.write(chunk)
                    out.flush()
                    written += len(chunk)
            except OSError:
                pass
        return written

    def free(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.ballast.unlink()

    def close(self) -> None:
        if self.real:
            subprocess.run(["umount", "-l", str(self.path)], capture_output=True)
            self.real = False
