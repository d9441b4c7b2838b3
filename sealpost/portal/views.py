"""The applicant's pages: the order form with its confirmation step, the orders, one order."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sealpost.audit import services as audit
from sealpost.delivery.recipients import correct_recipient
from sealpost.orders import fees, services
from sealpost.orders.events import is_shredded
from sealpost.orders.forms import DOCUMENT_CHOICES, DOCUMENTS_FOR_STATUS, OrderForm, recipient_formset_class
from sealpost.orders.models import ApplicantType, Order, Status
from sealpost.orders.validation import passport_hint
from sealpost.portal import progress
from sealpost.records.models import StudentStatus

# The statuses in which a hold on the student's record keeps the order from being issued.
ON_HOLD_STATUSES = {Status.SUBMITTED, Status.UNDER_REVIEW, Status.AWAITING_PAYMENT, Status.PAID}

DRAFT_KEY = "order_draft"
PREFIX = "recipients"


def home(request):
    if request.user.is_authenticated and request.user.is_staff_member:
        return redirect("desk:orders")
    # Signed in, the page says what comes next: link a student record, or order and follow orders.
    linked = request.user.is_authenticated and request.user.student_id is not None
    return render(request, "portal/home.html", {"fees": fees.schedule(), "linked": linked})


def applicant_required(view):
    """Signed in as an applicant with a linked student record."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if request.user.is_staff_member:
            return redirect("desk:orders")
        if request.user.student_id is None:
            messages.info(request, _("First link your student record, so that we know which records to issue."))
            return redirect(f"{reverse('accounts:link')}?next={request.path}")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


def applicant_order(request, number) -> Order:
    """The signed-in applicant's own order, or 404: nobody learns whether another's exists."""
    order = (
        Order.objects.select_related("student")
        .filter(number=number.upper(), applicant=request.user)
        .first()
    )
    if order is None:
        raise Http404
    return order


@applicant_required
def order_list(request):
    orders = request.user.orders.prefetch_related("documents").order_by("-created_at")
    return render(request, "portal/order_list.html", {"orders": orders})


def default_applicant_type(student) -> str:
    if student.status == StudentStatus.GRADUATED:
        return ApplicantType.ALUMNUS
    return ApplicantType.INTERNATIONAL if student.international else ApplicantType.CURRENT


def initial_from_draft(draft: services.Draft) -> tuple[dict, list[dict]]:
    initial = {
        "applicant_type": draft.applicant_type,
        "documents": [f"{t}:{lang}" for t, lang in draft.documents],
        "name_zh": draft.name_zh, "name_en": draft.name_en, "phone": draft.phone, "email": draft.email,
        "remarks": draft.remarks, "wes_reference": draft.wes_reference,
    }
    return initial, [{"email": e, "message": m} for e, m in draft.recipients]


def rows_changed(post, form_class=OrderForm) -> tuple[dict, list[dict]] | None:
    """When the form was posted by "add a recipient" or "remove" (the page without script),
    what the person typed with the rows changed; None for any other submission."""
    action = post.get("action", "review")
    if action != "add_recipient" and not action.startswith("remove_recipient-"):
        return None
    initial, rows = initial_from_post(post, form_class)
    if action == "add_recipient" and len(rows) < settings.MAX_RECIPIENTS:
        rows.append({"email": "", "message": ""})
    elif action.startswith("remove_recipient-") and len(rows) > 1:
        try:
            rows.pop(int(action.rsplit("-", 1)[1]))
        except (IndexError, ValueError):
            pass
    return initial, rows


def initial_from_post(post, form_class=OrderForm) -> tuple[dict, list[dict]]:
    """What the person typed, kept when they add or remove a recipient row."""
    initial = {name: post.get(name, "") for name in form_class.base_fields if name not in ("documents", "scanned_form")}
    initial["documents"] = post.getlist("documents")
    try:
        count = min(int(post.get(f"{PREFIX}-TOTAL_FORMS", 1)), settings.MAX_RECIPIENTS)
    except ValueError:
        count = 1
    rows = [
        {"email": post.get(f"{PREFIX}-{i}-email", ""), "message": post.get(f"{PREFIX}-{i}-message", "")}
        for i in range(max(count, 0))
    ]
    return initial, rows


