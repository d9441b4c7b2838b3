"""Every answer under /api/v1/ is JSON in the documented error shape, also for an address that
does not exist and for a method an address does not take (issue 7)."""

import pytest

from .conftest import ORDERS


@pytest.mark.parametrize("method, path, status", [
    ("get", "/api/v1/", 404),
    ("get", "/api/v1/no/such/thing", 404),
    ("get", "/api/v1/orders/", 404),  # a trailing slash: not an address of the API
    ("post", "/api/v1/nope", 404),
    ("delete", ORDERS, 405),
    ("get", ORDERS, 405),
    ("put", "/api/v1/orders/SP00000000", 405),
    ("patch", "/api/v1/verify", 405),
])
@pytest.mark.parametrize("language, word", [("en", "address"), ("zh-hant", "")])
def test_unknown_paths_and_methods_answer_json(client, db, method, path, status, language, word):
    response = getattr(client, method)(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["errors"] == {}
    assert body["detail"]
    if status == 405:
        assert "Allow" in response
    if word:
        assert word in body["detail"]


def test_unknown_path_with_a_token_is_still_json(api, applicant_token):
    response = api.get("/api/v1/orders/SP00000000/nothing", token=applicant_token)
    assert response.status_code == 404
    assert response.json()["errors"] == {}


# --- bodies that used to answer 500 (found by test_bad_input.py) ---------------------------


@pytest.mark.parametrize("field", ["name_en", "remarks", "email"])
def test_a_lone_surrogate_is_refused_naming_the_field(api, applicant_token, field):
    import json

    from .conftest import order_payload

    raw = json.dumps({**order_payload(), field: "A\ud83d"})  # valid JSON, but not Unicode text
    response = api.post(ORDERS, raw=raw, token=applicant_token)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


def test_a_lone_surrogate_in_a_recipient_is_named_by_its_index(api, applicant_token):
    import json

    from .conftest import order_payload

    raw = json.dumps(order_payload(recipients=[{"email": "a@example.com"}, {"email": "b@example.com", "message": "\udc00"}]))
    response = api.post(ORDERS, raw=raw, token=applicant_token)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["recipients[1].message"]


def test_deeply_nested_json_is_refused_as_not_json(api, applicant_token):
    response = api.post(ORDERS, raw="[" * 100_000 + "]" * 100_000, token=applicant_token)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["body"]
