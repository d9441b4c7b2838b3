"""Staff sign-ins, from Django's authentication signals (connected in AuditConfig.ready)."""

from __future__ import annotations

from sealpost.audit.services import append


def staff_signed_in(sender, request, user, **kwargs):
    if getattr(user, "is_staff_member", False):
        append("staff.signed_in", actor=user, object_type="user", object_id=str(user.pk))


def staff_sign_in_failed(sender, credentials, request=None, **kwargs):
    """A wrong password for a staff account. Attempts on other addresses are not recorded:
    an unknown address may be a typo of someone's password, or anyone's personal address."""
    from sealpost.accounts.models import STAFF_ROLES, User

    username = credentials.get("username") or credentials.get("email")
    if not isinstance(username, str) or not username:
        return
    user = User.objects.filter(email__iexact=username.strip(), role__in=STAFF_ROLES).first()
    if user is not None:
        append("staff.sign_in_failed", actor="anonymous", object_type="user", object_id=str(user.pk),
               account=f"{user.email} ({user.role})")
