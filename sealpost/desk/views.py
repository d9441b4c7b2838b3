"""The registrar's desk, first version: the orders with filters, one order, and form 2-07-3
keyed in by a clerk."""

from __future__ import annotations

import mimetypes
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sealpost.accounts.models import Role
from sealpost.orders import services
from sealpost.orders.forms import DeskOrderForm, recipient_formset_class
from sealpost.orders.models import ApplicantType, Channel, Order, Status
from sealpost.documents import services as document_services
from sealpost.documents.models import Document, normalise_code
from sealpost.documents.types import DocumentType
from sealpost.portal.views import PREFIX, fee_context, pdf_response, rows_changed

KEYING_ROLES = {Role.CLERK, Role.OFFICER}


def staff_required(roles=None):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_staff_member:
                raise PermissionDenied
            if roles and request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


@staff_required()
def order_list(request):
    orders = Order.objects.select_related("student").prefetch_related("documents").order_by("-created_at")
    status = request.GET.get("status", "")
    applicant_type = request.GET.get("applicant_type", "")
    wes = request.GET.get("wes", "")
    query = request.GET.get("q", "").strip()
    if status in Status.values:
        orders = orders.filter(status=status)
    if applicant_type in ApplicantType.values:
        orders = orders.filter(applicant_type=applicant_type)
    if wes == "yes":
        orders = orders.exclude(wes_reference="")
    elif wes == "no":
        orders = orders.filter(wes_reference="")
    elif wes == "conflict":
        orders = orders.exclude(wes_conflict=[])
    if query:
        orders = orders.filter(number__iexact=query) | orders.filter(student__student_number__iexact=query) | orders.filter(email__iexact=query)
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    return render(request, "desk/order_list.html", {
        "page": page,
        "statuses": Status.choices,
        "applicant_types": ApplicantType.choices,
        "filters": {"status": status, "applicant_type": applicant_type, "wes": wes, "q": query},
        "can_key_in": request.user.role in KEYING_ROLES,
    })


@staff_required()
def order_detail(request, number):
    order = get_object_or_404(Order.objects.select_related("student", "applicant", "created_by"), number=number.upper())
    return render(request, "desk/order_detail.html", {
        "order": order, "holds": order.student.active_holds(),
        "issued_documents": order.issued_documents.select_related("revoked_by").all(),
        "can_revoke": request.user.role == Role.OFFICER,
    })


def order_document(number, code) -> Document:
    document = Document.objects.filter(order__number=number.upper(), verification_code=normalise_code(code)).first()
    if document is None:
        raise Http404
    return document


@staff_required()
def document_download(request, number, code):
    """The signed file, for staff: also after revocation, as the record of what was issued."""
    document = order_document(number, code)
    current = document.current_file
    if current is None:
        raise Http404
    return pdf_response(current.read(), f"{document.document_type}-{document.language}-{document.verification_code}.pdf")


@require_POST
@staff_required({Role.OFFICER})
def document_revoke(request, number, code):
    document = order_document(number, code)
    try:
        document_services.revoke(document, request.user, request.POST.get("reason", ""))
    except document_services.IssueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Document %(code)s has been revoked: it fails verification and can no longer be downloaded.") % {
            "code": document.verification_code})
    return redirect("desk:order", number=document.order.number)


@staff_required(KEYING_ROLES)
def order_new(request):
    """Form 2-07-3 received on paper or by e-mail, keyed in by a clerk."""
    Formset = recipient_formset_class()
    if request.method == "POST":
        changed = rows_changed(request.POST, DeskOrderForm)
        if changed:
            initial, rows = changed
            form = DeskOrderForm(initial=initial)
            formset = Formset(initial=rows, prefix=PREFIX)
        else:
            form = DeskOrderForm(request.POST, request.FILES)
            formset = Formset(request.POST, prefix=PREFIX)
            if form.is_valid() and formset.is_valid():
                draft = services.Draft.from_forms(form, formset, form.cleaned_data["language"])
                order = services.place_order(
                    student=form.student, draft=draft, applicant=getattr(form.student, "account", None),
                    actor=request.user, channel=Channel.FORM_2073, scanned_form=form.cleaned_data.get("scanned_form"),
                )
                messages.success(request, _("Order %(number)s has been recorded from form 2-07-3.") % {"number": order.number})
                return redirect("desk:order", number=order.number)
    else:
        form = DeskOrderForm()
        formset = Formset(initial=[{"email": "", "message": ""}], prefix=PREFIX)
    return render(request, "desk/order_form.html", {
        "form": form, "formset": formset, "allowed_documents": {t.value for t in DocumentType},
        **fee_context(form, formset),
    })


@staff_required()
def order_form_pdf(request, number):
    from sealpost.documents import form2073

    order = get_object_or_404(Order, number=number.upper())
    return pdf_response(form2073.render(order), f"form-2-07-3-{order.number}.pdf")


@staff_required()
def scanned_form(request, number):
    order = get_object_or_404(Order, number=number.upper())
    if not order.scanned_form:
        raise Http404
    content_type = mimetypes.guess_type(order.scanned_form.name)[0] or "application/octet-stream"
    response = FileResponse(order.scanned_form.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
