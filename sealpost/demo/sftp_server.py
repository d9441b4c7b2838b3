"""A local stand-in for the WES SFTP server: a real asyncssh SFTP server on 127.0.0.1.

The demo (``./dev start``) runs it so that WES uploads have somewhere to go. It runs in a
background thread with its own event loop, serves one folder as its root (chroot) and accepts
only the one authorized public key. The tests and the fault suite use a subclass with hooks to
make it misbehave and to see what the clients did (sealpost.testing.sftp).

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
        self.host_key = load_private_key(host_key) if host_key is not None else asyncssh.generate_private_key("ssh-ed25519")
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

    # Inside the server thread -----------------------------------------------------------

    def _run(self, ready):
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    def ssh_server(self) -> asyncssh.SSHServer:
        """A new SSH server object for one connection (asyncssh's server_factory)."""
        return KeyOnlySSHServer(self)

    def sftp_server(self, chan) -> asyncssh.SFTPServer:
        """A new SFTP session on ``chan`` (asyncssh's sftp_factory)."""
        return RootedSFTPServer(chan, self)

    async def _listen(self):
        self._listener = await asyncssh.listen(
            self.host, self.port, server_host_keys=[self.host_key], server_factory=self.ssh_server,
            sftp_factory=self.sftp_server, allow_scp=False, login_timeout=10,
        )
        self.port = self._listener.get_port()


class KeyOnlySSHServer(asyncssh.SSHServer):
    """Accepts one user with one public key; passwords are advertised (so that an attempt is
    seen) and never accepted."""

    def __init__(self, owner: LocalSFTPServer):
        self.local_server = owner

    def begin_auth(self, username):
        return True

    def public_key_auth_supported(self):
        return True

    def validate_public_key(self, username, key):
        return username == self.local_server.username and key.public_data == self.local_server.authorized_key.public_data

    def password_auth_supported(self):
        return True

    def validate_password(self, username, password):
        return False


class RootedSFTPServer(asyncssh.SFTPServer):
    """SFTP confined to the server's root folder."""

    def __init__(self, chan, owner: LocalSFTPServer):
        super().__init__(chan, chroot=str(owner.root).encode())
        self.local_server = owner


def _public_key(value):
    if isinstance(value, asyncssh.SSHKey):
        return value
    if isinstance(value, Path):
        return asyncssh.read_public_key(str(value))
    if isinstance(value, str) and not value.lstrip().startswith(("ssh-", "ecdsa-")):
        return asyncssh.read_public_key(value)
    return asyncssh.import_public_key(value)


def load_private_key(value):
    if isinstance(value, asyncssh.SSHKey):
        return value
    return asyncssh.read_private_key(str(value))
