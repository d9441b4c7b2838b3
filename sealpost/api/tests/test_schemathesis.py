"""The API against its own OpenAPI description (issue 7), with schemathesis: every operation of
/api/v1/openapi.json is called with requests generated from the schema (valid ones, and ones
that break it), authenticated with a clerk's bearer token. Checked: never a server error; the
status code, content type and body of every answer are those the description documents.

The Django app is called in-process through its WSGI handler. Examples per operation:
``examples(...)`` (sealpost/portal/tests/fuzz.py).
"""

import pytest
import schemathesis
from schemathesis import GenerationMode, checks
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings

from sealpost.accounts.models import ApiToken
from sealpost.portal.tests.fuzz import examples


OPERATIONS = ["create_order", "get_order", "verify_file", "verify_code", "record_payment", "get_payments",
              "start_ecpay_checkout"]


@pytest.fixture
def bearer(make_user, make_student, settings):
    from sealpost.accounts.models import Role

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    make_student(student_number="109502001")
    return {"Authorization": f"Bearer {ApiToken.issue(make_user(role=Role.CLERK))}", "Host": "testserver",
            "Accept-Language": "en"}


def test_every_operation_is_tested(db):
    assert sorted(_operations()) == sorted(OPERATIONS)


def _operations() -> dict:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application(), headers={"Host": "testserver"})
    found = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        found[operation.definition.raw["operationId"]] = operation
    return found


# schemathesis's own pytest integration (schema.parametrize, from_fixture) does not run under
# this pytest; the operations' hypothesis strategies are driven directly instead.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("operation_id", OPERATIONS)
@pytest.mark.django_db(transaction=True)
def test_api_conforms_to_its_openapi_description(operation_id, mode, bearer):
    if mode == GenerationMode.NEGATIVE and operation_id == "verify_code":
        pytest.skip("any text is a code (an unknown one answers status unknown): no request breaks the schema")
    operation = _operations()[operation_id]

    @settings(max_examples=examples(60), deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        # positive_data_acceptance is left out on purpose: the description gives the shape of the
        # JSON (docs/api.md: "the shape ... is checked first"), while the values are checked by
        # the order form's rules (a passport name, a phone number, a known student number),
        # which a schema cannot say; a request of the right shape may be refused with 422.
        case.call_and_validate(headers=bearer, excluded_checks=[checks.positive_data_acceptance])

    run()
