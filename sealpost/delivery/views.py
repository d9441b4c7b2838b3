"""The recipients' download pages (no sign-in: the link is the key) and the staff resend."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sealpost.accounts import throttle
from sealpost.accounts.access import staff_required
from sealpost.accounts.models import Role
from sealpost.delivery import services
from sealpost.delivery import wes_submissions
from sealpost.delivery.models import Delivery, WESSubmission
from sealpost.delivery.services import LinkState
from sealpost.documents.models import normalise_code
from sealpost.orders.models import Order

GONE = {LinkState.EXPIRED, LinkState.USED_UP}


def _refused(request, opened, document=None):
    if opened.state == LinkState.INVALID:
        status = 404
    else:
        status = 410
    response = render(request, "delivery/link_refused.html", {
        "state": opened.state, "link": opened.link, "document": document,
        "order": opened.link.delivery.order if opened.link else None,
        "registrar_email": settings.REGISTRAR_EMAIL,
    }, status=status)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@throttle.limit("download_ip", value_kwarg="token", value_scope="download_token")
def link(request, token):
    opened = services.open_link(token)
    if opened.state != LinkState.OK:
        return _refused(request, opened)
    response = render(request, "delivery/link.html", {
        "link": opened.link, "token": token, "documents": opened.documents, "order": opened.link.delivery.order,
        "remaining": opened.link.max_downloads - opened.link.download_count,
        "verify_url": settings.BASE_URL + reverse("verify:index"),
    })
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@throttle.limit("download_ip", value_kwarg="token", value_scope="download_token")
def download(request, token, code):
    opened = services.open_link(token)
    if opened.state != LinkState.OK:
        return _refused(request, opened)
    wanted = normalise_code(code)
    document = next((d for d in opened.documents if d.verification_code == wanted), None)
    if document is None:
        raise Http404
    if document.is_revoked:
        return _refused(request, services.Opened("revoked", opened.link), document)
    current = document.current_file
    if current is None:
        raise Http404
    if not services.count_download(opened.link, document):  # used up or revoked meanwhile: say which
        return _refused(request, services.open_link(token))
    response = HttpResponse(current.read(), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{document.document_type}-{document.language}-{document.verification_code}.pdf"')
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_POST
@staff_required({Role.CLERK, Role.OFFICER})
def resend(request, pk):
    delivery = get_object_or_404(Delivery.objects.select_related("order", "recipient"), pk=pk)
    services.resend(delivery, request.user)
    messages.success(request, _("The documents will be sent again to recipient %(position)s, free of charge.") % {
        "position": delivery.recipient.position})
    return redirect("desk:order", number=delivery.order.number)


# --- WES over SFTP --------------------------------------------------------------------------


@require_POST
@login_required
def wes_confirm(request, number):
    """WES confirmed receipt: recorded by a clerk or officer on any order, or by the applicant on
    their own order (another's is a 404, as in the portal)."""
    user = request.user
    if user.is_staff_member:
        if user.role not in (Role.CLERK, Role.OFFICER):
            raise PermissionDenied
        order = get_object_or_404(Order, number=number.upper())
        back = redirect("desk:order", number=order.number)
    else:
        order = Order.objects.filter(number=number.upper(), applicant=user).first()
        if order is None or not order.wes_reference:
            raise Http404
        back = redirect("portal:order", number=order.number)
    try:
        wes_submissions.confirm(order, user)
    except wes_submissions.WESSubmissionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("WES's confirmation of receipt has been recorded."))
    return back


@require_POST
@staff_required({Role.CLERK, Role.OFFICER})
def wes_reupload(request, number):
    order = get_object_or_404(Order, number=number.upper())
    try:
        submission = wes_submissions.reupload(order, request.user)
    except wes_submissions.WESSubmissionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The documents will be uploaded to WES again as version %(version)s.") % {
            "version": submission.version})
    return redirect("desk:order", number=order.number)


@require_POST
@staff_required({Role.CLERK, Role.OFFICER})
def wes_retry(request, pk):
    submission = get_object_or_404(WESSubmission.objects.select_related("order"), pk=pk)
    if wes_submissions.retry(submission, request.user):
        messages.success(request, _("The upload to WES will be tried again."))
    else:
        messages.info(request, _("This upload had not failed."))
    return redirect("desk:order", number=submission.order.number)
