"""``sealpost audit verify`` and ``sealpost audit tail [-n N]``.

verify recomputes every entry's hash and follows the chain from the first entry to the last.
It prints ``intact: N entries`` and the hash of the last entry (keep it somewhere else to
prove later that nothing was rewritten since) and exits 0; or it names the first broken entry,
its time and action and why (hash mismatch, prev_hash mismatch, gap in the numbers, entries
removed from the end) and exits 1. It only reads: an auditor can run it with a database user
that may only SELECT.

tail prints the last entries, oldest first.
"""

from django.core.management.base import BaseCommand, CommandError, no_translations
from django.utils import timezone

from sealpost.audit.models import AuditEntry, canonical_json
from sealpost.audit.services import verify_chain

EXIT_INTACT, EXIT_BROKEN = 0, 1


class Command(BaseCommand):
    help = "Check the audit trail's hash chain (verify) or show its last entries (tail)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify,tail}")
        sub.add_parser("verify", help="Check that the hash chain is intact; exit 1 at the first broken entry.")
        tail = sub.add_parser("tail", help="Show the last entries, oldest first.")
        tail.add_argument("-n", "--lines", type=int, default=20, dest="lines", help="How many entries (default 20).")

    @no_translations  # the operator's console reads English, as the other commands do
    def handle(self, *args, subcommand, **options):
        if subcommand == "verify":
            return self.verify()
        return self.tail(max(options.get("lines") or 20, 1))

    def verify(self):
        result = verify_chain()
        if not result.ok:
            raise CommandError(
                f"{result.message}\n{result.count} entries before it are intact.", returncode=EXIT_BROKEN)
        self.stdout.write(f"intact: {result.count} entries")
        if result.count:
            self.stdout.write(f"last hash: {result.last_hash}")

    def tail(self, lines):
        entries = list(AuditEntry.objects.order_by("-seq")[:lines])
        for entry in reversed(entries):
            target = f"{entry.object_type}:{entry.object_id}" if entry.object_type or entry.object_id else "-"
            self.stdout.write("  ".join([
                f"{entry.seq:>8}", timezone.localtime(entry.at).isoformat(timespec="seconds"),
                entry.actor_label or "-", entry.action, target, canonical_json(entry.details),
            ]))
