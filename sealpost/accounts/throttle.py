"""Rate limits and the sign-in lockout: the rules, kept out of the views.

Rate limits (django-ratelimit, counting in the shared cache) cap how often one network address,
one e-mail address or one download link may do something in a window; the limits are
settings.RATE_LIMITS, read from the environment (docs/configuration.md, "Rate limits"). Past the
limit the person gets HTTP 429 with a page or a form message saying when to try again, never an
error page.

The lockout pauses sign-in with an e-mail address after LOGIN_LOCKOUT_FAILURES wrong passwords
(or wrong one-time codes for staff) within LOGIN_LOCKOUT_WINDOW_MINUTES, for
LOGIN_LOCKOUT_MINUTES. It is keyed by the address typed, whether or not an account has it, so
the answer never tells whether an account exists; a lock on a real account is written to the
audit trail with the account number only. Addresses are counted in their canonical form, the one
accounts are stored and looked up in (sealpost.accounts.addresses): every spelling that signs in
to an account ("Student@…", "ſtudent@…", full-width letters) counts towards the same lock.

If the cache cannot be reached, the limits let requests through (and log it) rather than
refuse everyone.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import ngettext
from django_ratelimit.core import _split_rate, get_usage, rate_re

from sealpost.accounts.addresses import normalise_email

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limited:
    """A refusal: how long until the person may try again."""

    seconds: int
    lockout: bool = False  # sign-in with one address paused, rather than a rate limit

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.seconds / 60))

    def message(self) -> str:
        if self.lockout:
            # Said of the address typed, whether or not an account has it.
            return ngettext(
                "Too many failed sign-ins with this e-mail address. Signing in with it is paused: "
                "try again in %(minutes)s minute.",
                "Too many failed sign-ins with this e-mail address. Signing in with it is paused: "
                "try again in %(minutes)s minutes.",
                self.minutes,
            ) % {"minutes": self.minutes}
        return ngettext(
            "Too many attempts. Try again in %(minutes)s minute.",
            "Too many attempts. Try again in %(minutes)s minutes.",
            self.minutes,
        ) % {"minutes": self.minutes}


# --- who is asking ---------------------------------------------------------------------------


def client_ip(request) -> str:
    """The client's address (settings.RATELIMIT_IP_META_KEY). REMOTE_ADDR, unless
    CLIENT_IP_HEADER names the header a reverse proxy puts it in; of a list (X-Forwarded-For)
    the last entry, the one our proxy added, since a client can write anything before it."""
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        entries = [part.strip() for part in value.split(",") if part.strip()]
        if entries:
            try:
                return str(ipaddress.ip_address(entries[-1]))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"


def _keyed(value: str) -> str:
    """An e-mail address or a link token as a keyed hash: the cache never holds either."""
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


# --- rate limits -----------------------------------------------------------------------------


def hit(request, scope: str, value: str | None = None) -> Limited | None:
    """Count one request under a limit of settings.RATE_LIMITS; a Limited once it is over.

    Counted per client address, or per ``value`` (an e-mail address, a token) when given."""
    rate = settings.RATE_LIMITS.get(scope)
    if not rate:
        return None
    key = "ip" if value is None else (lambda group, request: _keyed(value))
    try:
        usage = get_usage(request, group=f"sealpost.{scope}", key=key, rate=rate, increment=True)
    except Exception:  # noqa: BLE001 - an unreachable cache must not turn into an error page
        log.exception("rate limit %s not checked: the cache failed", scope)
        return None
    if usage is None or not usage["should_limit"]:
        return None
    log.info("rate limit %s reached", scope)
    return Limited(max(int(usage["time_left"]), 1))


def hit_email(request, scope: str, email: str) -> Limited | None:
    """hit() per e-mail address, counted in its canonical form (like the lockout), so that
    "Student@…" and "ſtudent@…" share one count."""
    return hit(request, scope, normalise_email(email))


def too_many(request, limited: Limited, template: str = "throttled.html", context: dict | None = None):
    """The 429 answer: a page saying when to try again (or the given form page, redisplayed)."""
    response = render(request, template, {"limited": limited, "limit_message": limited.message(), **(context or {})},
                      status=429)
    response["Retry-After"] = str(limited.seconds)
    response["Cache-Control"] = "no-store"
    return response


def limit(*scopes: str, value_kwarg: str | None = None, value_scope: str | None = None):
    """Decorate a view: each request counts under the per-address ``scopes`` (and, with
    value_kwarg, under ``value_scope`` per value of that URL argument, e.g. a link token);
    over a limit, the 429 page instead of the view."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            limited = None
            for scope in scopes:
                limited = hit(request, scope) or limited
            if value_kwarg and value_scope and kwargs.get(value_kwarg):
                limited = hit(request, value_scope, str(kwargs[value_kwarg])) or limited
            if limited:
                response = too_many(request, limited)
                response["Referrer-Policy"] = "no-referrer"
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- sign-in lockout ---------------------------------------------------------------------------


