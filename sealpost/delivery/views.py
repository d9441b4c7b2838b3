"""The recipients' download pages (no sign-in: the link is the key) and the staff resend."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sealpost.accounts.models import Role
from sealpost.delivery import services
from sealpost.delivery.models import Delivery
from sealpost.delivery.services import LinkState
from sealpost.desk.views import staff_required
from sealpost.documents.models import normalise_code

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
def link(request, token):
    opened = services.open_link(token)
    if opened.state != LinkState.OK:
        return _refused(request, opened)
    response = render(request, "delivery/link.html", {
        "link": opened.link, "token": token, "documents": opened.documents, "order": opened.link.delivery.order,
        "remaining": opened.link.max_downloads - opened.link.download_count,
    })
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
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
    if not services.count_download(opened.link, document):
        return _refused(request, services.Opened(LinkState.USED_UP, opened.link))
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
