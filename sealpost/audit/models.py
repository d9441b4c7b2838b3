"""The audit trail: an append-only list of entries, each carrying the SHA-256 of the one before.

Changing, removing or inserting an entry anywhere breaks the chain from there on, and
`sealpost audit verify` says where (sealpost.audit.services.verify_chain). The model refuses
to change or delete an entry; the database user of a production installation should hold only
INSERT and SELECT on the entry table, so that not even a bug or a stolen application password
can rewrite history without it showing (docs/audit.md).

Entries are written only by sealpost.audit.services.append, which numbers them without gaps
under a lock on AuditHead.
"""

from __future__ import annotations

import datetime
import hashlib
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The prev_hash of the first entry.
GENESIS = "0" * 64
HEAD_ID = 1


class AppendOnlyError(Exception):
    """An attempt to change or delete an audit entry."""


def canonical_json(value) -> str:
    """The one serialisation of a JSON value that is hashed: keys sorted, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def utc_iso(moment: datetime.datetime) -> str:
    """An aware time as ISO 8601 in UTC with microseconds: 2025-03-04T05:06:07.000008+00:00."""
    return moment.astimezone(datetime.timezone.utc).isoformat(timespec="microseconds")


def digest(*, seq, at, actor_id, actor_label, action, object_type, object_id, details, prev_hash) -> str:
    """The SHA-256 (hex) of one entry: every stored field but the hash itself, as canonical JSON."""
    payload = canonical_json({
        "v": 1,
        "seq": seq,
        "at": utc_iso(at),
        "actor": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "details": details,
        "prev_hash": prev_hash,
    })
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class AuditEntryQuerySet(models.QuerySet):
    def delete(self):
        raise AppendOnlyError("audit entries cannot be deleted")

    delete.queryset_only = True

    def update(self, **kwargs):
        raise AppendOnlyError("audit entries cannot be changed")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("audit entries cannot be changed")

    def bulk_create(self, *args, **kwargs):
        raise AppendOnlyError("audit entries are added one by one with sealpost.audit.services.append")


class AuditEntry(models.Model):
    seq = models.PositiveBigIntegerField(_("number"), unique=True)
    at = models.DateTimeField(_("time"))
    # Who did it. No database constraint and nothing done on deletion: the trail outlives
    # accounts, and clearing the column would change a hashed field. actor_label keeps who it was.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(_("by"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(max_length=32, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["action", "seq"], name="audit_action_seq"),
            models.Index(fields=["object_id", "seq"], name="audit_object_seq"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def compute_hash(self) -> str:
        return digest(
            seq=self.seq, at=self.at, actor_id=self.actor_id, actor_label=self.actor_label, action=self.action,
            object_type=self.object_type, object_id=self.object_id, details=self.details, prev_hash=self.prev_hash,
        )

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit entries cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries cannot be deleted")


class AuditHead(models.Model):
    """One row (id 1): the number and hash of the last entry. Appending locks it, so entries
    are numbered one after the other without gaps by any number of workers; verification
    compares it with the last entry, so that entries removed from the end are noticed too."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS)

    def __str__(self):
        return f"head #{self.seq} {self.hash[:12]}"
