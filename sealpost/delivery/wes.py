"""Delivering an order's documents to WES over SFTP.

One connection serves a batch (``Uploader``); a worker keeps its connection open between the
orders it uploads one by one (``upload_order_kept``, at most ``SEALPOST_WES_SFTP_KEEP_OPEN``
seconds idle). Every file is written as ``NAME.part`` (resumed
by appending when a previous attempt left a prefix), checked for size, then renamed with
``posix_rename``. A file already whole under its final name is skipped, so ``upload_order`` can
be called again after any failure. A re-upload with other content is an explicit action with
a new ``version`` (``_v2`` names and a new manifest); the final files of a version are never
overwritten. The server's host key is pinned in a known_hosts file: an unknown or changed key
is refused (``HostKeyRefused``). Key authentication only. See docs/wes.md.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import posixpath
import re
import socket
import threading
import time
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import paramiko
from django.conf import settings

from sealpost.privacy import redact

logger = logging.getLogger(__name__)

# Every name carries the order number: two orders for the same WES reference (an updated
# transcript after a new term) never share a name, so neither has to overwrite the other.
DEFAULT_FILE_TEMPLATE = "{wes_reference}_{family_name}_{given_name}_{order_number}_{document}_{language}.pdf"
DEFAULT_MANIFEST_TEMPLATE = "{wes_reference}_{order_number}_manifest.json"
MANIFEST_FORMAT = "sealpost-wes-manifest/1"


class WESError(Exception):
    """Delivery to WES failed; the message is for staff (technical, in English). ``code`` names
    the kind of failure, which the pages explain in the reader's language
    (delivery.models.WES_PROBLEMS)."""

    code = "error"


class WESNotConfigured(WESError):
    code = "not_configured"


class WESUnavailable(WESError):
    """The server could not be reached or the transfer broke off: try again later."""

    code = "unavailable"


class HostKeyRefused(WESError):
    """The server's host key is unknown or has changed: nothing was sent. Staff must check
    the new key with WES out of band before it is added to the known_hosts file."""

    code = "host_key"


class UploadMismatch(WESError):
    """The remote file is not what was sent (size or content); nothing was renamed."""

    code = "mismatch"


class RemoteConflict(WESError):
    """A different file already exists under a final name: re-upload as a new version."""

    code = "conflict"


def _setting(name: str, env: str, default=None):
    value = getattr(settings, name, None)
    if value in (None, ""):
        value = os.environ.get(env) or default
    return value


@dataclass(frozen=True)
class Config:
    host: str
    port: int
    username: str
    folder: str
    key_file: str
    known_hosts: str
    file_template: str = DEFAULT_FILE_TEMPLATE
    manifest_template: str = DEFAULT_MANIFEST_TEMPLATE
    timeout: float = 30.0

    @classmethod
    def from_settings(cls) -> "Config":
        url = _setting("WES_SFTP_URL", "SEALPOST_WES_SFTP_URL")
        key_file = _setting("WES_SFTP_KEY", "SEALPOST_WES_SFTP_KEY")
        known_hosts = _setting("WES_KNOWN_HOSTS", "SEALPOST_WES_KNOWN_HOSTS")
        missing = [n for n, v in (("SEALPOST_WES_SFTP_URL", url), ("SEALPOST_WES_SFTP_KEY", key_file),
                                  ("SEALPOST_WES_KNOWN_HOSTS", known_hosts)) if not v]
        if missing:
            raise WESNotConfigured("WES SFTP delivery is not configured: set " + ", ".join(missing) + ".")
        return cls.from_url(
            url, key_file=str(key_file), known_hosts=str(known_hosts),
            file_template=_setting("WES_FILE_TEMPLATE", "SEALPOST_WES_FILE_TEMPLATE", DEFAULT_FILE_TEMPLATE),
            manifest_template=_setting("WES_MANIFEST_TEMPLATE", "SEALPOST_WES_MANIFEST_TEMPLATE",
                                       DEFAULT_MANIFEST_TEMPLATE),
            timeout=float(_setting("WES_SFTP_TIMEOUT", "SEALPOST_WES_SFTP_TIMEOUT", 30)),
        )

    @classmethod
    def from_url(cls, url: str, **fields) -> "Config":
        """``sftp://user@host:port/folder`` (port 22 when left out; no password in the URL)."""
        parts = urlsplit(url)
        if parts.scheme != "sftp" or not parts.hostname or not parts.username:
            raise WESNotConfigured(f"SEALPOST_WES_SFTP_URL must look like sftp://user@host:port/folder, not {url!r}.")
        if parts.password:
            raise WESNotConfigured("SEALPOST_WES_SFTP_URL must not carry a password: key authentication only.")
        folder = unquote(parts.path) or "."
        return cls(host=parts.hostname, port=parts.port or 22, username=unquote(parts.username),
                   folder=folder, **fields)


