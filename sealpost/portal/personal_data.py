"""An applicant's personal data, all of it, as JSON: the answer to an access request (PDPA
articles 3 and 10: a person may ask for a copy of the data held about them; a government agency
answers within 15 days).

Used by the applicant's own page (portal "My personal data") and by staff for a request made on
paper (`sealpost export-personal-data --email ... | --student-number ...`).

What is included: the account (never the password hash or the one-time-code secret); the linked
student record as the applicant sees it (the national ID is not held, only a keyed hash, which
says nothing and is not given out); every order of that account or of that student record
(orders keyed in from form 2-07-3 have no account), with the names, contact details, remarks,
documents ordered, fee, recipients and their messages, each delivery (when sent, when first
downloaded; never the link itself), the documents issued (verification code, dates,
revocation), the payment notice, payments, refunds, WES uploads and the order's history; and the
audit entries in which the account acted. Staff appear only by role, never by name or address:
their data is not the applicant's.

Only the data of the one account (and its own student record) is read: every query starts from
that account or that record.
"""

from __future__ import annotations

import datetime
import json

from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone

FORMAT = "sealpost-personal-data/1"


def _when(value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).isoformat()
    return value.isoformat()


def orders_of(user=None, student=None):
    """The orders of an account and of its (or the given) student record."""
    from sealpost.orders.models import Order

    student = student if student is not None else getattr(user, "student", None)
    condition = Q(pk__in=[])
    if user is not None and user.pk is not None:
        condition |= Q(applicant=user)
    if student is not None:
        condition |= Q(student=student)
    return Order.objects.filter(condition).distinct().order_by("created_at", "id")


def _actor(actor, user) -> str:
    if actor is None:
        return "system"
    if user is not None and actor.pk == user.pk:
        return "you"
    return str(getattr(actor, "role", "") or "staff")


def _account(user) -> dict | None:
    if user is None:
        return None
    return {
        "email": user.email,
        "name": user.full_name,
        "role": user.role,
        "language": user.language,
        "email_verified": user.email_verified,
        "active": user.is_active,
        "registered_at": _when(user.date_joined),
        "last_signed_in_at": _when(user.last_login),
        "api_tokens": [
            {"label": t.label, "created_at": _when(t.created_at), "last_used_at": _when(t.last_used_at),
             "expires_at": _when(t.expires_at)}
            for t in user.api_tokens.order_by("created_at", "id")
        ],
    }


def _student(student) -> dict | None:
    if student is None:
        return None
    return {
        "student_number": student.student_number,
        "name_zh": student.name_zh,
        "name_en": student.name_en,
        "date_of_birth": _when(student.date_of_birth),
        "national_id": "not stored: only a keyed hash is kept, to match it when you link your record",
        "international_student": student.international,
        "department_zh": student.department_zh,
        "department_en": student.department_en,
        "programme": student.programme,
        "degree_zh": student.degree_zh,
        "degree_en": student.degree_en,
        "status": student.status,
        "admitted_on": _when(student.admitted_on),
        "graduated_on": _when(student.graduated_on),
        "left_on": _when(student.left_on),
        "holds": [
            {"reason": h.reason, "office": h.office, "placed_on": _when(h.placed_on), "released_at": _when(h.released_at)}
            for h in student.holds.order_by("placed_on", "id")
        ],
    }


def _order(order, user) -> dict:
    from sealpost.orders.events import is_shredded

    notice = getattr(order, "payment_notice", None) if hasattr(order, "payment_notice") else None
    return {
        "number": order.number,
        "status": order.status,
        "applicant_type": order.applicant_type,
        "channel": order.channel,
        "placed_at": _when(order.created_at),
        "name_zh": order.name_zh,
        "name_en": order.name_en,
        "phone": order.phone,
        "email": order.email,
        "remarks": order.remarks,
        "language": order.language,
        "wes_reference": order.wes_reference_input or order.wes_reference,
        "total": order.total,
        "currency": order.currency,
        "personal_data_removed": is_shredded(order),
        "documents_ordered": [{"type": d.document_type, "language": d.language} for d in order.documents.all()],
        "fee": [
            {"kind": f.kind, "code": f.code, "language": f.language, "quantity": f.quantity, "amount": f.amount}
            for f in order.fee_lines.all()
        ],
        "recipients": [
            {
                "position": r.position,
                "email": r.email,
                "message": r.message,
                "deliveries": [
                    {"state": d.state, "attempts": d.attempts, "sent_at": _when(d.sent_at),
                     "first_downloaded_at": _when(d.first_downloaded_at), "resend": d.resend_of_id is not None}
                    for d in r.deliveries.order_by("created_at", "id")
                ],
            }
            for r in order.recipients.all()
        ],
        "documents_issued": [
            {"verification_code": d.verification_code, "type": d.document_type, "language": d.language,
             "holder_name_zh": d.holder_name_zh, "holder_name_en": d.holder_name_en, "issued_at": _when(d.issued_at),
             "revoked_at": _when(d.revoked_at), "revocation_reason": d.revoked_reason}
            for d in order.issued_documents.order_by("issued_at", "id")
        ],
        "payment_notice": None if notice is None else {
            "amount": notice.amount, "virtual_account": notice.virtual_account, "pay_by": _when(notice.due_date),
            "sent_at": _when(notice.sent_at),
        },
        "payments": [
            {"method": p.method, "amount": p.amount, "reference": p.reference, "received_at": _when(p.received_at)}
            for p in order.payments.all()
        ],
        "refunds": [{"amount": r.amount, "reason": r.reason, "at": _when(r.at)} for r in order.refunds.all()],
        "wes_uploads": [
            {"version": w.version, "state": w.state, "uploaded_at": _when(w.uploaded_at),
             "confirmed_at": _when(w.confirmed_at)}
            for w in order.wes_submissions.order_by("version")
        ],
        "history": [
            {"at": _when(e.at), "event": e.kind, "from": e.from_status, "to": e.to_status,
             "by": _actor(e.actor, user), "details": e.details}
            for e in order.events.select_related("actor").order_by("at", "id")
        ],
    }


def _audit(user) -> list[dict]:
    from sealpost.audit.models import AuditEntry

    if user is None:
        return []
    return [
        {"seq": e.seq, "at": _when(e.at), "action": e.action, "object_type": e.object_type, "object": e.object_id,
         "details": e.details}
        for e in AuditEntry.objects.filter(actor_id=user.pk).order_by("seq")
    ]


def collect(*, user=None, student=None) -> dict:
    """Everything held about one applicant (module docstring). ``user``: the account (its
    linked record is included); ``student``: a student record (for a record without an
    account, or to name it explicitly)."""
    if student is None and user is not None:
        student = user.student
    orders = orders_of(user, student).select_related("student").prefetch_related(
        "documents", "fee_lines", "recipients__deliveries", "issued_documents", "payments", "refunds",
        "wes_submissions")
    return {
        "format": FORMAT,
        "generated_at": _when(timezone.now()),
        "controller": _controller(),
        "account": _account(user),
        "student_record": _student(student),
        "orders": [_order(order, user) for order in orders],
        "audit_trail": _audit(user),
    }


def _controller() -> dict:
    from django.conf import settings

    return {
        "name_zh": getattr(settings, "INSTITUTION_NAME_ZH", ""),
        "name_en": getattr(settings, "INSTITUTION_NAME_EN", ""),
        "contact": getattr(settings, "REGISTRAR_EMAIL", ""),
    }


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)


def json_response(data: dict, filename: str) -> HttpResponse:
    response = HttpResponse(dumps(data), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
