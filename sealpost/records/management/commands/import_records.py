"""sealpost import-records FILE [FILE ...] [--kind students|grades|holds] [--dry-run]

Exit status: 0 when every row was imported (or would be, with --dry-run); 1 when any row,
sheet or file was rejected (the others are imported all the same); 2 when a file does not exist
(nothing is imported). The format is described in docs/import-format.md.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sealpost.records.importer import KINDS, import_files


class Command(BaseCommand):
    help = (
        "Import students, grades and holds from CSV, XLSX or JSON files exported by the student "
        "information system (format: docs/import-format.md). Rows are upserted by student number, "
        "semester, course and hold reference, so a file can be imported again safely. Exit status "
        "1 when any row was rejected."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="a .csv, .xlsx or .json file")
        parser.add_argument(
            "--kind", choices=KINDS, help="import only rows of this kind; a CSV file is read as this kind"
        )
        parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")

    def handle(self, *args, files, kind, dry_run, verbosity, **options):
        missing = [name for name in files if not Path(name).is_file()]
        if missing:
            raise CommandError(_("no such file: %(files)s") % {"files": ", ".join(missing)}, returncode=2)
        report = import_files(files, kind=kind, dry_run=dry_run, progress=verbosity > 0)
        for note in report.warnings:
            self.stdout.write(self.style.WARNING(_("warning: %(note)s") % {"note": note}))
        for note in report.rejections:
            self.stdout.write(self.style.ERROR(_("rejected: %(note)s") % {"note": note}))
        for line in report.summary():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(_("not everything was imported: see the lines marked “rejected” above"), returncode=1)
