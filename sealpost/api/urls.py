"""Mounted by sealpost.urls at api/v1/ under the namespace "api".

Every answer under /api/v1/ is JSON in the documented error shape (sealpost.api.errors), also
where ninja or Django would answer HTML or plain text: a method a path does not take (ninja's
bare 405) and a path that does not exist (Django's 404 page, or its 400 page when DEBUG is off).
"""

from functools import wraps

from django.http import HttpResponseNotAllowed
from django.urls import re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from sealpost.api.api import api


def _error(request, status: int, detail: str, headers: dict | None = None):
    response = api.create_response(request, {"detail": str(detail), "errors": {}}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _json_not_allowed(view):
    """ninja answers a method no operation of the path takes with a plain-text 405."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            return _error(request, 405, _("This address does not take the method %(method)s.") % {"method": request.method},
                          {"Allow": response["Allow"]})
        return response

    return wrapped


@csrf_exempt
def not_found(request, rest="", **kwargs):
    return _error(request, 404, _("There is no such address in the API; see /api/v1/docs."))


_patterns, _app_name, _namespace = api.urls
for _pattern in _patterns:
    if _pattern.name == "api-root":
        # ninja's own view raises Http404 outside the API's handlers: Django's HTML page. The
        # pattern stays (ninja reverses it to find where the API is mounted).
        _pattern.callback = not_found
    else:
        _pattern.callback = _json_not_allowed(_pattern.callback)

urlpatterns = [*_patterns, re_path(r"^(?P<rest>.*)$", not_found, name="not_found")]
app_name = "api"
