"""Every error the API answers has one shape::

    {"detail": "a sentence for a person", "errors": {"field": ["message", ...], ...}}

``errors`` names each offending field as the client sent it: a top-level field by its name
(``name_en``), a field of a recipient by its index in the list (``recipients[1].email``),
what concerns the recipients as a whole as ``recipients``, the documents as ``documents``,
and a body that is not a JSON object as ``body``. It is empty when no field is at fault
(401, 404). Messages are in the request's language (Accept-Language).
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer

Errors = dict[str, list[str]]


class Utf8JSONRenderer(JSONRenderer):
    # Names and messages are mostly Chinese: send them as UTF-8, not as \u escapes.
    json_dumps_params = {"ensure_ascii": False}


# The API's renderer (api.py gives it to the NinjaAPI): error answers made outside a view's
# return value (a view decorator, the exception handlers) are rendered by it too.
RENDERER = Utf8JSONRenderer()


def response(request, status: int, detail: str, errors: Errors | None = None, headers: dict | None = None) -> HttpResponse:
    """An answer in the error shape, rendered as the API renders (NinjaAPI.create_response)."""
    content = RENDERER.render(request, {"detail": str(detail), "errors": errors or {}}, response_status=status)
    answer = HttpResponse(content, status=status, content_type=f"{RENDERER.media_type}; charset={RENDERER.charset}")
    for name, value in (headers or {}).items():
        answer[name] = value
    return answer


class ApiError(Exception):
    """An answer other than success, raised from a view and turned into the error shape."""

    def __init__(self, status: int, detail: str, errors: Errors | None = None, headers: dict | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or {}
        self.headers = headers or {}


def invalid(errors: Errors) -> ApiError:
    return ApiError(422, _("The request has errors; each field at fault is named in “errors”."), errors)


class MalformedBody(ValueError):
    """The body is not JSON (or not UTF-8)."""


class UnencodableText(MalformedBody):
    """A JSON string holds a lone surrogate ("\\ud83d"): valid JSON, but no Unicode text. It
    could be neither stored nor answered (UTF-8 cannot encode it), so it is refused up front,
    naming the fields where it was found."""

    def __init__(self, fields: list[str]):
        super().__init__(", ".join(fields))
        self.fields = fields


def _unencodable(value, path: tuple = ()) -> list[tuple]:
    """The paths of the strings (values and keys) in a JSON document that UTF-8 cannot encode."""
    found = []
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            found.append(path)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _unencodable(item, (*path, i))
    elif isinstance(value, dict):
        for key, item in value.items():
            found += _unencodable(key, (*path, key)) or _unencodable(item, (*path, key))
    return found


class JsonParser(Parser):
    """ninja wraps any parse failure into a bare HTTP 400; raising our own exception lets the
    handler below recognise the cause and answer in the common error shape."""

    def parse_body(self, request):
        import json

        try:
            data = json.loads(request.body)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise MalformedBody(str(exc)) from exc
        bad = _unencodable(data)
        if bad and not isinstance(data, dict):
            raise UnencodableText(["body"])
        if bad:
            raise UnencodableText(list(dict.fromkeys(field_name(("body", "payload", *path)) for path in bad)))
        return data


# pydantic error types, told in words a person can act on. Django's own messages are used
# where one fits, so that they are already translated.
def _message(error: dict, field: str) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        if field == "body":  # nothing was sent
            return _("The request body must be a JSON object.")
        return _("This field is required.")
    if kind == "list_type":
        return _("Enter a list of values.")
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        if field == "body":
            return _("The request body must be a JSON object.")
        return _("Enter a JSON object.")
    if kind.startswith("string_"):
        return _("Enter a JSON string.")
    if kind == "extra_forbidden":
        return _("This field is not recognised.")
    return _("Enter a valid value.")


def field_name(loc: tuple | list) -> str:
    """The name of the field a pydantic error location points to, as documented above."""
    loc = list(loc)
    if loc and loc[0] == "body":
        loc = loc[2:]  # "body" and the name of the view's body argument
    elif loc and loc[0] in {"path", "query", "header", "cookie"}:
        loc = loc[1:]
    if not loc:
        return "body"
    head, rest = str(loc[0]), loc[1:]
    if head == "documents":
        return "documents"
    name = head
    if rest and isinstance(rest[0], int):
        name += f"[{rest[0]}]"
        rest = rest[1:]
    if rest:
        name += "." + ".".join(str(part) for part in rest)
    return name


def from_validation_error(exc: ValidationError) -> Errors:
    errors: Errors = {}
    for error in exc.errors:
        field = field_name(error.get("loc", ()))
        message = _message(error, field)
        if message not in errors.setdefault(field, []):
            errors[field].append(message)
    return errors


def install(api) -> None:
    """Answer every error raised while handling an API request in the common shape."""

    respond = response

    def on_api_error(request, exc: ApiError):
        return respond(request, exc.status, exc.detail, exc.errors, exc.headers)

    def on_validation_error(request, exc: ValidationError):
        return respond(request, 422, invalid({}).detail, from_validation_error(exc))

    def on_authentication_error(request, exc: AuthenticationError):
        # RFC 6750: say which scheme is expected, and whether the token given was refused.
        problem = getattr(request, "_sealpost_token_problem", None)
        if problem:
            detail = _("The bearer token is not valid: it is unknown, expired or revoked, or its account is disabled.")
            challenge = 'Bearer realm="sealpost", error="invalid_token"'
        else:
            detail = _("Authentication required: send the header “Authorization: Bearer <token>”.")
            challenge = 'Bearer realm="sealpost"'
        return respond(request, 401, detail, headers={"WWW-Authenticate": challenge})

    def on_http_error(request, exc: HttpError):
        if isinstance(exc.__cause__, UnencodableText):
            message = _("The text contains a character that is not valid Unicode (a lone surrogate).")
            return respond(request, 422, invalid({}).detail, {field: [message] for field in exc.__cause__.fields})
        if isinstance(exc.__cause__, MalformedBody):
            return respond(request, 422, invalid({}).detail, {"body": [_("The request body is not valid JSON.")]})
        return respond(request, exc.status_code, exc.message)

    def on_not_found(request, exc: Http404):
        return respond(request, 404, _("Not found."))

    def on_too_big(request, exc: RequestDataTooBig):
        return respond(request, 413, _("The request body is too large."))

    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(AuthenticationError, on_authentication_error)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(RequestDataTooBig, on_too_big)
