"""Who may open a staff page: a view decorator every area above accounts may use."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def staff_required(roles=None):
    """Signed in as registrar staff (any staff role, or one of ``roles``); 403 for anyone else
    signed in, the sign-in page for the others."""

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
