"""Issued documents: what was issued to whom, the signed files, verification and revocation."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sealpost.documents.types import DocumentLanguage, DocumentType

# Verification codes: 16 characters of Crockford's base-32 alphabet (80 bits), shown in groups
# of four: XXXX-XXXX-XXXX-XXXX. Printed on every page and encoded in the QR code.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_verification_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def normalise_code(value: str) -> str:
    """Accept what people type: lower case, spaces, missing dashes, O for 0, I and L for 1."""
    raw = "".join(ch for ch in (value or "").upper() if ch.isalnum())
    raw = raw.translate(str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"}))
    if len(raw) != 16 or any(ch not in CODE_ALPHABET for ch in raw):
        return ""
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


class Document(models.Model):
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="issued_documents"
    )
    student = models.ForeignKey("records.Student", on_delete=models.PROTECT, related_name="documents")
    document_type = models.CharField(max_length=32, choices=DocumentType.choices)
    language = models.CharField(max_length=2, choices=DocumentLanguage.choices)
    verification_code = models.CharField(max_length=19, unique=True, default=new_verification_code)
    # The holder's name as printed, kept for the verification answer (shown partly masked).
    holder_name_zh = models.CharField(max_length=50, blank=True)
    holder_name_en = models.CharField(max_length=100)
    issued_at = models.DateTimeField(db_index=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    signature_level = models.CharField(max_length=8, default="B-LT")  # PAdES level
    demo = models.BooleanField(default=False)  # signed by the generated demo PKI
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(_("reason"), max_length=300, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-issued_at", "id"]
        constraints = [
            # One document of a kind per order: issuing twice returns the first.
            models.UniqueConstraint(
                fields=["order", "document_type", "language"], name="one_issued_document_per_kind",
                condition=models.Q(order__isnull=False),
            )
        ]

    def __str__(self):
        return self.verification_code

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def current_file(self):
        return self.files.order_by("-created_at", "-id").first()


class DocumentFile(models.Model):
    """One signed file of a document: as issued, then each renewal of its archival timestamp.
    Stored content-addressed: the name is the SHA-256 of the bytes."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Issued")
        ARCHIVE_RENEWAL = "archive_renewal", _("Archival timestamp renewed")

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="files")
    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ISSUED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def read(self) -> bytes:
        from sealpost.documents import storage

        return storage.get(self.sha256)