# File names ---------------------------------------------------------------------------------


def _clean(value: str) -> str:
    """Letters, digits and dashes only: accents dropped, spaces become dashes."""
    value = unicodedata.normalize("NFKD", value or "").encode("ascii", "ignore").decode()
    value = re.sub(r"[^A-Za-z0-9-]+", "-", value.strip())
    return re.sub(r"-{2,}", "-", value).strip("-")


def split_name(name_en: str) -> tuple[str, str]:
    """'CHEN, TA-WEI' -> ('CHEN', 'TA-WEI'); without a comma the last word is the family name."""
    if "," in name_en:
        family, given = name_en.split(",", 1)
    else:
        words = name_en.split()
        family, given = (words[-1], " ".join(words[:-1])) if words else ("", "")
    return _clean(family) or "NA", _clean(given) or "NA"


def _versioned(name: str, version: int) -> str:
    if version < 1:
        raise ValueError("version starts at 1")
    if version == 1:
        return name
    stem, dot, ext = name.rpartition(".")
    return f"{stem}_v{version}.{ext}" if dot else f"{name}_v{version}"


def per_order(template: str) -> str:
    """The template, with ``{order_number}`` added before the extension when it has none: every
    name carries its order, so that a second order for the same WES reference never collides
    with (nor overwrites) the first one's files. See docs/wes.md."""
    if "{order_number}" in template:
        return template
    stem, dot, ext = template.rpartition(".")
    if dot and stem and "}" not in ext and "{" not in ext:
        return f"{stem}_{{order_number}}.{ext}"
    return template + "_{order_number}"


def _safe(name: str) -> str:
    """Whatever the template, a single file name: no separators, no dot-only names."""
    name = re.sub(r"[^A-Za-z0-9._-]", "-", name).lstrip(".")
    if not name:
        raise ValueError("empty file name")
    return name


def _fields(order) -> dict:
    if not order.wes_reference:
        raise WESError(f"Order {order.number} has no WES reference number.")
    family, given = split_name(order.name_en)
    return {"wes_reference": _clean(order.wes_reference), "family_name": family, "given_name": given,
            "order_number": _clean(order.number)}


def file_name(order, document, version: int = 1, template: str | None = None) -> str:
    template = per_order(template or _setting("WES_FILE_TEMPLATE", "SEALPOST_WES_FILE_TEMPLATE", DEFAULT_FILE_TEMPLATE))
    name = template.format(**_fields(order), document=_clean(document.document_type.replace("_", "-")),
                           language=_clean(document.language))
    return _safe(_versioned(name, version))


def manifest_name(order, version: int = 1, template: str | None = None) -> str:
    template = per_order(template or _setting("WES_MANIFEST_TEMPLATE", "SEALPOST_WES_MANIFEST_TEMPLATE",
                                              DEFAULT_MANIFEST_TEMPLATE))
    return _safe(_versioned(template.format(**_fields(order)), version))


def documents_of(order) -> list:
    """The order's issued documents that are sent: not revoked, in a stable order."""
    return list(order.issued_documents.filter(revoked_at__isnull=True).order_by("document_type", "language", "id"))


