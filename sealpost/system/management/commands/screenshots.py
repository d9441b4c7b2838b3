"""``sealpost screenshots``: redraw the manual's pictures from the real pages.

    sealpost screenshots                       # every picture, both languages
    sealpost screenshots --only 'order-*'      # some (shell patterns on the names; repeatable)
    sealpost screenshots --language en         # one language
    sealpost screenshots --keep                # keep the throwaway data folder to look at

It never touches your data: the command starts itself again in a temporary data folder (its own
SQLite database, mailbox, keys and WES stand-in), builds the demo school there and takes orders
through the real services (sealpost/system/screenshots/scenario.py), runs the site in a thread
and photographs the pages with Playwright on the system Chromium, signed in as the demo people,
in Traditional Chinese and in English (shots.py says which pages). Documents are pictured from
real issued PDFs with pdftoppm. The pictures go to sealpost/help/static/help/<language>/ as small
palette PNGs. Needs the development tools (Playwright; Pillow for the palette) and poppler-utils.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sealpost.help.manual import LANGUAGES, STATIC_DIR

CHILD = "SEALPOST_SCREENSHOTS_CHILD"
OUT = STATIC_DIR / "help"
# ECPay's published test merchant (docs/payments.md): the pages then offer "Pay online" as an
# installation with ECPay does. Nothing is sent to ECPay: no shot follows the button.
ECPAY_TEST = {"SEALPOST_ECPAY_MERCHANT_ID": "2000132", "SEALPOST_ECPAY_HASH_KEY": "5294y06JbISpM5x9",
              "SEALPOST_ECPAY_HASH_IV": "v77hoKGq4kWxNNIS"}
KEPT = {"SEALPOST_CHROMIUM", "SEALPOST_FONT_DIRS"}  # the rest of the environment's SEALPOST_* is left out


PORT = 8765  # a fixed port when free: the addresses in the pictures (e-mails) stay the same


def free_port() -> int:
    for port in (PORT, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise CommandError("No free port for the throwaway site.")


def child_environment(data: Path, port: int) -> dict:
    """The throwaway installation: its own folder and database, the demo's defaults, and the
    settings whose pages the manual shows (online payment, an officer's approval for rank
    certificates, the bank of the virtual accounts)."""
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith("SEALPOST_") or k in ("DATABASE_URL",)) or k in KEPT}
    env.update({
        CHILD: "1",
        "SEALPOST_DATA_DIR": str(data),
        "SEALPOST_BASE_URL": f"http://127.0.0.1:{port}",
        "SEALPOST_RATELIMIT_ENABLE": "false",
        "SEALPOST_APPROVAL_REQUIRED_FOR": "rank_certificate",
        "SEALPOST_VIRTUAL_ACCOUNT_BANK": "臺灣銀行 (004)",
        "SEALPOST_REGISTRAR_EMAIL": "registrar@demo-university.example.edu",
        "SEALPOST_MAIL_FROM": "registrar@demo-university.example.edu",
        "DJANGO_SETTINGS_MODULE": "sealpost.settings",
        # Playwright's sync API keeps an event loop in the main thread; the database calls there
        # (sessions, the PDFs) happen before and after it drives the browser.
        "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
        **ECPAY_TEST,
    })
    return env


class Command(BaseCommand):
    help = "Redraw the manual's screenshots and document pictures (sealpost/help/static/help/) from the demo data."

    def add_arguments(self, parser):
        parser.add_argument("--only", action="append", default=[], metavar="PATTERN",
                            help="Only the pictures whose name matches (e.g. 'desk-*'); repeatable.")
        parser.add_argument("--language", choices=LANGUAGES, action="append", default=[],
                            help="Only this language (repeatable; default both).")
        parser.add_argument("--out", default=str(OUT), help=f"Folder of the pictures (default {OUT}).")
        parser.add_argument("--keep", action="store_true", help="Keep the throwaway data folder and say where it is.")
        parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)  # the child's, from the parent

    def handle(self, *args, only, language, out, keep, port, **options):
        if os.environ.get(CHILD) != "1":
            return self.parent(only, language, out, keep)
        return self.child(only, language or list(LANGUAGES), Path(out), port)

    def parent(self, only, languages, out, keep):
        data = Path(tempfile.mkdtemp(prefix="sealpost-screenshots-"))
        port = free_port()
        command = [sys.executable, "-m", "sealpost", "screenshots", "--out", str(Path(out).resolve()),
                   "--port", str(port)]
        for pattern in only:
            command += ["--only", pattern]
        for code in languages:
            command += ["--language", code]
        started = time.monotonic()
        try:
            status = subprocess.run(command, env=child_environment(data, port)).returncode
        finally:
            if keep:
                self.stdout.write(f"Throwaway data folder kept: {data}")
            else:
                shutil.rmtree(data, ignore_errors=True)
        if status:
            raise CommandError(f"Some pictures could not be taken (exit status {status}); see above.")
        self.stdout.write(self.style.SUCCESS(f"Pictures redrawn in {time.monotonic() - started:.0f} s: {out}"))

    def child(self, only, languages, out, port):
        from django.conf import settings

        from sealpost.system.screenshots import capture, scenario

        started = time.monotonic()
        self.stdout.write(f"Building the demo school in {settings.DATA_DIR} …")
        world = scenario.build()
        self.stdout.write(f"  ready in {time.monotonic() - started:.0f} s; taking the pictures:")
        try:
            result = capture.run(world, out, settings.BASE_URL, port, languages, only or None, self.stdout.write)
        finally:
            scenario.stop(world)
        sizes = [p.stat().st_size for p in result.written]
        if sizes:
            self.stdout.write(f"{len(sizes)} pictures, {sum(sizes) // 1024} KB in all, the largest "
                              f"{max(sizes) // 1024} KB.")
        for failure in result.failed:
            self.stderr.write(f"FAILED {failure}")
        if result.failed:
            sys.exit(1)
