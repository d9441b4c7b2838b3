"""sealpost shred [--dry-run] [--days N]: remove the personal data of finished orders past the
retention period (sealpost.retention.services; docs/configuration.md, SEALPOST_RETENTION_DAYS)."""

from django.core.management.base import BaseCommand, CommandError

from sealpost.retention import services as retention


class Command(BaseCommand):
    help = (
        "Remove the personal data (names, addresses, e-mails, messages, remarks, signed files, download "
        "links) of finished orders in which nothing happened for SEALPOST_RETENTION_DAYS days. Verification "
        "records, statistics and the audit trail are kept. Safe to run again: a shredded order is never "
        "picked again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only count what would be removed")
        parser.add_argument("--days", type=int, default=None,
                            help="retention period in days (default: SEALPOST_RETENTION_DAYS)")
        parser.add_argument("--list", action="store_true", help="also print the order numbers")

    def handle(self, *args, **options):
        days = options["days"]
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1")
        report = retention.shred(dry_run=options["dry_run"], days=days)
        verb = "would shred" if report.dry_run else "shredded"
        self.stdout.write(
            f"{verb} {report.orders} orders finished before {report.cutoff.date().isoformat()}: "
            f"{report.recipients} recipients, {report.documents} documents ({report.files} files), "
            f"{report.links} download links, {report.scanned_forms} scanned forms"
        )
        if options["list"]:
            for number in report.numbers:
                self.stdout.write(number)