def fee_context(form, formset) -> dict:
    """The fee of what the form holds now, and what the browser needs to follow changes."""
    documents = [v for v in (form["documents"].value() or []) if v in dict(DOCUMENT_CHOICES)]
    lines = fees.fee_lines([tuple(v.split(":", 1)) for v in documents], len(formset.forms))
    return {
        "fee_lines": lines,
        "fee_total": fees.total(lines),
        "fee_schedule_json": json.dumps(fees.schedule()),
        "document_labels_json": json.dumps({k: str(v) for k, v in DOCUMENT_CHOICES}, ensure_ascii=False),
        "max_recipients": settings.MAX_RECIPIENTS,
        "free_recipients": settings.FREE_RECIPIENTS,
        "recipient_fee": settings.RECIPIENT_FEE,
    }


def order_form_context(request, form, formset):
    student = request.user.student
    return {
        "form": form,
        "formset": formset,
        "student": student,
        "allowed_documents": {t.value for t in DOCUMENTS_FOR_STATUS[student.status]},
        **fee_context(form, formset),
    }


@applicant_required
def order_new(request):
    student = request.user.student
    Formset = recipient_formset_class()
    if request.method == "POST":
        changed = rows_changed(request.POST)
        if changed:
            initial, rows = changed
            form = OrderForm(initial=initial, student=student)
            formset = Formset(initial=rows, prefix=PREFIX)
            return render(request, "portal/order_form.html", order_form_context(request, form, formset))
        form = OrderForm(request.POST, student=student)
        formset = Formset(request.POST, prefix=PREFIX)
        if form.is_valid() and formset.is_valid():
            draft = services.Draft.from_forms(form, formset, get_language())
            request.session[DRAFT_KEY] = draft.to_json()
            return redirect("portal:order_confirm")
        return render(request, "portal/order_form.html", order_form_context(request, form, formset))

    draft = request.session.get(DRAFT_KEY)
    if draft and request.GET.get("edit"):
        initial, rows = initial_from_draft(services.Draft.from_json(draft))
    else:
        initial = {
            "applicant_type": default_applicant_type(student),
            "name_zh": student.name_zh,
            "name_en": student.name_en,
            "email": request.user.email,
        }
        rows = [{"email": request.user.email, "message": ""}]
    form = OrderForm(initial=initial, student=student)
    formset = Formset(initial=rows, prefix=PREFIX)
    return render(request, "portal/order_form.html", order_form_context(request, form, formset))


@applicant_required
def order_confirm(request):
    data = request.session.get(DRAFT_KEY)
    if not data:
        return redirect("portal:order_new")
    draft = services.Draft.from_json(data)
    if request.method == "POST":
        if request.POST.get("action") == "edit":
            return redirect(reverse("portal:order_new") + "?edit=1")
        # Check the draft again: the record may have changed since the form was filled.
        form = OrderForm(initial_from_draft(draft)[0], student=request.user.student)
        if not form.is_valid():
            messages.error(request, _("Please check the order again."))
            return redirect(reverse("portal:order_new") + "?edit=1")
        order = services.place_order(student=request.user.student, draft=draft, applicant=request.user, actor=request.user)
        del request.session[DRAFT_KEY]
        messages.success(request, _("Order %(number)s has been submitted.") % {"number": order.number})
        return redirect("portal:order", number=order.number)
    result = services.review(draft)
    return render(request, "portal/order_confirm.html", {
        "draft": draft,
        "review": result,
        "applicant_type": ApplicantType(draft.applicant_type).label,
        "documents": [fees.Line("document", t, lang, 1, 0) for t, lang in draft.documents],
        "passport_hint": passport_hint(draft.name_en),
        "free_recipients": settings.FREE_RECIPIENTS,
        "recipient_fee": settings.RECIPIENT_FEE,
    })


