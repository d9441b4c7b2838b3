import datetime

import pytest
from django.test import Client
from django.utils import timezone

from sealpost.accounts.models import ApiToken, Role
from sealpost.orders.models import Order

from .conftest import ORDERS, order_payload


def assert_401(response, *, invalid_token):
    assert response.status_code == 401
    body = response.json()
    assert body["errors"] == {}
    assert body["detail"]
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith("Bearer")
    assert ('error="invalid_token"' in challenge) is invalid_token


def test_missing_token_answers_401(api, db):
    assert_401(api.post(ORDERS, order_payload()), invalid_token=False)
    assert_401(api.get(f"{ORDERS}/SP00000000"), invalid_token=False)


def test_unknown_token_answers_401(api, applicant_token):
    assert_401(api.post(ORDERS, order_payload(), token=applicant_token + "x"), invalid_token=True)
    assert_401(api.get(f"{ORDERS}/SP00000000", token="sp_" + "A" * 300), invalid_token=True)


def test_other_schemes_are_refused(client, applicant_token):
    response = client.get(f"{ORDERS}/SP00000000", HTTP_AUTHORIZATION=f"Token {applicant_token}")
    assert response.status_code == 401


def test_expired_token_answers_401(api, applicant, token_for):
    token = token_for(applicant, expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert_401(api.post(ORDERS, order_payload(), token=token), invalid_token=True)
    assert not Order.objects.exists()


def test_token_that_has_not_yet_expired_works(api, applicant, token_for):
    token = token_for(applicant, expires_at=timezone.now() + datetime.timedelta(days=1))
    assert api.post(ORDERS, order_payload(), token=token).status_code == 201


def test_token_of_a_disabled_account_answers_401(api, applicant, applicant_token):
    applicant.is_active = False
    applicant.save()
    assert_401(api.post(ORDERS, order_payload(), token=applicant_token), invalid_token=True)


def test_authentication_comes_before_reading_the_body(api, db):
    response = api.post(ORDERS, raw=b"{not json")
    assert response.status_code == 401


def test_last_used_at_is_written_at_most_once_a_minute(api, applicant, applicant_token, monkeypatch):
    record = ApiToken.objects.get(user=applicant)
    assert record.last_used_at is None
    api.get(f"{ORDERS}/SP00000000", token=applicant_token)
    record.refresh_from_db()
    first = record.last_used_at
    assert first is not None

    api.get(f"{ORDERS}/SP00000000", token=applicant_token)
    record.refresh_from_db()
    assert record.last_used_at == first

    later = first + datetime.timedelta(minutes=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    api.get(f"{ORDERS}/SP00000000", token=applicant_token)
    record.refresh_from_db()
    assert record.last_used_at == later


def test_no_csrf_token_is_needed_with_a_bearer_token(applicant_token):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        ORDERS, order_payload(), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {applicant_token}"
    )
    assert response.status_code == 201


def test_a_session_alone_does_not_authenticate(applicant_client):
    response = applicant_client.post(ORDERS, order_payload(), content_type="application/json")
    assert response.status_code == 401


def test_401_message_follows_accept_language(api, db):
    english = api.get(f"{ORDERS}/SP00000000", language="en").json()["detail"]
    assert "Authorization: Bearer" in english


# --- the OpenAPI description -------------------------------------------------------------------


@pytest.fixture
def openapi(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_openapi_lists_both_paths(openapi):
    assert openapi["info"]["title"] == "sealpost API"
    assert openapi["info"]["version"] == "1"
    assert set(openapi["paths"]) >= {"/api/v1/orders", "/api/v1/orders/{number}"}


def test_openapi_documents_responses_and_bearer_auth(openapi):
    create = openapi["paths"]["/api/v1/orders"]["post"]
    read = openapi["paths"]["/api/v1/orders/{number}"]["get"]
    assert set(create["responses"]) == {"201", "401", "403", "422"}
    assert set(read["responses"]) == {"200", "401", "404"}
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/OrderIn")
    schemes = openapi["components"]["securitySchemes"]
    assert any(s == {"type": "http", "scheme": "bearer"} for s in schemes.values())
    assert create["security"] and read["security"]


def test_openapi_lists_allowed_values(openapi):
    schemas = openapi["components"]["schemas"]
    document = schemas["DocumentIn"]["properties"]
    assert document["type"]["enum"] == ["transcript", "degree_certificate", "enrollment_certificate", "rank_certificate"]
    assert document["language"]["enum"] == ["zh", "en"]
    assert schemas["OrderIn"]["properties"]["applicant_type"]["enum"] == ["alumnus", "current", "international"]
    assert set(schemas["OrderIn"]["required"]) == {"applicant_type", "name_en", "phone", "email", "documents", "recipients"}
    for name in ["OrderOut", "FeeOut", "FeeLineOut", "ErrorOut", "EventOut"]:
        assert name in schemas


def test_interactive_docs_are_served(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_staff_role_is_not_needed_for_openapi(client, make_user, db):
    # The description is public: it says nothing about any order.
    make_user(role=Role.AUDITOR)
    assert client.get("/api/v1/openapi.json").status_code == 200
