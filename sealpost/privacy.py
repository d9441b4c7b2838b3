"""Keeping personal data out of text that leaves the database: log lines and error messages.

``redact`` replaces e-mail addresses, national-ID-shaped strings (a letter, then 1, 2, 8 or
9, then 8 digits) and the names of PDF and JSON files (WES file names carry the holder's name:
delivery.wes.file_name) with placeholders. Use it on any text that comes from outside (an SMTP or
SFTP server's error, an exception's message) before it is logged; sealpost's own log lines name
rows by id or number, never by a person's data (docs: security, "No personal data in logs").
"""

from __future__ import annotations

import re

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
NATIONAL_ID_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][1289]\d{8}(?!\d)")
FILE_RE = re.compile(r"[A-Za-z0-9._-]+\.(?:pdf|json)(?:\.part)?(?![A-Za-z0-9])")


def redact(text) -> str:
    text = EMAIL_RE.sub("<address>", str(text))
    text = FILE_RE.sub("<file>", text)
    return NATIONAL_ID_RE.sub("<id>", text)
