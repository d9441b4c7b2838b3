"""`sealpost faults`: the fault suite (sealpost.testing.faults) in a process of its own, with a
database and data folder of its own: it never touches this installation's data.

The suite is test support, which the product never imports: this command only starts
``python -m sealpost.testing.faults`` with the options given (the same as running that)."""

import subprocess
import sys

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Run the fault suite: a batch of orders through real SMTP and SFTP servers and worker "
            "processes while they fail (kills, outages, dropped uploads, a full disk); prints the figures.")

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=40)
        parser.add_argument("--kills", type=int, default=10)
        parser.add_argument("--seed", type=int)
        parser.add_argument("--policy", choices=["resend", "hold"], default="resend")
        parser.add_argument("--keep", action="store_true")
        parser.add_argument("--issue", action="store_true",
                            help="Start from paid orders: the worker issues (renders, signs, stores) them too.")

    def handle(self, *args, orders, kills, seed=None, policy="resend", keep=False, issue=False, **options):
        argv = [sys.executable, "-m", "sealpost.testing.faults", "--orders", str(orders), "--kills", str(kills),
                "--policy", policy]
        if seed is not None:
            argv += ["--seed", str(seed)]
        if keep:
            argv.append("--keep")
        if issue:
            argv.append("--issue")
        if subprocess.run(argv).returncode:
            raise CommandError("The fault run found problems (see above).")