@applicant_required
def order_detail(request, number):
    order = applicant_order(request, number)
    # A hold on the record stops the order before issuance: say so, with whom to contact; the
    # hold's reference and dates are the registrar's business.
    holds = order.student.active_holds().only("reason", "office") if order.status in ON_HOLD_STATUSES else []
    return render(request, "portal/order_detail.html", {
        "order": order,
        "progress": progress.progress(order),
        "holds": holds,
        "can_cancel": services.can_cancel(order),
        "can_correct": services.can_correct_recipients(order),
        "issued_documents": order.issued_documents.all(),
        "shredded": is_shredded(order),
    })


@applicant_required
def order_status(request, number):
    """Where the applicant's own order stands, as JSON with the status region's HTML: what the
    order page asks every few seconds while the order is in progress (sealpost/order-status.js)."""
    from django.http import JsonResponse
    from django.template.loader import render_to_string

    order = applicant_order(request, number)
    now = progress.progress(order)
    data = now.as_json()
    data["html"] = render_to_string("portal/order_progress.html", {"progress": now}, request=request)
    response = JsonResponse(data)
    response["Cache-Control"] = "no-store"
    return response


@applicant_required
def document_download(request, number, code):
    """One of the applicant's issued documents; 410 Gone once it is revoked."""
    from sealpost.documents.models import normalise_code

    order = applicant_order(request, number)
    document = order.issued_documents.filter(verification_code=normalise_code(code)).first()
    if document is None or document.current_file is None or is_shredded(order):
        raise Http404  # shredded: the signed file is no longer kept
    if document.is_revoked:
        return render(request, "verify/gone.html", {
            "document": document, "back_url": reverse("portal:order", args=[order.number])}, status=410)
    audit.document_downloaded(document, actor=request.user, via="portal")
    return pdf_response(document.current_file.read(), f"{document.document_type}-{document.language}-{document.verification_code}.pdf")


@require_POST
@applicant_required
def order_cancel(request, number):
    order = applicant_order(request, number)
    try:
        services.cancel_order(order, request.user, reason=request.POST.get("reason", "")[:200])
        messages.success(request, _("The order has been cancelled."))
    except services.OrderError as error:
        messages.error(request, str(error))
    return redirect("portal:order", number=order.number)


@require_POST
@applicant_required
def recipient_correct(request, number, position):
    from django import forms as djforms

    order = applicant_order(request, number)
    field = djforms.EmailField(max_length=254)
    try:
        correction = correct_recipient(order, position, field.clean(request.POST.get("email", "")), request.user)
        (messages.success if correction.changed else messages.info)(request, correction.message())
    except djforms.ValidationError:
        messages.error(request, _("Recipient %(position)d: enter a valid e-mail address.") % {"position": position})
    except services.OrderError as error:
        messages.error(request, str(error))
    except order.recipients.model.DoesNotExist:
        raise Http404
    return redirect("portal:order", number=order.number)


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@applicant_required
def order_form_pdf(request, number):
    from sealpost.orders import form2073

    order = applicant_order(request, number)
    return pdf_response(form2073.render(order), f"form-2-07-3-{order.number}.pdf")


# --- the applicant's personal data (PDPA articles 3 and 10: the right to a copy) ------------


def applicant_signed_in(view):
    """Signed in as an applicant; a linked student record is not needed."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if request.user.is_staff_member:
            return redirect("desk:orders")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


@applicant_signed_in
def personal_data(request):
    """What we hold about you, and the download of all of it as JSON."""
    from sealpost.portal import personal_data as export

    return render(request, "portal/personal_data.html", {
        "order_count": export.orders_of(request.user).count(),
        "student": request.user.student,
        "registrar_email": settings.REGISTRAR_EMAIL,
    })


@applicant_signed_in
def personal_data_download(request):
    from sealpost.portal import personal_data as export

    data = export.collect(user=request.user)
    audit.append("personal_data.exported", actor=request.user, object_type="user", object_id=request.user.pk,
                 via="portal")
    return export.json_response(data, f"sealpost-personal-data-{request.user.pk}.json")
