"""Support for the tests, the fault suite and the benchmarks: servers that can be stopped or
made to misbehave, a small disk that fills up, the fault suite itself.

Nothing in the product imports this package (it is not an installed app); it imports the
product. The fault suite runs as ``python -m sealpost.testing.faults`` (docs/reliability.md).
"""

import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
