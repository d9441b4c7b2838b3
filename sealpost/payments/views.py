"""Payment pages: ECPay's server notification, the applicant's checkout and return pages, the
demonstration payment, and the registrar's payment actions (notice, payment, refund, cancel)
that the desk's order page links to; approving issuance is issuance.views.approve. Thin: the
rules are in payments.services."""

from __future__ import annotations

import datetime
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from sealpost.orders.models import Order
from sealpost.payments import ecpay, services
from sealpost.payments.models import MANUAL_METHODS, Method

# --- ECPay's server notification ---------------------------------------------------------------


@csrf_exempt
@require_POST
def ecpay_notify(request):
    """ECPay's ReturnURL: answers 1|OK once the notification is handled (again for a repeat), and
    400 with 0|<reason> when it is refused (nothing recorded)."""
    params = {key: request.POST.get(key, "") for key in request.POST}
    try:
        services.receive_ecpay_notification(params)
    except services.NotificationRejected as rejected:
        return HttpResponse(rejected.answer, status=400, content_type="text/plain; charset=utf-8")
    return HttpResponse("1|OK", content_type="text/plain; charset=utf-8")


# --- the applicant ---------------------------------------------------------------------------


def _own_order(request, number) -> Order:
    """The signed-in applicant's own order, or 404 (nobody learns whether another's exists)."""
    order = Order.objects.filter(number=str(number).upper(), applicant=request.user).first()
    if order is None:
        raise Http404
    return order


@never_cache
@login_required
def checkout(request, number):
    """A page that posts the order's checkout to ECPay: at once with script, or by its button."""
    if not ecpay.is_configured():
        raise Http404
    order = _own_order(request, number)
    try:
        url, fields = services.start_checkout(order, request.user)
    except services.PaymentError as error:
        messages.error(request, str(error))
        return redirect("portal:order", number=order.number)
    response = render(request, "payments/checkout.html", {"order": order, "action": url, "fields": fields})
    # The one page whose form leaves the site: its policy lets it post to the configured checkout
    # host, and to nowhere else (settings.CONTENT_SECURITY_POLICY allows 'self' only).
    response._csp_update = {"form-action": [ecpay.origin(url)]}
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def ecpay_return(request, number):
    """Where ECPay sends the applicant back. ECPay posts from its own site, and a cross-site POST
    carries no session cookie (SameSite=Lax): the POST is only turned into a GET of this page,
    which shows the order's state as recorded from ECPay's server notification."""
    if request.method == "POST":
        return redirect(reverse("payments:ecpay_return", args=[number]), permanent=False)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    order = _own_order(request, number)
    return render(request, "payments/return.html", {"order": order, **services.payment_summary(order)})


@require_POST
@login_required
def demo_pay(request, number):
    """Pay now (demo): records a demonstration payment, no money. Only on a demonstration system
    without ECPay; 404 anywhere else."""
    if not services.demo_available():
        raise Http404
    order = _own_order(request, number)
    try:
        services.pay_demo(order, request.user)
        messages.success(request, _("Demonstration payment recorded: no money was taken."))
    except services.PaymentError as error:
        messages.error(request, str(error))
    return redirect("portal:order", number=order.number)


# --- the registrar -------------------------------------------------------------------------


def payment_staff(view):
    """Signed in as a registrar clerk or officer (auditors only read)."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_staff_member or request.user.role not in services.PAYMENT_STAFF:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _staff_order(number) -> Order:
    return get_object_or_404(Order, number=str(number).upper())


def _back(request, order: Order | None = None):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    if order is not None:
        return redirect("desk:order", number=order.number)
    return redirect("desk:orders")


@require_POST
@payment_staff
def send_notice(request, number):
    order = _staff_order(number)
    try:
        if services.send_payment_notice(order, request.user):
            messages.success(request, _("The payment notice for order %(number)s has been sent to %(email)s.") % {
                "number": order.number, "email": order.email})
        else:
            messages.info(request, _("The payment notice for order %(number)s had already been sent.") % {"number": order.number})
    except services.PaymentError as error:
        messages.error(request, str(error))
    return _back(request, order)


class PaymentForm(forms.Form):
    method = forms.ChoiceField(label=gettext_lazy("Method"), choices=[(m.value, m.label) for m in MANUAL_METHODS])
    amount = forms.IntegerField(label=gettext_lazy("Amount (NT$)"), min_value=1)
    reference = forms.CharField(label=gettext_lazy("Receipt or transaction number"), max_length=64)
    received_on = forms.DateField(label=gettext_lazy("Received on"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))


@never_cache
@payment_staff
def record(request, number):
    """A clerk records a payment received at the counter, in cash, by postal money order, or a bank
    transfer the reconciliation did not match."""
    order = _staff_order(number)
    if request.method == "POST":
        form = PaymentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            received_at = None
            if data["received_on"] and data["received_on"] != timezone.localdate():
                received_at = timezone.make_aware(datetime.datetime.combine(data["received_on"], datetime.time(12)))
            try:
                payment = services.record_payment(order, data["amount"], data["method"], data["reference"], request.user, received_at)
            except services.PaymentError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error))
            else:
                if payment.created:
                    messages.success(request, _("Payment recorded for order %(number)s.") % {"number": order.number})
                else:
                    messages.info(request, _("This payment had already been recorded."))
                return _back(request, order)
    else:
        form = PaymentForm(initial={"amount": order.total, "method": Method.COUNTER, "received_on": timezone.localdate()})
    return render(request, "payments/record.html", {"order": order, "form": form, **services.payment_summary(order)})


@require_POST
@payment_staff
def refund(request, number):
    order = _staff_order(number)
    try:
        services.refund(order, request.POST.get("amount", ""), request.POST.get("reason", ""), request.user)
        messages.success(request, _("Refund recorded for order %(number)s.") % {"number": order.number})
    except services.PaymentError as error:
        messages.error(request, str(error))
    return _back(request, order)


@require_POST
@payment_staff
def cancel(request, number):
    """Cancel the order; a paid order not yet issued is refunded in full."""
    order = _staff_order(number)
    try:
        services.cancel(order, request.user, request.POST.get("reason", "")[:300])
        messages.success(request, _("Order %(number)s has been cancelled.") % {"number": order.number})
    except services.PaymentError as error:
        messages.error(request, str(error))
    return _back(request, order)
