"""``sealpost renew-timestamps``: renew the archival timestamp of the PAdES B-LTA documents.

A B-LTA document stays verifiable for as long as its newest document timestamp does: before
that timestamp's certificate expires (or its hash algorithm weakens), a new one is laid over
it, with the validation data of the old one added to the file first. Run this from cron (for
example yearly, or with --older-than 300 monthly); see docs/signing.md.

For every document that is not revoked and was issued B-LTA (with --all: every document not
revoked, and a B-LT document becomes B-LTA), the current file is read from storage, renewed,
stored, and recorded as a new DocumentFile of kind "archive_renewal"; the file as issued and
every earlier renewal stay in storage.

Idempotent per run: each document is renewed at most once per run, a document whose current
file changed meanwhile (another run) is left alone, and --older-than skips documents whose
current file is recent, so that a run repeated after a crash only does what is left.
Exit status 1 when a document could not be renewed (the others are renewed all the same).

A command of the retention app, not of the documents engine it drives (documents.signing): it
keeps the documents verifiable for as long as they are kept, and skips those of orders whose
files ``sealpost shred`` removed, which the engine knows nothing of.
"""

from __future__ import annotations

import datetime
import logging
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone
from tqdm import tqdm

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Renew the archival (document) timestamp of every PAdES B-LTA document that is not revoked."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true",
            help="every document that is not revoked, also B-LT ones (which become B-LTA)",
        )
        parser.add_argument(
            "--older-than", type=float, default=0, metavar="DAYS",
            help="only documents whose current file is older than this many days (default: all)",
        )
        parser.add_argument("--limit", type=int, default=None, help="renew at most this many documents")

    def handle(self, *args, **options):
        include_all, older_than, limit = options["all"], options["older_than"], options["limit"]
        from sealpost.documents import signing, storage
        from sealpost.documents.models import Document, DocumentFile
        from sealpost.orders.events import SHREDDED

        # Documents of shredded orders have no file left to renew (sealpost shred).
        documents = Document.objects.filter(revoked_at__isnull=True).exclude(order__events__kind=SHREDDED).order_by("id")
        if not include_all:
            documents = documents.filter(signature_level="B-LTA")
        ids = list(documents.values_list("id", flat=True))
        if limit is not None:
            ids = ids[:limit]
        cutoff = timezone.now() - datetime.timedelta(days=older_than) if older_than > 0 else None

        renewed = skipped = failed = 0
        done: set[int] = set()
        progress = tqdm(ids, desc="renewing", unit="doc", disable=options.get("verbosity", 1) == 0 or not ids)
        for document_id in progress:
            if document_id in done:
                continue
            done.add(document_id)
            document = Document.objects.filter(pk=document_id, revoked_at__isnull=True).first()
            current = document.current_file if document else None
            if current is None or (cutoff is not None and current.created_at > cutoff):
                skipped += 1
                continue
            try:
                data = storage.get(current.sha256)
                fresh = signing.renew_archive_timestamp(data)
                sha256 = storage.put(fresh)
                with transaction.atomic():
                    locked = Document.objects.select_for_update().get(pk=document_id)
                    if locked.is_revoked or locked.current_file.pk != current.pk:
                        skipped += 1  # revoked or renewed by another run meanwhile
                        continue
                    DocumentFile.objects.create(
                        document=locked, sha256=sha256, size=len(fresh), kind=DocumentFile.Kind.ARCHIVE_RENEWAL
                    )
                    if locked.signature_level != "B-LTA":
                        locked.signature_level = "B-LTA"
                        locked.save(update_fields=["signature_level"])
                renewed += 1
            except IntegrityError:
                skipped += 1  # the same bytes are already recorded
            except Exception as error:  # noqa: BLE001 — one bad file must not stop the run
                failed += 1
                log.exception("could not renew the archival timestamp of document %s", document_id)
                progress.write(f"document {document_id}: {error}", file=sys.stderr)
        progress.close()
        self.stdout.write(f"renewed {renewed}, skipped {skipped}, failed {failed}")
        if failed:
            raise CommandError(f"{failed} document(s) could not be renewed; see the log.")
