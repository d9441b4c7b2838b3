"""The WES stand-in (sealpost.demo.sftp_server) with test hooks: it misbehaves on command and
records what the clients did.

Hooks: ``fail_after_bytes`` drops the connection in the middle of a write, ``write_delay`` makes
every write request take a while (a slow link), ``drop_connections()`` drops every open
connection now, ``pause()`` / ``resume()`` refuse new connections for a while (the port is
closed), and ``rotate_host_key()`` makes it present another host key from then on.
Observations: ``connections`` (how many were accepted), ``auth_methods`` and
``password_attempts``, ``bytes_written``, ``opened_final`` (files opened for writing under a
name not ending in ``.part``: the client wrote a final name directly), ``renames`` (every
rename, as client paths).
"""

from __future__ import annotations

import asyncio

import asyncssh

from sealpost.demo.sftp_server import KeyOnlySSHServer, LocalSFTPServer, RootedSFTPServer, load_private_key


class FaultySFTPServer(LocalSFTPServer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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

    def ssh_server(self) -> asyncssh.SSHServer:
        return _ObservedSSHServer(self)

    def sftp_server(self, chan) -> asyncssh.SFTPServer:
        return _FaultySFTPSession(chan, self)

    def rotate_host_key(self, new_key=None) -> None:
        """Present another host key to connections accepted from now on."""
        self.host_key = load_private_key(new_key) if new_key is not None else asyncssh.generate_private_key("ssh-ed25519")
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


class _ObservedSSHServer(KeyOnlySSHServer):
    local_server: FaultySFTPServer

    def connection_made(self, conn):
        self.local_server.connections += 1
        self._conn = conn
        self.local_server._live.add(conn)

    def connection_lost(self, exc):
        self.local_server._live.discard(getattr(self, "_conn", None))

    def validate_public_key(self, username, key):
        self.local_server.auth_methods.append("publickey")
        return super().validate_public_key(username, key)

    def validate_password(self, username, password):
        self.local_server.auth_methods.append("password")
        self.local_server.password_attempts.append(username)
        return super().validate_password(username, password)


class _FaultySFTPSession(RootedSFTPServer):
    local_server: FaultySFTPServer
    dropped = False

    def open(self, path, pflags, attrs):
        if pflags & asyncssh.FXF_WRITE and not path.endswith(b".part"):
            self.local_server.opened_final.append(path.decode("utf-8", "replace"))
        return super().open(path, pflags, attrs)

    def rename(self, oldpath, newpath):
        self.local_server.renames.append((oldpath.decode("utf-8", "replace"), newpath.decode("utf-8", "replace")))
        return super().rename(oldpath, newpath)

    def posix_rename(self, oldpath, newpath):
        self.local_server.renames.append((oldpath.decode("utf-8", "replace"), newpath.decode("utf-8", "replace")))
        return super().posix_rename(oldpath, newpath)

    def write(self, file_obj, offset, data):
        owner = self.local_server
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
