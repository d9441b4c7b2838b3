"""Fee lines and documents described in the active language. Kept apart from fees.py so that
the models (orders.FeeLine.label) and the fee arithmetic (fees.py, which reads the registrar's
fees from the models) both use it without importing each other."""

from __future__ import annotations

from django.conf import settings

from sealpost.documents.types import DocumentLanguage, DocumentType


def line_label(line) -> str:
    """A fee line described in the active language. Works for fees.Line and orders.FeeLine."""
    from django.utils.translation import gettext as _

    if line.kind == "recipient":
        first = settings.FREE_RECIPIENTS + 1
        return _("Recipients from no. %(first)d on (%(count)d × NT$%(fee)d)") % {
            "first": first, "count": line.quantity, "fee": line.unit_amount,
        }
    return document_label(line.code, line.language)


def document_label(doc_type: str, language: str) -> str:
    """E.g. "Transcript (English)" in the active language."""
    return f"{DocumentType(doc_type).label} ({DocumentLanguage(language).label})"
