"""The officer's approval of an issuance, linked from the payment panel of the desk's order page
(payments/desk_panel.html). Thin: the rules are in issuance.services.approve."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sealpost.accounts.models import Role
from sealpost.issuance import services
from sealpost.orders.models import Status
from sealpost.payments import views as payment_views


@require_POST
@payment_views.payment_staff
def approve(request, number):
    order = payment_views._staff_order(number)
    if request.user.role != Role.OFFICER:
        raise PermissionDenied
    try:
        services.approve(order, request.user)
    except services.PaymentError as error:
        messages.error(request, str(error))
        return payment_views._back(request, order)
    order.refresh_from_db()
    if order.status == Status.PAID:
        messages.warning(request, _("Approved, but the documents could not be issued yet: see the order's history."))
    else:
        messages.success(request, _("Approved: the documents of order %(number)s have been issued.") % {"number": order.number})
    return payment_views._back(request, order)
