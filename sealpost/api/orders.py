"""Orders through the API: place one, read one.

The views are thin: the order is checked by the forms of the web portal (orders.forms) and
placed by the same service (orders.services.place_order), so an order placed here is exactly
one the portal would have accepted.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Router, Status

from sealpost.accounts.models import Role
from sealpost.api.errors import ApiError, Errors, invalid
from sealpost.api.schemas import ErrorOut, OrderIn, OrderOut
from sealpost.documents import fonts
from sealpost.orders import labels, validation
from sealpost.orders.forms import OrderForm, recipient_formset_class
from sealpost.orders.models import Channel, Order
from sealpost.orders.services import Draft, place_order
from sealpost.records.models import Student

router = Router(tags=["orders"])

# Staff who may place orders; auditors only read.
ORDERING_STAFF = {Role.CLERK, Role.OFFICER}

RECIPIENTS_PREFIX = "recipients"


@router.post(
    "/orders",
    response={201: OrderOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    operation_id="create_order",
    summary="Place an order",
    description=(
        "Checks the order exactly as the web order form does and places it (status submitted). "
        "An applicant orders for the student record linked to their account; a registrar clerk or "
        "officer for any student number. The answer gives the order number, the fee with its "
        "lines, the WES reference found and any warnings. Invalid input answers 422 naming every "
        "field at fault."
    ),
)
def create_order(request, payload: OrderIn):
    user = request.auth
    errors: Errors = {}
    student = _student_for(user, payload.student_number, errors)
    language = _message_language(payload.language, errors)

    form = OrderForm(_order_form_data(payload), student=student)
    formset = recipient_formset_class()(
        _recipient_formset_data(payload), prefix=RECIPIENTS_PREFIX,
        # A blank recipient is an error here, not a blank row of the web form to skip.
        form_kwargs={"empty_permitted": False},
    )
    form_valid, formset_valid = form.is_valid(), formset.is_valid()
    _add_form_errors(errors, form)
    _add_formset_errors(errors, formset)
    duplicate = _duplicate_documents(payload)
    if duplicate:
        errors.setdefault("documents", []).append(duplicate)
    if errors or not (form_valid and formset_valid):
        raise invalid(errors)

    draft = Draft.from_forms(form, formset, language=language)
    order = place_order(
        student=student, draft=draft, applicant=getattr(student, "account", None) if user.is_staff_member else user,
        actor=user, channel=Channel.ONLINE,
    )
    return Status(201, order_out(_load(order.number)))


@router.get(
    "/orders/{number}",
    response={200: OrderOut, 401: ErrorOut, 404: ErrorOut},
    operation_id="get_order",
    summary="Read an order",
    description=(
        "The order with its fee, documents, recipients, WES reference and history. Only its "
        "applicant and registrar staff may read it; anyone else gets 404, as for a number that "
        "does not exist."
    ),
)
def get_order(request, number: str):
    user = request.auth
    order = _load(number.strip().upper())
    if order is None or not (user.is_staff_member or (order.applicant_id and order.applicant_id == user.pk)):
        raise ApiError(404, _("There is no order with this number that you may see."))
    return order_out(order)


# --- placing -------------------------------------------------------------------------------


def _student_for(user, student_number, errors: Errors):
    """The student the order is for; raises 403 when the user may not order for it, and adds
    an error for student_number when staff name none or an unknown one."""
    number = (student_number or "").strip()
    if user.is_staff_member:
        if user.role not in ORDERING_STAFF:
            raise ApiError(403, _("Your role can read orders but not place them."))
        if not number:
            errors["student_number"] = [_("This field is required.")]
            return None
        student = Student.objects.filter(student_number__iexact=number).first()
        if student is None:
            # The desk's form 2-07-3 says the same (orders.forms.DeskOrderForm).
            errors["student_number"] = [_("No student record has this student number.")]
        return student
    own = user.student
    if own is None:
        raise ApiError(
            403, _("Your account is not linked to a student record."),
            {"student_number": [_("Link your student record to your account before ordering documents.")]},
        )
    if number and number.upper() != own.student_number.upper():
        raise ApiError(
            403, _("You may order documents only for your own student record."),
            {"student_number": [_("This is not the student number of the record linked to your account.")]},
        )
    return own


def _message_language(value, errors: Errors) -> str:
    if value is None:
        try:
            return translation.get_supported_language_variant(translation.get_language() or "")
        except LookupError:
            return settings.LANGUAGE_CODE
    try:
        return forms.ChoiceField(choices=settings.LANGUAGES).clean(value)
    except ValidationError as exc:
        errors["language"] = list(exc.messages)
        return settings.LANGUAGE_CODE


def _order_form_data(payload: OrderIn) -> dict:
    """The JSON as the web form would have posted it (documents as "type:language")."""
    return {
        "applicant_type": payload.applicant_type,
        "documents": [f"{d.type}:{d.language}" for d in payload.documents],
        "name_zh": payload.name_zh or "",
        "name_en": payload.name_en,
        "phone": payload.phone,
        "email": payload.email,
        "wes_reference": payload.wes_reference or "",
        "remarks": payload.remarks or "",
    }


def _recipient_formset_data(payload: OrderIn) -> dict:
    data = {
        f"{RECIPIENTS_PREFIX}-TOTAL_FORMS": str(len(payload.recipients)),
        f"{RECIPIENTS_PREFIX}-INITIAL_FORMS": "0",
        f"{RECIPIENTS_PREFIX}-MIN_NUM_FORMS": "1",
        f"{RECIPIENTS_PREFIX}-MAX_NUM_FORMS": str(settings.MAX_RECIPIENTS),
    }
    for i, recipient in enumerate(payload.recipients):
        data[f"{RECIPIENTS_PREFIX}-{i}-email"] = recipient.email
        data[f"{RECIPIENTS_PREFIX}-{i}-message"] = recipient.message or ""
    return data


def _add_form_errors(errors: Errors, form) -> None:
    for name, messages in form.errors.items():
        key = "non_field_errors" if name == NON_FIELD_ERRORS else name
        errors.setdefault(key, []).extend(str(m) for m in messages)


def _add_formset_errors(errors: Errors, formset) -> None:
    if formset.non_form_errors():
        errors.setdefault(RECIPIENTS_PREFIX, []).extend(str(m) for m in formset.non_form_errors())
    for i, form_errors in enumerate(formset.errors):
        for name, messages in form_errors.items():
            key = f"{RECIPIENTS_PREFIX}[{i}]"
            if name != NON_FIELD_ERRORS:
                key += f".{name}"
            errors.setdefault(key, []).extend(str(m) for m in messages)


def _duplicate_documents(payload: OrderIn) -> str | None:
    # The web form's check boxes cannot send a document twice; JSON can, and one order holds
    # each document (type and language) once.
    pairs = [(d.type, d.language) for d in payload.documents]
    if len(pairs) != len(set(pairs)):
        return _("Each document (type and language) can be ordered only once.")
    return None


# --- answering -----------------------------------------------------------------------------


def _load(number: str) -> Order | None:
    return (
        Order.objects.select_related("student")
        .prefetch_related("documents", "recipients", "fee_lines", "events")
        .filter(number=number)
        .first()
    )


def order_warnings(order: Order) -> list[dict]:
    warnings = []
    if order.unsupported_characters:
        warnings.append({
            "code": "unsupported_characters",
            "field": "name_zh",
            "message": _("No document font can draw these characters of the Chinese name: %(chars)s. "
                         "The registrar must resolve this before the documents are issued.")
            % {"chars": ", ".join(fonts.describe(ch) for ch in order.unsupported_characters)},
        })
    if order.wes_conflict:
        warnings.append({
            "code": "wes_conflict",
            "field": "wes_reference",
            "message": _("Different WES reference numbers were given: %(references)s. %(reference)s is used; "
                         "check that it is the right one.")
            % {"references": ", ".join(order.wes_conflict), "reference": order.wes_reference},
        })
    if validation.passport_hint(order.name_en):
        warnings.append({
            "code": "name_en_format",
            "field": "name_en",
            "message": _("The English name has no comma. It must be written as in the passport, "
                         "e.g. CHEN, TA-WEI."),
        })
    return warnings


def order_out(order: Order) -> dict:
    return {
        "number": order.number,
        "status": order.status,
        "applicant_type": order.applicant_type,
        "channel": order.channel,
        "student_number": order.student.student_number,
        "name_zh": order.name_zh,
        "name_en": order.name_en,
        "email": order.email,
        "phone": order.phone,
        "remarks": order.remarks,
        "language": order.language,
        "fee": {
            "total": order.total,
            "currency": order.currency,
            "lines": [
                {
                    "kind": line.kind,
                    "code": line.code,
                    "language": line.language or None,
                    "quantity": line.quantity,
                    "unit_amount": line.unit_amount,
                    "amount": line.amount,
                    "label": line.label,
                }
                for line in order.fee_lines.all()
            ],
        },
        "documents": [
            {"type": d.document_type, "language": d.language, "label": labels.document_label(d.document_type, d.language)}
            for d in order.documents.all()
        ],
        "recipients": [
            {"position": r.position, "email": r.email, "message": r.message} for r in order.recipients.all()
        ],
        "wes_reference": order.wes_reference or None,
        "wes_conflict": list(order.wes_conflict or []),
        "warnings": order_warnings(order),
        "created_at": order.created_at,
        "history": [
            {"at": e.at, "kind": e.kind, "from_status": e.from_status or None, "to_status": e.to_status or None}
            for e in order.events.all()
        ],
    }
