"""Any order printed as a filled-in form 2-07-3 (the registrar's paper form), as PDF: the portal's
and the desk's "form 2-07-3" download. An order's, so it lives with the orders; it is compiled
with Typst like the documents (documents.rendering), from its own template (typst/form_2073.typ)."""

from __future__ import annotations

import functools
import json
import threading
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import override

from sealpost.documents.types import DocumentLanguage, DocumentType
from sealpost.orders.labels import line_label

TEMPLATE = Path(__file__).parent / "typst" / "form_2073.typ"


@functools.cache
def _compiler():
    import typst

    # One compiler per process: fonts are loaded once (NOTES.md: ~14 ms reused, ~100 ms anew).
    return typst.Compiler(str(TEMPLATE), font_paths=[str(p) for p in settings.FONT_DIRS if Path(p).is_dir()])


def _both(label_zh: str, label_en: str) -> str:
    return label_zh if label_zh == label_en else f"{label_zh} {label_en}"


def _bilingual(choice_label) -> str:
    with override("zh-hant"):
        zh = str(choice_label)
    with override("en"):
        en = str(choice_label)
    return _both(zh, en)


def form_data(order) -> dict:
    from sealpost.orders.models import ApplicantType, Channel, Status

    created = timezone.localtime(order.created_at)
    free = settings.FREE_RECIPIENTS
    ordinal = {1: "1st", 2: "2nd", 3: "3rd"}.get(free + 1, f"{free + 1}th")
    return {
        "title": f"Form 2-07-3 {order.number}",
        "institution_zh": settings.INSTITUTION_NAME_ZH,
        "institution_en": settings.INSTITUTION_NAME_EN,
        "order_number": order.number,
        "date": f"中華民國{created.year - 1911}年{created.month}月{created.day}日 ({created:%Y-%m-%d})",
        "channel": _bilingual(Channel(order.channel).label),
        "status": _bilingual(Status(order.status).label),
        "applicant_type": _bilingual(ApplicantType(order.applicant_type).label),
        "student_number": order.student.student_number,
        "name_zh": order.name_zh or "—",
        "name_en": order.name_en,
        "phone": order.phone,
        "email": order.email,
        "documents": [
            {
                "name": _bilingual(DocumentType(doc.document_type).label),
                "language": _bilingual(DocumentLanguage(doc.language).label),
                "amount": next(
                    (l.amount for l in order.fee_lines.all() if l.kind == "document" and l.code == doc.document_type
                     and l.language == doc.language), 0),
            }
            for doc in order.documents.all()
        ],
        "recipients": [
            {"position": r.position, "email": r.email, "message": r.message or "—",
             "charge": 0 if r.position <= free else settings.RECIPIENT_FEE}
            for r in order.recipients.all()
        ],
        "first_charged": free + 1,
        "first_charged_ordinal": ordinal,
        "recipient_fee": settings.RECIPIENT_FEE,
        "max_recipients": settings.MAX_RECIPIENTS,
        "fee_lines": [
            {"label": _both(_in("zh-hant", line_label, l), _in("en", line_label, l)), "amount": l.amount}
            for l in order.fee_lines.all()
        ],
        "total": order.total,
        "wes_reference": order.wes_reference,
        "remarks": order.remarks or "—",
    }


def _in(language, fn, *args):
    with override(language):
        return str(fn(*args))


_lock = threading.Lock()  # a typst.Compiler serves one thread at a time


def render(order) -> bytes:
    data = json.dumps(form_data(order), ensure_ascii=False)
    with _lock:
        return _compiler().compile(sys_inputs={"data": data})
