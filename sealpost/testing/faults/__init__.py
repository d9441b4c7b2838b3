"""The fault suite: a batch of orders goes through the real delivery pipeline while it is hurt.

Real servers on 127.0.0.1 and a real worker process:

- an SMTP server (aiosmtpd) that takes a little while to accept each message and counts what it
  accepted by recipient and by Message-ID; it is stopped for a while (an outage);
- the WES SFTP stand-in (the demo's, with the fault hooks of sealpost.testing.sftp) serving a
  folder on a tiny tmpfs of its own (when this process may mount one: root), which drops
  connections in the middle of uploads, refuses connections for a while, and whose disk is
  filled (ENOSPC) for a while;
- `python -m sealpost worker` subprocesses, each SIGKILLed at a random moment and started again.

Orders (issued, with stand-in PDF bytes of realistic sizes, some for WES) are released a few
at a time while the faults happen. At the end it checks that every order completed (every
recipient's e-mail recorded sent, every WES upload recorded uploaded), that the SMTP server got
exactly one message per recipient (duplicates are counted, and each one is matched with a
"delivery_uncertain" event: the documented at-least-once window), that every e-mail recorded
sent is at the server, that no WES file was written twice or directly under its final name,
that every final file on the SFTP server is whole (its SHA-256 is the document's or the
manifest's), and that no .part file is left.

    python -m sealpost.testing.faults                        # the full run: 40 orders, 10 kills (about a minute)
    python -m sealpost.testing.faults --orders 12 --kills 4  # shorter
    sealpost faults --orders 12 --kills 4                    # the same, through the sealpost command

The run uses a database and a data folder of its own (a temporary folder) unless
--database-url names one (a PostgreSQL database to use and overwrite: a test database only).
The test sealpost/delivery/tests/test_faults.py runs a short version against the test database.
The parts: plan.py (what to inject, and the figures), run.py (the run: orders, the worker,
the faults on a timeline), checks.py (what is checked at the end), __main__.py (the command
line); the servers and the small disk are in sealpost.testing. See docs/reliability.md.
"""
