"""The JSON API (version 1), mounted at /api/v1/: OpenAPI at /api/v1/openapi.json, interactive
documentation at /api/v1/docs. See docs/api.md."""

from ninja import NinjaAPI

from sealpost.api import errors
from sealpost.api.auth import BearerToken
from sealpost.api.orders import router as orders_router
from sealpost.api.verify import router as verify_router

api = NinjaAPI(
    title="sealpost API",
    version="1",
    description=(
        "Order signed electronic academic records. Authenticate with a bearer token "
        "(`Authorization: Bearer <token>`), issued by the registrar with `sealpost token EMAIL`. "
        "Errors answer `{\"detail\": ..., \"errors\": {field: [messages]}}`; messages follow "
        "Accept-Language (zh-hant or en)."
    ),
    urls_namespace="api",
    auth=BearerToken(),
    parser=errors.JsonParser(),
    renderer=errors.RENDERER,
)
errors.install(api)
api.add_router("", orders_router)
api.add_router("", verify_router)
api.add_router("", "sealpost.api.payments.router")
