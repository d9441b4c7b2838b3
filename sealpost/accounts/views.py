"""Sign-in (with a one-time code for staff), registration, verification, reset, record linking."""

from __future__ import annotations

import time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from sealpost.accounts import services, throttle
from sealpost.accounts.forms import (
    AddressPasswordResetForm,
    CodeForm,
    LinkForm,
    LoginForm,
    RegisterForm,
    VerifyingSetPasswordForm,
)
from sealpost.accounts.models import User

# Staff between password and code: {"user": pk, "at": epoch seconds, "next": url, "tries": n},
# and "enrolling": True once the e-mailed set-up link has been used in this session.
PENDING = "accounts:pending"
PENDING_SECONDS = 10 * 60  # time to find the phone, or to set up the app
# A set-up link opened in this browser, not used until the password is given here too:
# {"user": pk, "token": token}.
ENROL_LINK = "accounts:enrol_link"
MAX_CODE_TRIES = 5
# An applicant who gave the right password but has not verified the address yet (for "resend").
UNVERIFIED = "accounts:unverified"
REGISTERED = "accounts:registered"


def _safe_next(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return url if ok else ""


def _sign_in(request, user, next_url):
    request.session.pop(PENDING, None)
    request.session.pop(ENROL_LINK, None)
    auth_login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    return redirect(next_url or ("desk:orders" if user.is_staff_member else "portal:home"))


def _pending_user(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    return User.objects.filter(pk=pending["user"], is_active=True).first()


def _too_many_tries(request) -> bool:
    pending = request.session[PENDING]
    pending["tries"] += 1
    request.session[PENDING] = pending
    if pending["tries"] < MAX_CODE_TRIES:
        return False
    del request.session[PENDING]
    messages.error(request, _("Too many wrong codes. Please sign in again."))
    return True


def _code_refused(request, user, refused):
    """A staff member between password and code was locked out: back to the sign-in form."""
    request.session.pop(PENDING, None)
    messages.error(request, refused.message())
    return redirect("accounts:login")


@sensitive_post_parameters("password")
@never_cache
def login(request):
    next_url = _safe_next(request)
    form = LoginForm(request.POST or None)
    unverified = enrolment_sent = False
    status = 200
    refused = throttle.hit(request, "login_ip") if request.method == "POST" else None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        refused = refused or throttle.locked_out(data["email"])
        user = None if refused else authenticate(request, username=data["email"], password=data["password"])
        if refused:
            pass
        elif user is None:
            form.add_error(None, _("The e-mail address or the password is not correct."))
            refused = throttle.sign_in_failed(request, data["email"])
        elif not services.may_sign_in(user):
            request.session[UNVERIFIED] = user.pk
            unverified = True
        elif user.is_staff_member:
            request.session.cycle_key()
            request.session[PENDING] = {"user": user.pk, "at": int(time.time()), "next": next_url, "tries": 0}
            if user.totp_confirmed:
                return redirect("accounts:login_code")
            if (request.session.get(ENROL_LINK) or {}).get("user") == user.pk:  # the link came first
                return redirect("accounts:totp_setup")
            services.send_totp_enrolment(user)
            enrolment_sent = True
        else:
            return _sign_in(request, user, next_url)
    if refused:
        form.add_error(None, refused.message())
        status = 429
    context = {"form": form, "next": next_url, "unverified": unverified, "enrolment_sent": enrolment_sent,
               "hours": settings.PASSWORD_RESET_TIMEOUT // 3600}
    response = render(request, "accounts/login.html", context, status=status)
    if refused:
        response["Retry-After"] = str(refused.seconds)
    return response


@sensitive_post_parameters("code")
@never_cache
def login_code(request):
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    if not user.totp_confirmed:
        return redirect("accounts:totp_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        refused = throttle.hit(request, "login_ip") or throttle.locked_out(user.email)
        if refused:
            return _code_refused(request, user, refused)
    if request.method == "POST" and form.is_valid():
        if services.verify_totp(user, form.cleaned_data["code"]):
            return _sign_in(request, user, request.session[PENDING]["next"])
        refused = throttle.sign_in_failed(request, user.email)
        if refused:
            return _code_refused(request, user, refused)
        if _too_many_tries(request):
            return redirect("accounts:login")
        form.add_error("code", _("This code is not valid or has already been used. Wait for the next code."))
    return render(request, "accounts/login_code.html", {"form": form})


@never_cache
def totp_enrol(request, uidb64, token):
    """The set-up link from the e-mail. It is kept in the session (and out of the address bar)
    and used on the set-up page, once the password has been given in this browser too."""
    user = services.totp_enrolment_user(uidb64, token)
    if user is None:
        return render(request, "accounts/totp_link_failed.html")
    request.session[ENROL_LINK] = {"user": user.pk, "token": token}
    return redirect("accounts:totp_setup")


@sensitive_post_parameters("code")
@never_cache
def totp_setup(request):
    """The QR code and the first code, for a staff member who gave the password and opened the
    set-up link, both in this browser."""
    user = _pending_user(request)
    if user is None:
        if request.session.get(ENROL_LINK):
            messages.info(request, _("To set up two-step sign-in, sign in with your password first."))
        return redirect("accounts:login")
    if user.totp_confirmed:
        return redirect("accounts:login_code")
    pending = request.session[PENDING]
    if not pending.get("enrolling"):
        link = request.session.pop(ENROL_LINK, None) or {}
        if link.get("user") != user.pk or not services.start_totp_enrolment(user, link["token"]):
            messages.info(request, _("To set up two-step sign-in, open the link we sent to your e-mail address."))
            return redirect("accounts:login")
        pending["enrolling"] = True
        request.session[PENDING] = pending
    secret = user.totp_secret
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        refused = throttle.hit(request, "login_ip") or throttle.locked_out(user.email)
        if refused:
            return _code_refused(request, user, refused)
    if request.method == "POST" and form.is_valid():
        if services.confirm_totp(user, form.cleaned_data["code"]):
            messages.success(request, _("Two-step sign-in is set up. Use your app for a code each time you sign in."))
            return _sign_in(request, user, request.session[PENDING]["next"])
        refused = throttle.sign_in_failed(request, user.email)
        if refused:
            return _code_refused(request, user, refused)
        if _too_many_tries(request):
            return redirect("accounts:login")
        form.add_error("code", _("This code is not valid. Check the clock of your phone and try the next code."))
    uri = services.totp_uri(user)
    context = {
        "form": form,
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "qr": mark_safe(segno.make(uri).svg_inline(scale=4)),
    }
    return render(request, "accounts/totp_setup.html", context)


@sensitive_post_parameters("password1", "password2")
def register(request):
    form = RegisterForm(request.POST or None)
    limited = throttle.hit(request, "register_ip") if request.method == "POST" else None
    if limited:
        form.add_error(None, limited.message())  # the form comes back as typed (but the passwords)
        return throttle.too_many(request, limited, "accounts/register.html", {"form": form})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.register(data["email"], data["password1"], data["full_name"], get_language())
        request.session[REGISTERED] = data["email"]
        return redirect("accounts:register_done")
    return render(request, "accounts/register.html", {"form": form})


def register_done(request):
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    return render(request, "accounts/register_done.html", {"email": request.session.get(REGISTERED), "hours": hours})


def verify(request, uidb64, token):
    if services.verify_email(uidb64, token) is None:
        return render(request, "accounts/verify_failed.html")
    messages.success(request, _("Your e-mail address is confirmed. You can sign in now."))
    return redirect("accounts:login")


@require_POST
@throttle.limit("resend_ip")
def resend_verification(request):
    pk = request.session.pop(UNVERIFIED, None)
    user = User.objects.filter(pk=pk, email_verified=False).first() if pk else None
    if user is None:
        messages.info(request, _("Please sign in again to ask for a new link."))
    else:
        services.send_verification(user)
        messages.success(request, _("We have sent you a new confirmation link. Please check your mailbox."))
    return redirect("accounts:login")


@login_required
@sensitive_post_parameters("student_number", "date_of_birth", "national_id")
@never_cache
def link(request):
    if request.user.is_staff_member:
        raise PermissionDenied
    next_url = _safe_next(request)
    form = LinkForm(request.POST or None)
    if request.user.student_id is None and request.method == "POST" and form.is_valid():
        try:
            services.link_student(request.user, **form.cleaned_data)
        except services.LinkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your student record is now linked to your account."))
            return redirect(next_url or "portal:home")
    return render(request, "accounts/link.html", {"form": form, "next": next_url})


# Password reset: Django's views with our templates and e-mails.


class PasswordResetView(auth_views.PasswordResetView):
    form_class = AddressPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    email_template_name = "accounts/email/password_reset_body.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request, *args, **kwargs):
        # Limited per network address and per address typed (so nobody's mailbox is flooded).
        form = self.get_form()
        limited = throttle.hit(request, "password_reset_ip")
        if form.is_valid():
            limited = throttle.hit_email(request, "password_reset_email", form.cleaned_data["email"]) or limited
        if limited:
            form.add_error(None, limited.message())
            return throttle.too_many(request, limited, self.template_name, self.get_context_data(form=form))
        return self.form_valid(form) if form.is_valid() else self.form_invalid(form)

    @property
    def extra_email_context(self):
        return services.email_context()


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = VerifyingSetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


logout = auth_views.LogoutView.as_view()
