"""The local mailbox: the e-mail backend of the embedded default (no SMTP server configured).

Every message is written as one ``.eml`` file into ``settings.EMAIL_FILE_PATH`` (by default
``DATA_DIR/mailbox``), named by the time it was sent and a hash of its Message-ID, so that a
person can read it (the demo's ``/mailbox/`` page, or any mail program) and follow its links.
Files are written atomically: a reader never sees half a message.

    EMAIL_BACKEND = "sealpost.delivery.mailbox.MailboxBackend"
"""

from __future__ import annotations

import datetime
import email
import email.policy
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

NAME = re.compile(r"^[0-9]{8}T[0-9]{12}Z-[0-9a-f]{16}\.eml$")


def mailbox_dir() -> Path:
    return Path(getattr(settings, "EMAIL_FILE_PATH", None) or Path(settings.DATA_DIR) / "mailbox")


def _file_name(message_id: str, now: datetime.datetime) -> str:
    digest = hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()[:16]
    return f"{now:%Y%m%dT%H%M%S%f}Z-{digest}.eml"


def _write_atomic(folder: Path, name: str, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".eml")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o640)
        os.replace(temp, folder / name)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise


class MailboxBackend(BaseEmailBackend):
    """Writes each message as one .eml file into the mailbox folder."""

    def __init__(self, *args, file_path=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.folder = Path(file_path) if file_path else mailbox_dir()

    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        sent = 0
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            if not self.fail_silently:
                raise
            return 0
        for message in email_messages:
            if not message.recipients():
                continue
            try:
                mime = message.message()
                message_id = mime["Message-ID"] or ""
                now = datetime.datetime.now(datetime.timezone.utc)
                _write_atomic(self.folder, _file_name(str(message_id), now), mime.as_bytes())
                sent += 1
            except Exception:
                if not self.fail_silently:
                    raise
        return sent


# Reading ------------------------------------------------------------------------------------


@dataclass
class Mail:
    name: str
    subject: str
    sender: str
    to: list[str]
    date: datetime.datetime | None
    message_id: str = ""
    text: str = ""
    html: str = ""
    attachments: list[str] = field(default_factory=list)


def _parse(name: str, data: bytes) -> Mail:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    try:
        date = parsedate_to_datetime(msg["Date"]) if msg["Date"] else None
    except (TypeError, ValueError):
        date = None
    if date is not None and date.tzinfo is None:  # Django writes "-0000": UTC, zone unstated
        date = date.replace(tzinfo=datetime.timezone.utc)
    to = [str(a) for header in ("To", "Cc") for a in (msg.get_all(header) or [])]
    text = html = ""
    attachments = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        if part.get_content_disposition() == "attachment":
            attachments.append(part.get_filename() or "")
            continue
        kind = part.get_content_type()
        try:
            content = part.get_content()
        except (LookupError, ValueError):
            continue
        if kind == "text/plain" and not text:
            text = content
        elif kind == "text/html" and not html:
            html = content
    return Mail(name=name, subject=str(msg["Subject"] or ""), sender=str(msg["From"] or ""), to=to, date=date,
                message_id=str(msg["Message-ID"] or ""), text=text, html=html, attachments=attachments)


def list_messages(folder: Path | None = None) -> list[Mail]:
    """Every message in the mailbox, newest first."""
    folder = Path(folder) if folder else mailbox_dir()
    if not folder.is_dir():
        return []
    mails = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name, reverse=True):
        if not NAME.match(path.name):
            continue
        try:
            mails.append(_parse(path.name, path.read_bytes()))
        except OSError:
            continue
    return mails


def read_message(name: str, folder: Path | None = None) -> Mail | None:
    """One message by its file name, or None when there is no such message."""
    if not NAME.match(name or ""):
        return None
    path = (Path(folder) if folder else mailbox_dir()) / name
    try:
        return _parse(name, path.read_bytes())
    except OSError:
        return None
