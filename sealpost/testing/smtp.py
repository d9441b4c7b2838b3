"""A real SMTP server (aiosmtpd) on 127.0.0.1 that can be stopped (an outage) and started again,
and a handler that counts what it accepted."""

from __future__ import annotations

import asyncio
import email
import email.policy
import random
import threading

from sealpost.testing import free_port


class CountingMailbox:
    """aiosmtpd handler: accepts each message after a short random delay (so that a worker can
    be killed mid-send: a message whose sender vanished before "250 OK" is not kept, aiosmtpd
    cancels the handler) and keeps (recipients, Message-ID)."""

    def __init__(self, delay=(0.02, 0.2), seed=0):
        self.delay = delay
        self.random = random.Random(seed)
        self.messages: list[tuple[tuple[str, ...], str]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.random.uniform(*self.delay))
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((tuple(envelope.rcpt_tos), str(message["Message-ID"]).strip()))
        return "250 OK"

    def snapshot(self):
        with self.lock:
            return list(self.messages)


class SMTPServer:
    """A real SMTP server on a fixed port that can be stopped (an outage) and started again."""

    def __init__(self, mailbox: CountingMailbox):
        self.port = free_port()
        self.mailbox = mailbox
        self.controller = None

    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None
