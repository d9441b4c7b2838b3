"""Staff sign-ins, from Django's authentication signals (connected in AuditConfig.ready)."""

from __future__ import annotations

from sealpost.audit.services import append


def staff_signed_in(sender, request, user, **kwargs):
    if getattr(user, "is_staff_member", False):
        append("staff.signed_in", actor=user, object_type="user", object_id=str(user.pk))


def staff_sign_in_failed(sender, credentials, request=None, **kwargs):
    """A wrong password for a staff account. Attempts on other addresses are not recorded:
    an unknown address may be a typo of someone's password, or anyone's personal address."""
    # The account model by the setting (the audit trail sits below accounts and imports nothing
    # of it): its manager finds an account by any form of its address (at most one), and a staff
    # account says so (is_staff_member: a clerk, an officer or an auditor).
    from django.contrib.auth import get_user_model

    username = credentials.get("username") or credentials.get("email")
    if not isinstance(username, str) or not username:
        return
    user = get_user_model().objects.with_email(username).first()
    if user is not None and user.is_staff_member:
        append("staff.sign_in_failed", actor="anonymous", object_type="user", object_id=str(user.pk),
               account=f"{user.email} ({user.role})")
