"""sealpost reconcile FILE [--json]

Match the bank's daily reconciliation file to orders by virtual account and record the payments
(format: sealpost/payments/reconcile.py and docs/payments.md). Running a file again records
nothing twice. Exit status: 0 when every line was matched or already recorded; 1 when any line
was unmatched, had a mismatched amount, was refused or could not be read (the others are
recorded all the same); 2 when the file does not exist or cannot be read as a whole.
"""

import json as json_module
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sealpost.payments.reconcile import FileError, reconcile


class Command(BaseCommand):
    help = (
        "Match the bank's reconciliation file (CSV: virtual_account, amount, paid_at, bank_reference) "
        "to orders and record the payments; idempotent. Reports matched, already recorded, unmatched "
        "and mismatched lines. Exit status 1 when any line needs a person."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="the bank's CSV file")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, file, json: bool = False, **options):
        if not Path(file).is_file():
            raise CommandError(_("no such file: %(files)s") % {"files": file}, returncode=2)
        try:
            report = reconcile(file)
        except FileError as error:
            raise CommandError(str(error), returncode=2)
        if json:
            self.stdout.write(json_module.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(report.text(), ending="")
        if not report.ok:
            raise CommandError(_("some lines need attention: see the report above"), returncode=1)
