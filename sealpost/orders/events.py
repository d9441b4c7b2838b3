"""How each kind of order event reads in the history."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "submitted": _("Order submitted"),
    "cancelled": _("Order cancelled"),
    "recipient_corrected": _("Recipient address corrected"),
    "wes_conflict": _("Different WES reference numbers found"),
    "unsupported_characters": _("Name contains characters the documents cannot print"),
    "issued": _("Documents issued and signed"),
    "demo_paid": _("Marked paid by the demonstration set-up"),
    "document_revoked": _("Document revoked"),
}


def label(kind: str) -> str:
    return LABELS.get(kind, kind)