def _payloads(order, documents, version, template=None) -> list[tuple[str, object, bytes]]:
    out = []
    for document in documents:
        current = document.current_file
        if current is None:
            raise WESError(f"Document {document.verification_code} of order {order.number} has no file.")
        data = current.read()
        if hashlib.sha256(data).hexdigest() != current.sha256:
            raise WESError(f"Document {document.verification_code}: stored file does not match its SHA-256.")
        out.append((file_name(order, document, version, template), document, data))
    return out


def manifest(order, documents, version: int = 1, *, template: str | None = None,
             payloads: list | None = None) -> bytes:
    """The JSON manifest of one upload. Deterministic: the same order, documents and version
    give the same bytes, so a retried upload finds the manifest already whole."""
    payloads = payloads if payloads is not None else _payloads(order, documents, version, template)
    body = {
        "format": MANIFEST_FORMAT,
        "version": version,
        "order_number": order.number,
        "wes_reference": order.wes_reference,
        "applicant_name_en": order.name_en,
        "institution": getattr(settings, "INSTITUTION_NAME_EN", ""),
        "files": [
            {
                "name": name,
                "document_type": document.document_type,
                "language": document.language,
                "verification_code": document.verification_code,
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
                "issued_at": document.issued_at.isoformat(),
            }
            for name, document, data in payloads
        ],
    }
    return (json.dumps(body, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode()


# Transfer -----------------------------------------------------------------------------------


class _Refuse(paramiko.RejectPolicy):
    def missing_host_key(self, client, hostname, key):
        raise HostKeyRefused(
            f"The WES SFTP server {hostname} presented a host key that is not in the known_hosts file "
            f"({key.get_name()} {key.fingerprint}). Nothing was sent. Check the key with WES and add it "
            f"to the known_hosts file before trying again.")


def _load_key(path: str) -> paramiko.PKey:
    try:
        return paramiko.PKey.from_path(path)
    except (OSError, paramiko.SSHException, ValueError) as error:
        raise WESNotConfigured(f"Cannot read the WES SFTP private key {path}: {error}") from error


class Uploader:
    """One SSH connection and SFTP session for a batch of uploads::

        with Uploader() as uploader:
            uploader.upload_order(order)
    """

    def __init__(self, config: Config | None = None):
        self.config = config or Config.from_settings()
        self.client: paramiko.SSHClient | None = None
        self.sftp: paramiko.SFTPClient | None = None
        self.written: list[str] = []  # final names written during this session
        self.skipped: list[str] = []  # final names already whole on the server
        self.opened_at: float | None = None  # time.monotonic() when connected

    def __enter__(self) -> "Uploader":
        self.connect()
        return self

    def __exit__(self, *exc):
        self.close()

    def connect(self) -> None:
        c = self.config
        if not os.path.isfile(c.known_hosts):
            raise WESNotConfigured(f"The WES known_hosts file {c.known_hosts} does not exist.")
        pkey = _load_key(c.key_file)
        client = paramiko.SSHClient()
        client.load_host_keys(c.known_hosts)  # the only keys trusted: no system known_hosts
        client.set_missing_host_key_policy(_Refuse())
        try:
            client.connect(
                c.host, port=c.port, username=c.username, pkey=pkey, look_for_keys=False, allow_agent=False,
                timeout=c.timeout, banner_timeout=c.timeout, auth_timeout=c.timeout, channel_timeout=c.timeout,
            )
            sftp = client.open_sftp()
            sftp.get_channel().settimeout(c.timeout)
        except HostKeyRefused as error:
            client.close()
            logger.error("WES host key refused: %s", error)
            raise
        except paramiko.BadHostKeyException as error:
            client.close()
            refused = HostKeyRefused(
                f"The WES SFTP server {c.host}:{c.port} presented a host key different from the pinned one "
                f"(got {error.key.get_name()} {error.key.fingerprint}, expected {error.expected_key.fingerprint}). "
                f"Nothing was sent. This may be an attack or a key change at WES: confirm with WES before "
                f"updating the known_hosts file.")
            logger.error("WES host key refused: %s", refused)
            raise refused from error
        except paramiko.AuthenticationException as error:
            client.close()
            raise WESUnavailable(f"WES SFTP server {c.host}:{c.port} refused our key: {error}") from error
        except (paramiko.SSHException, OSError, EOFError, socket.timeout) as error:
            client.close()
            raise WESUnavailable(f"Cannot reach the WES SFTP server {c.host}:{c.port}: {error}") from error
        self.client, self.sftp = client, sftp
        self.opened_at = time.monotonic()

    def close(self) -> None:
        for thing in (self.sftp, self.client):
            try:
                if thing is not None:
                    thing.close()
            except Exception:  # closing a broken connection: nothing more to do
                pass
        self.sftp = self.client = None

    def _path(self, name: str) -> str:
        if "/" in name or "\\" in name or name in (".", ".."):
            raise ValueError(f"not a plain file name: {name!r}")
        return posixpath.join(self.config.folder, name)

    def _stat_size(self, path: str) -> int | None:
        try:
            return self.sftp.stat(path).st_size
        except FileNotFoundError:
            return None

    def _read(self, path: str, size: int) -> bytes:
        with self.sftp.open(path, "rb") as remote:
            remote.prefetch(size)
            return remote.read(size)

    def upload(self, name: str, data: bytes, *, verify: bool = True) -> bool:
        """Put ``data`` under ``name`` in the folder. Returns False if the file was already there
        whole (nothing written), True if it was written now."""
        if self.sftp is None:
            raise RuntimeError("Uploader is not connected: use it as a context manager")
        try:
            return self._upload(name, data, verify)
        except WESError:
            raise
        except (paramiko.SSHException, OSError, EOFError, socket.timeout) as error:
            raise WESUnavailable(f"Upload of {name} to WES broke off: {error}") from error

    def _upload(self, name, data, verify):
        final, part = self._path(name), self._path(name + ".part")
        size = self._stat_size(final)
        if size is not None:
            if size == len(data) and (not verify or self._read(final, size) == data):
                self.skipped.append(name)
                return False
            raise RemoteConflict(f"{name} already exists on the WES server with other content; "
                                 f"re-upload the order as a new version.")
        offset = self._stat_size(part) or 0
        if offset and (offset > len(data) or self._read(part, offset) != data[:offset]):
            self.sftp.remove(part)  # not a prefix of what we send: start over
            offset = 0
        if offset:
            logger.info("Resuming %s at byte %d of %d", name, offset, len(data))
            remote = self.sftp.open(part, "r+b")
            remote.seek(offset)
        else:
            remote = self.sftp.open(part, "wb")
        with remote:
            remote.set_pipelined(True)
            view = memoryview(data)
            for start in range(offset, len(data), 32768):
                remote.write(bytes(view[start:start + 32768]))
        written = self._stat_size(part)
        if written != len(data):
            self.sftp.remove(part)
            raise UploadMismatch(f"{name}: the server has {written} bytes, we sent {len(data)}; removed the .part file.")
        self.sftp.posix_rename(part, final)
        self.written.append(name)
        return True

    def upload_order(self, order, version: int = 1) -> list[str]:
        """Upload every issued document of the order, then its manifest. Returns the final names
        (documents first, the manifest last). Safe to call again after a failure."""
        documents = documents_of(order)
        if not documents:
            raise WESError(f"Order {order.number} has no issued documents to send.")
        payloads = _payloads(order, documents, version, self.config.file_template)
        names = []
        for name, _document, data in payloads:
            self.upload(name, data)
            names.append(name)
        data = manifest(order, documents, version, payloads=payloads)
        name = manifest_name(order, version, self.config.manifest_template)
        self.upload(name, data)
        names.append(name)
        return names


def upload_order(order, version: int = 1, config: Config | None = None) -> list[str]:
    """Upload one order through its own connection (see ``Uploader`` for batches)."""
    with Uploader(config) as uploader:
        return uploader.upload_order(order, version)


# A connection kept open between uploads ----------------------------------------------------
#
# Opening an SSH connection (key exchange, authentication, the SFTP session) costs about 90 ms
# of waiting; a graduation day's worker uploads an order every few seconds. So the connection
# of one upload is kept, in one slot per process, for the next, while it is alive, to the same
# server (the same Config, so the same pinned host key), has been idle less than
# keep_open_seconds() and open less than KEEP_AT_MOST_SECONDS. The worker's sweeper closes it
# once idle longer (close_idle). A kept connection that turns out dead when used (WES closed
# it, the network cut it) costs nothing: uploading is idempotent (.part, size check, rename;
# whole files skipped), so the order is uploaded again at once through a new connection.

KEEP_OPEN_SECONDS = 30.0
# However busy, a kept connection is replaced after this long: a host key removed from the
# known_hosts file, or a server moved, is noticed within ten minutes.
KEEP_AT_MOST_SECONDS = 600.0
_kept_lock = threading.Lock()
_kept: dict = {"uploader": None, "used_at": 0.0}


def keep_open_seconds() -> float:
    """SEALPOST_WES_SFTP_KEEP_OPEN: seconds an idle connection is kept (0: one per order)."""
    try:
        return max(float(_setting("WES_SFTP_KEEP_OPEN", "SEALPOST_WES_SFTP_KEEP_OPEN", KEEP_OPEN_SECONDS)), 0.0)
    except (TypeError, ValueError):
        return KEEP_OPEN_SECONDS


def _alive(uploader: Uploader) -> bool:
    transport = uploader.client.get_transport() if uploader.client is not None else None
    return transport is not None and transport.is_active()


def _take_kept(config: Config) -> Uploader | None:
    """The kept connection, taken out of the slot (no other thread can use or close it
    meanwhile), if it can serve ``config``; otherwise it is closed and None answered."""
    with _kept_lock:
        uploader, used_at = _kept["uploader"], _kept["used_at"]
        _kept["uploader"] = None
    if uploader is None:
        return None
    now = time.monotonic()
    if (uploader.config == config and _alive(uploader) and now - used_at < keep_open_seconds()
            and now - (uploader.opened_at or 0.0) < KEEP_AT_MOST_SECONDS):
        return uploader
    uploader.close()
    return None


def _keep(uploader: Uploader) -> None:
    uploader.written, uploader.skipped = [], []
    with _kept_lock:
        older, _kept["uploader"], _kept["used_at"] = _kept["uploader"], uploader, time.monotonic()
    if older is not None:  # another thread kept one meanwhile: one slot, the newer wins
        older.close()


def close_idle(now: float | None = None) -> bool:
    """Close the kept connection if it has been idle too long (called by the worker's sweeper,
    and with ``now=inf`` when the worker stops). True when one was closed."""
    now = time.monotonic() if now is None else now
    with _kept_lock:
        uploader = _kept["uploader"]
        if uploader is None or now - _kept["used_at"] < keep_open_seconds():
            return False
        _kept["uploader"] = None
    uploader.close()
    return True


def upload_order_kept(order, version: int = 1, config: Config | None = None) -> list[str]:
    """Upload one order through the process's kept connection where it can serve (see above),
    else through a new one, which is then kept. With keep_open_seconds() 0, ``upload_order``."""
    config = config or Config.from_settings()
    if keep_open_seconds() <= 0:
        return upload_order(order, version, config)
    uploader = _take_kept(config)
    if uploader is not None:
        try:
            names = uploader.upload_order(order, version)
        except WESUnavailable as error:  # it died while kept: once more through a new one
            logger.info("The kept WES connection was gone (%s); connecting again", redact(error))
            uploader.close()
            uploader = None
        except BaseException:
            uploader.close()
            raise
        else:
            _keep(uploader)
            return names
    uploader = Uploader(config)
    try:
        uploader.connect()
        names = uploader.upload_order(order, version)
    except BaseException:
        uploader.close()
        raise
    _keep(uploader)
    return names


__all__ = [
    "Config", "HostKeyRefused", "RemoteConflict", "UploadMismatch", "Uploader", "WESError",
    "WESNotConfigured", "WESUnavailable", "documents_of", "file_name", "manifest", "manifest_name",
    "split_name", "upload_order", "upload_order_kept",
]
