"""Bearer tokens: ``Authorization: Bearer <token>``, issued with ``sealpost token EMAIL``.

Only a token's SHA-256 is stored (accounts.ApiToken), so a token is looked up by its digest.
A token is refused when it is unknown, expired, or belongs to a disabled account.
"""

from datetime import timedelta

from django.utils import timezone
from ninja.security import HttpBearer

from sealpost.accounts.models import ApiToken

# How often last_used_at is written: often enough to tell a live token from a forgotten one,
# rarely enough that a busy client does not turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)

# Tokens issued by ApiToken.issue are about 46 characters; anything far longer is not one.
MAX_TOKEN_LENGTH = 200


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        token = token.strip()
        if not token or len(token) > MAX_TOKEN_LENGTH:
            request._sealpost_token_problem = "invalid"
            return None
        api_token = ApiToken.objects.select_related("user").filter(digest=ApiToken.digest_of(token)).first()
        now = timezone.now()
        if (
            api_token is None
            or not api_token.user.is_active
            or (api_token.expires_at is not None and api_token.expires_at <= now)
        ):
            request._sealpost_token_problem = "invalid"
            return None
        if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
            api_token.last_used_at = now
        request.user = api_token.user
        request.api_token = api_token
        return api_token.user
