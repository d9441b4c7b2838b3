"""The fee for an order: a fee per document plus the recipient fee (seed: recipients 1 and 2
are free, NT$20 for each from the 3rd on, at most 10)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from sealpost.documents.types import DocumentType
from sealpost.orders.labels import line_label


@dataclass(frozen=True)
class Line:
    kind: str  # "document" | "recipient"
    code: str  # a document type, or "extra_recipient"
    language: str
    quantity: int
    unit_amount: int

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_amount

    @property
    def label(self) -> str:
        return line_label(self)


def document_fees() -> dict[str, int]:
    from sealpost.orders.models import DocumentFee

    fees = {t.value: DEFAULT_DOCUMENT_FEES[t.value] for t in DocumentType}
    fees.update(DocumentFee.objects.values_list("document_type", "amount"))
    return fees


# Used until the registrar sets its own fees (orders.DocumentFee).
DEFAULT_DOCUMENT_FEES = {
    DocumentType.TRANSCRIPT.value: 50,
    DocumentType.DEGREE_CERTIFICATE.value: 50,
    DocumentType.ENROLLMENT_CERTIFICATE.value: 30,
    DocumentType.RANK_CERTIFICATE.value: 50,
}


def recipient_fee(count: int) -> int:
    return max(0, count - settings.FREE_RECIPIENTS) * settings.RECIPIENT_FEE


def fee_lines(documents: list[tuple[str, str]], recipient_count: int, fees: dict[str, int] | None = None) -> list[Line]:
    """Lines for the given (document type, language) pairs and number of recipients."""
    fees = fees if fees is not None else document_fees()
    lines = [Line("document", doc_type, language, 1, fees[doc_type]) for doc_type, language in documents]
    extra = max(0, recipient_count - settings.FREE_RECIPIENTS)
    if extra:
        lines.append(Line("recipient", "extra_recipient", "", extra, settings.RECIPIENT_FEE))
    return lines


def total(lines: list[Line]) -> int:
    return sum(line.amount for line in lines)


def schedule() -> dict:
    """What the order form needs to compute the fee in the browser."""
    return {
        "documents": document_fees(),
        "free_recipients": settings.FREE_RECIPIENTS,
        "recipient_fee": settings.RECIPIENT_FEE,
        "max_recipients": settings.MAX_RECIPIENTS,
    }
