"""The registrar's desk: the work queue ordered by deadline with bulk actions, one order with its
deadlines, holds and full history, and form 2-07-3 keyed in by a clerk. Reports: desk.reports."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sealpost.accounts.access import staff_required
from sealpost.accounts.models import Role
from sealpost.audit import services as audit
from sealpost.desk import queue
from sealpost.desk import services as desk_services
from sealpost.desk.timeline import timeline
from sealpost.orders import scans, services
from sealpost.orders.forms import DeskOrderForm, recipient_formset_class
from sealpost.orders.models import ApplicantType, Channel, Order, Status
from sealpost.issuance import services as document_services
from sealpost.documents import storage
from sealpost.documents.models import Document, normalise_code
from sealpost.documents.types import DocumentType
from sealpost.portal.views import PREFIX, fee_context, pdf_response, rows_changed
from sealpost.records.models import Hold

KEYING_ROLES = {Role.CLERK, Role.OFFICER}

log = logging.getLogger(__name__)


@staff_required()
def order_list(request):
    """The work queue: open orders, the nearest deadline first, late ones flagged."""
    today = timezone.localdate()
    orders = queue.with_wes_state(queue.with_hold_flag(
        Order.objects.select_related("student").prefetch_related("documents")))
    status = request.GET.get("status", "")
    applicant_type = request.GET.get("applicant_type", "")
    wes = request.GET.get("wes", "")
    late = "1" if request.GET.get("late") else ""
    query = request.GET.get("q", "").strip()
    if status in Status.values:
        orders = orders.filter(status=status)
    elif status != "all":
        status = ""
        orders = orders.exclude(status__in=queue.CLOSED)
    if applicant_type in ApplicantType.values:
        orders = orders.filter(applicant_type=applicant_type)
    if wes == "yes":
        orders = orders.exclude(wes_reference="")
    elif wes == "no":
        orders = orders.filter(wes_reference="")
    elif wes == "conflict":
        orders = orders.exclude(wes_conflict=[])
    elif wes == "failed":
        orders = queue.wes_failed(orders)
    if late:
        orders = orders.filter(next_deadline__lt=today)
    if query:
        orders = orders.filter(
            Q(number__iexact=query) | Q(student__student_number__iexact=query) | Q(email__iexact=query))
    page = Paginator(queue.by_deadline(orders), 50).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for order in page.object_list:
        order.deadline_state = queue.deadline_state(order.next_deadline, today)
        order.mismatches = queue.mismatches(order)
    return render(request, "desk/order_list.html", {
        "page": page,
        "statuses": Status.choices,
        "applicant_types": ApplicantType.choices,
        "filters": {"status": status, "applicant_type": applicant_type, "wes": wes, "late": late, "q": query},
        "can_key_in": request.user.role in KEYING_ROLES,
        "can_bulk": request.user.role in KEYING_ROLES,
        "can_approve": request.user.role == Role.OFFICER,
    })


# The summary after "send payment notices": what send_payment_notices counted, in words.
NOTICE_COUNTS = {
    "sent": gettext_lazy("Payment notices sent: %(n)d"),
    "already_sent": gettext_lazy("already sent: %(n)d"),
    "not_applicable": gettext_lazy("no notice needed: %(n)d"),
}
DELIVERY_COUNTS = {
    "retried": gettext_lazy("Deliveries retried: %(n)d"),
    "nothing_to_retry": gettext_lazy("nothing to retry: %(n)d"),
    "failed": gettext_lazy("failed: %(n)d"),
    "not_issued": gettext_lazy("not issued yet: %(n)d"),
}


def describe_counts(counts, labels: dict, first: str) -> str:
    """"Payment notices sent: 3; already sent: 1": the first count always, others when not zero."""
    counts = desk_services.as_counts(counts, single=first)
    parts = [labels[first] % {"n": counts.pop(first, 0)}]
    for key, n in counts.items():
        if n and key != "total":
            parts.append(labels[key] % {"n": n} if key in labels else f"{key.replace('_', ' ')}: {n}")
    return "; ".join(str(p) for p in parts)


def back_to_queue(request):
    back = request.POST.get("back", "")
    if back.startswith("/desk/") and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("desk:orders")


def report_refused(request, refused, limit=10):
    for order, reason in refused[:limit]:
        messages.error(request, f"{order.number}: {reason}")
    if len(refused) > limit:
        messages.error(request, _("… and %(n)d more.") % {"n": len(refused) - limit})


BULK_ACTIONS = {"payment_notice", "approve", "retry_delivery"}


@require_POST
@staff_required(KEYING_ROLES)
def bulk_action(request):
    """One action on the orders ticked in the queue."""
    action = request.POST.get("action", "")
    if action not in BULK_ACTIONS:
        messages.error(request, _("Choose what to do with the selected orders."))
        return back_to_queue(request)
    if action == "approve" and request.user.role != Role.OFFICER:
        raise PermissionDenied
    numbers = {n.strip().upper() for n in request.POST.getlist("orders") if n.strip()}
    orders = list(queue.by_deadline(Order.objects.select_related("student").filter(number__in=numbers)))
    if not orders:
        messages.error(request, _("Select at least one order."))
        return back_to_queue(request)

    if action == "payment_notice":
        from sealpost.payments import services as payment_services

        counts = payment_services.send_payment_notices(orders, request.user)
        messages.success(request, describe_counts(counts, NOTICE_COUNTS, "sent"))
    elif action == "approve":
        from sealpost.issuance import services as payment_services

        done, refused = desk_services.each(
            orders, lambda order: payment_services.approve(order, request.user),
            desk_services.person_facing_errors(payment_services))
        # Approved but not issued (a hold, a name no font can draw): the order says why.
        blocked = [(order, desk_services.last_issue_problem(order)) for order in done if order.status == Status.PAID]
        summary = _("Approved and issued: %(n)d") % {"n": len(done) - len(blocked)}
        if blocked:
            summary += "; " + _("approved, not issued: %(n)d") % {"n": len(blocked)}
        if refused:
            summary += "; " + _("not approved: %(n)d") % {"n": len(refused)}
        (messages.success if len(done) > len(blocked) else messages.warning)(request, summary)
        report_refused(request, blocked + refused)
    else:
        try:
            from sealpost.delivery import services as delivery_services

            retry = delivery_services.retry_deliveries
        except (ImportError, AttributeError):
            messages.info(request, _("Retrying deliveries is not available yet."))
        else:
            counts = retry(orders, request.user)
            messages.success(request, describe_counts(counts, DELIVERY_COUNTS, "retried"))
    return back_to_queue(request)


@staff_required()
def order_detail(request, number):
    order = get_object_or_404(Order.objects.select_related("student", "applicant", "created_by"), number=number.upper())
    return render(request, "desk/order_detail.html", {
        "order": order, "holds": order.student.active_holds(),
        "issued_documents": order.issued_documents.select_related("revoked_by").all(),
        "can_revoke": request.user.role == Role.OFFICER,
        "can_release": request.user.role in KEYING_ROLES,
        "mismatches": queue.mismatches(order),
        "deadlines": queue.deadlines(order),
        "timeline": timeline(order),
    })


@require_POST
@staff_required(KEYING_ROLES)
def hold_release(request, pk):
    """Release a hold on a student record; the orders it stopped go on."""
    hold = get_object_or_404(Hold, pk=pk)
    result = desk_services.release_hold(hold, request.user)
    if result.already:
        messages.info(request, _("This hold had already been released."))
    else:
        messages.success(request, _("The hold %(reason)s has been released.") % {"reason": hold.reason})
        for order in result.issued:
            messages.success(request, _("Order %(number)s has been issued.") % {"number": order.number})
        for order in result.awaiting_approval:
            messages.info(request, _("Order %(number)s is paid and now waits for an officer's approval.") % {
                "number": order.number})
        report_refused(request, result.still_blocked)
    number = request.POST.get("order", "")
    if number and Order.objects.filter(number=number.upper(), student=hold.student).exists():
        return redirect("desk:order", number=number.upper())
    return redirect("desk:orders")


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
    if current is None or not storage.exists(current.sha256):  # gone: shredded (sealpost shred)
        raise Http404
    audit.document_downloaded(document, actor=request.user, via="desk")
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
    from sealpost.orders import form2073

    order = get_object_or_404(Order, number=number.upper())
    return pdf_response(form2073.render(order), f"form-2-07-3-{order.number}.pdf")


@staff_required()
def scanned_form(request, number):
    """The scan attached to form 2-07-3, served as the type checked at upload (orders.scans),
    never as what its stored name suggests: a scan kept before the checks under another name is
    served by the type its first bytes show, or as application/octet-stream, as an attachment."""
    order = get_object_or_404(Order, number=number.upper())
    if not order.scanned_form:
        raise Http404
    file = None
    try:
        file = order.scanned_form.open("rb")
        head = file.read(16)
        file.seek(0)
    except FileNotFoundError:
        if file is not None:
            file.close()
        log.warning("order %s: the scanned form %s is missing from storage", order.number, order.scanned_form.name)
        messages.error(request, _("The scanned form of order %(number)s is missing from storage. Ask the system "
                                  "administrator to restore it from the backup.") % {"number": order.number})
        return redirect("desk:order", number=order.number)
    kind, inline = scans.served_type(order.scanned_form.name, head)
    response = FileResponse(
        file, content_type=kind.content_type, as_attachment=not inline,
        filename=f"form-2-07-3-{order.number}{kind.extension or '.bin'}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    if kind != scans.PDF:  # a PDF keeps the site's policy, which browsers' PDF viewers work under
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
