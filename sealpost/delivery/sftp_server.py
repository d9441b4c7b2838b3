"""A local stand-in for the WES SFTP server: a real asyncssh SFTP server on 127.0.0.1.

Used by the tests and the demo. It runs in a background thread with its own event loop,
serves one folder as its root (chroot), accepts only the one authorized public key, and
has test hooks to misbehave on command: ``fail_after_bytes`` drops the connection in the
middle of a write, ``drop_connections()`` drops every open connection now, ``pause()`` /
``resume()`` refuse new connections for a while (the port is closed), and
``rotate_host_key()`` makes it present another host key from then on. It records what the
clients did: ``opened_final`` (files opened for writing under a name not ending in ``.part``:
the client wrote a final name directly), ``renames`` (every rename, as client paths).

    server = LocalSFTPServer(Path("/tmp/wes"), authorized_key=Path("~/.ssh/id_ed25519.pub"))
    host, port = server.start()
    Path("known_hosts").write_text(server.host_key_line() + "\\n")
    ...
    server.stop()
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import asyncssh


class LocalSFTPServer:
    def __init__(self, root: Path, port: int = 0, *, authorized_key, host_key=None, username: str = "wes",
                 host: str = "127.0.0.1"):
        """``authorized_key``: the client's public key (an OpenSSH line, bytes, a path, or an
        asyncssh key). ``host_key``: a private key file path, an asyncssh key, or None to
        generate an Ed25519 key."""
        self.root = Path(root)
        self.host = host
        self.port = port
        self.username = username
        self.authorized_key = _public_key(authorized_key)
        self.host_key = _private_key(host_key) if host_key is not None else asyncssh.generate_private_key("ssh-ed25519")
        # Test hooks and observations; read and written from the test thread.
        self.fail_after_bytes: int | None = None  # drop the connection once this many bytes are written
        self.write_delay = 0.0  # seconds each write request takes (a slow link), for the fault suite
        self.bytes_written = 0
        self.password_attempts: list[str] = []
        self.auth_methods: list[str] = []
        self.connections = 0
        self.opened_final: list[str] = []  # opened for writing under a final name (not .part)
        self.renames: list[tuple[str, str]] = []
        self._live: set = set()  # open SSH connections, for drop_connections()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._listener = None

    # Life cycle -------------------------------------------------------------------------

    def start(self) -> tuple[str, int]:
        self.root.mkdir(parents=True, exist_ok=True)
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="local-sftp", daemon=True)
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        future.result(timeout=10)
        return self.host, self.port

    def stop(self) -> None:
        if not self._loop:
            return

        async def close():
            if self._listener:
                self._listener.close()
                await self._listener.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
        self._loop = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def host_key_line(self) -> str:
        """This server's line for a known_hosts file."""
        public = self.host_key.export_public_key("openssh").decode().split()
        name = self.host if self.port == 22 else f"[{self.host}]:{self.port}"
        return f"{name} {public[0]} {public[1]}"

    def rotate_host_key(self, new_key=None) -> None:
        """Present another host key to connections accepted from now on."""
        self.host_key = _private_key(new_key) if new_key is not None else asyncssh.generate_private_key("ssh-ed25519")
        if self._listener:
            self._loop.call_soon_threadsafe(lambda: self._listener.update(server_host_keys=[self.host_key]))

    def drop_connections(self) -> int:
        """Abort every open connection now (a network cut); answers how many."""
        live = list(self._live)
        for conn in live:
            self._loop.call_soon_threadsafe(conn.abort)
        return len(live)

    def pause(self) -> None:
        """Refuse new connections (the listening port is closed) until resume()."""
        async def close():
            if self._listener:
                self._listener.close()
                await self._listener.wait_closed()
                self._listener = None

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)

    def resume(self) -> None:
        """Listen again, on the same port."""
        if self._listener is None:
            asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=10)

    # Inside the server thread -----------------------------------------------------------

    def _run(self, ready):
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    async def _listen(self):
        owner = self

        class Server(asyncssh.SSHServer):
            def connection_made(self, conn):
                owner.connections += 1
                self._conn = conn
                owner._live.add(conn)

            def connection_lost(self, exc):
                owner._live.discard(getattr(self, "_conn", None))

            def begin_auth(self, username):
                return True

            def public_key_auth_supported(self):
                return True

            def validate_public_key(self, username, key):
                owner.auth_methods.append("publickey")
                return username == owner.username and key.public_data == owner.authorized_key.public_data

            # Advertised only so that an attempt would be seen; never accepted.
            def password_auth_supported(self):
                return True

            def validate_password(self, username, password):
                owner.auth_methods.append("password")
                owner.password_attempts.append(username)
                return False

        class SFTP(asyncssh.SFTPServer):
            def __init__(self, chan):
                super().__init__(chan, chroot=str(owner.root).encode())

            dropped = False

            def open(self, path, pflags, attrs):
                if pflags & asyncssh.FXF_WRITE and not path.endswith(b".part"):
                    owner.opened_final.append(path.decode("utf-8", "replace"))
                return super().open(path, pflags, attrs)

            def rename(self, oldpath, newpath):
                owner.renames.append((oldpath.decode("utf-8", "replace"), newpath.decode("utf-8", "replace")))
                return super().rename(oldpath, newpath)

            def posix_rename(self, oldpath, newpath):
                owner.renames.append((oldpath.decode("utf-8", "replace"), newpath.decode("utf-8", "replace")))
                return super().posix_rename(oldpath, newpath)

            def write(self, file_obj, offset, data):
                if self.dropped:  # requests already queued when the connection was dropped
                    raise asyncssh.SFTPConnectionLost("connection dropped by the test hook")
                limit = owner.fail_after_bytes
                if limit is not None and owner.bytes_written + len(data) >= limit:
                    keep = max(0, limit - owner.bytes_written)
                    if keep:
                        super().write(file_obj, offset, data[:keep])
                    file_obj.flush()
                    owner.bytes_written += keep
                    owner.fail_after_bytes = None  # fires once
                    self.dropped = True
                    self.connection.abort()
                    raise asyncssh.SFTPConnectionLost("connection dropped by the test hook")
                owner.bytes_written += len(data)
                if owner.write_delay:
                    async def slow(server=self):
                        await asyncio.sleep(owner.write_delay)
                        return asyncssh.SFTPServer.write(server, file_obj, offset, data)

                    return slow()
                return super().write(file_obj, offset, data)

        self._listener = await asyncssh.listen(
            self.host, self.port, server_host_keys=[self.host_key], server_factory=Server,
            sftp_factory=SFTP, allow_scp=False, login_timeout=10,
        )
        self.port = self._listener.get_port()


def _public_key(value):
    if isinstance(value, asyncssh.SSHKey):
        return value
    if isinstance(value, Path):
        return asyncssh.read_public_key(str(value))
    if isinstance(value, str) and not value.lstrip().startswith(("ssh-", "ecdsa-")):
        return asyncssh.read_public_key(value)
    return asyncssh.import_public_key(value)


def _private_key(value):
    if isinstance(value, asyncssh.SSHKey):
        return value
    return asyncssh.read_private_key(str(value))