def _lock_key(email: str) -> str:
    return "sealpost:lockout:" + _keyed(normalise_email(email))


def locked_out(email: str) -> Limited | None:
    """Whether sign-in with this address is paused, and for how long."""
    if not email:
        return None
    try:
        until = cache.get(_lock_key(email))
    except Exception:  # noqa: BLE001
        log.exception("sign-in lockout not checked: the cache failed")
        return None
    if not until:
        return None
    left = int(until - time.time())
    return Limited(left, lockout=True) if left > 0 else None


def sign_in_failed(request, email: str) -> Limited | None:
    """Count a wrong password (or a wrong one-time code) for this address; lock sign-in with it
    once there have been LOGIN_LOCKOUT_FAILURES within the window. Returns the lock if this
    failure set it."""
    email = normalise_email(email)
    if not email or not getattr(settings, "RATELIMIT_ENABLE", True):
        return None
    rate = (settings.LOGIN_LOCKOUT_FAILURES, settings.LOGIN_LOCKOUT_WINDOW_MINUTES * 60)
    try:
        usage = get_usage(request, group="sealpost.login_failures", key=lambda group, request: _keyed(email),
                          rate=rate, increment=True)
        if usage is None or usage["count"] < settings.LOGIN_LOCKOUT_FAILURES:
            return None
        seconds = settings.LOGIN_LOCKOUT_MINUTES * 60
        if not cache.add(_lock_key(email), time.time() + seconds, seconds):
            return locked_out(email)
    except Exception:  # noqa: BLE001
        log.exception("sign-in failure not counted: the cache failed")
        return None
    _audit_lock(email, usage["count"])
    return Limited(seconds, lockout=True)


def _audit_lock(email: str, failures: int) -> None:
    from sealpost.accounts.models import User
    from sealpost.audit.services import append

    user = User.objects.with_email(email).only("pk").first()
    if user is None:
        log.info("sign-in locked for an address that has no account")
        return
    log.warning("sign-in locked for user %s after %s failures", user.pk, failures)
    append("account.locked", actor="sign-in lockout", object_type="user", object_id=str(user.pk),
           failures=failures, minutes=settings.LOGIN_LOCKOUT_MINUTES)


# --- configuration check -----------------------------------------------------------------------


@checks.register(checks.Tags.security)
def check_rates(app_configs=None, **kwargs):
    """Refuse to start with a limit that django-ratelimit could not read (it would fail on the
    first request instead)."""
    errors = []
    for scope, rate in getattr(settings, "RATE_LIMITS", {}).items():
        match = rate_re.fullmatch(rate) if isinstance(rate, str) else None
        if not match or _split_rate(rate)[1] <= 0:
            errors.append(checks.Error(
                f"rate limit {scope!r} is {rate!r}: write it as count/period, e.g. 30/5m",
                hint="See docs/configuration.md, 'Rate limits'.", id="sealpost.E101"))
    for name in ("LOGIN_LOCKOUT_FAILURES", "LOGIN_LOCKOUT_WINDOW_MINUTES", "LOGIN_LOCKOUT_MINUTES"):
        if getattr(settings, name, 1) < 1:
            errors.append(checks.Error(f"{name} must be at least 1", id="sealpost.E102"))
    return errors
