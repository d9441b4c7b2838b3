"""Helpers for the API tests: a client that speaks JSON with a bearer token, and a valid order."""

import json

import pytest

from sealpost.accounts.models import ApiToken

ORDERS = "/api/v1/orders"


class ApiClient:
    def __init__(self, client):
        self.client = client

    def _headers(self, token, language):
        headers = {"HTTP_ACCEPT_LANGUAGE": language}
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return headers

    def post(self, path, body=None, *, token=None, language="en", raw=None):
        data = raw if raw is not None else json.dumps(body)
        return self.client.post(path, data=data, content_type="application/json", **self._headers(token, language))

    def get(self, path, *, token=None, language="en"):
        return self.client.get(path, **self._headers(token, language))


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The fixtures create users with passwords; the real hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api(client):
    return ApiClient(client)


@pytest.fixture
def token_for(db):
    def issue(user, **fields):
        return ApiToken.issue(user, **fields)

    return issue


@pytest.fixture
def applicant_token(applicant, token_for):
    return token_for(applicant)


@pytest.fixture
def clerk_token(clerk, token_for):
    return token_for(clerk)


def order_payload(**changes):
    payload = {
        "applicant_type": "alumnus",
        "name_zh": "陳大偉",
        "name_en": "CHEN, TA-WEI",
        "phone": "0912-345-678",
        "email": "ta-wei.chen@example.com",
        "remarks": "",
        "documents": [{"type": "transcript", "language": "en"}],
        "recipients": [{"email": "ta-wei.chen@example.com", "message": ""}],
    }
    payload.update(changes)
    return payload
