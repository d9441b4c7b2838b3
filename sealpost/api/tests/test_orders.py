import json

import pytest

from sealpost.accounts.models import Role
from sealpost.orders.models import Channel, Order, Status
from sealpost.records.models import StudentStatus

from .conftest import ORDERS, order_payload

FOUR_RECIPIENTS = [
    {"email": "ta-wei.chen@example.com", "message": ""},
    {"email": "admissions@mit.example.edu", "message": "Application ID 20240117"},
    {"email": "grad@stanford.example.edu", "message": "ASUID 1234567890"},
    {"email": "records@wes.example.org", "message": "WES Reference No.1234567"},
]


def place(api, token, **changes):
    return api.post(ORDERS, order_payload(**changes), token=token)


# --- placing an order ------------------------------------------------------------------------


def test_four_recipients_are_charged_from_the_third(api, applicant, applicant_token):
    response = place(
        api, applicant_token,
        documents=[{"type": "transcript", "language": "en"}, {"type": "degree_certificate", "language": "zh"}],
        recipients=FOUR_RECIPIENTS,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("SP") and len(body["number"]) == 10
    assert body["status"] == Status.SUBMITTED
    # Default fees: transcript NT$50, degree certificate NT$50; recipients 3 and 4 at NT$20.
    assert body["fee"]["total"] == 50 + 50 + 2 * 20
    assert body["fee"]["currency"] == "TWD"
    assert body["fee"]["lines"] == [
        {"kind": "document", "code": "transcript", "language": "en", "quantity": 1, "unit_amount": 50,
         "amount": 50, "label": "Transcript (English)"},
        {"kind": "document", "code": "degree_certificate", "language": "zh", "quantity": 1, "unit_amount": 50,
         "amount": 50, "label": "Degree certificate (Chinese)"},
        {"kind": "recipient", "code": "extra_recipient", "language": None, "quantity": 2, "unit_amount": 20,
         "amount": 40, "label": "Recipients from no. 3 on (2 × NT$20)"},
    ]
    assert [r["position"] for r in body["recipients"]] == [1, 2, 3, 4]
    assert [r["email"] for r in body["recipients"]] == [r["email"] for r in FOUR_RECIPIENTS]
    assert body["history"][0]["kind"] == "submitted"
    assert body["history"][0]["to_status"] == Status.SUBMITTED

    order = Order.objects.get(number=body["number"])
    assert order.total == 140
    assert order.applicant == applicant
    assert order.created_by == applicant
    assert order.student == applicant.student
    assert order.channel == Channel.ONLINE
    assert order.language == "en"
    assert order.recipients.count() == 4


def test_document_fees_follow_the_registrars_schedule(api, applicant_token):
    from sealpost.orders.models import DocumentFee

    DocumentFee.objects.create(document_type="transcript", amount=120)
    response = place(api, applicant_token)
    assert response.status_code == 201
    assert response.json()["fee"]["total"] == 120


def test_wes_reference_is_found_in_a_recipient_message(api, applicant_token):
    response = place(api, applicant_token, recipients=FOUR_RECIPIENTS)
    body = response.json()
    assert body["wes_reference"] == "1234567"
    assert body["wes_conflict"] == []
    assert Order.objects.get(number=body["number"]).is_wes


def test_wes_reference_is_null_without_one(api, applicant_token):
    body = place(api, applicant_token).json()
    assert body["wes_reference"] is None
    assert body["wes_conflict"] == []
    assert not [w for w in body["warnings"] if w["code"] == "wes_conflict"]


def test_wes_reference_from_the_dedicated_field(api, applicant_token):
    body = place(api, applicant_token, wes_reference="1234567IMM").json()
    assert body["wes_reference"] == "1234567IMM"


def test_wes_conflict_is_listed_when_remarks_and_message_differ(api, applicant_token):
    response = place(
        api, applicant_token, remarks="WES ref# 7654321",
        recipients=[{"email": "records@wes.example.org", "message": "WES Reference No.1234567"}],
    )
    assert response.status_code == 201
    body = response.json()
    assert body["wes_conflict"] == ["7654321", "1234567"]
    assert body["wes_reference"] == "7654321"  # the remarks win over recipient messages
    warning = next(w for w in body["warnings"] if w["code"] == "wes_conflict")
    assert warning["field"] == "wes_reference"
    assert "7654321" in warning["message"] and "1234567" in warning["message"]
    assert "wes_conflict" in [event["kind"] for event in body["history"]]


def test_unsupported_characters_in_the_chinese_name_are_a_warning(api, applicant_token):
    rare = "\U00031350"  # CJK Extension H: in none of the document fonts
    response = place(api, applicant_token, name_zh=f"陳大{rare}")
    assert response.status_code == 201
    warning = next(w for w in response.json()["warnings"] if w["code"] == "unsupported_characters")
    assert warning["field"] == "name_zh"
    assert "U+31350" in warning["message"]


def test_a_name_without_comma_is_a_warning_not_an_error(api, applicant_token):
    response = place(api, applicant_token, name_en="CHEN TA-WEI")
    assert response.status_code == 201
    assert "name_en_format" in [w["code"] for w in response.json()["warnings"]]


def test_applicant_may_leave_out_their_student_number_or_give_it(api, applicant, applicant_token):
    assert place(api, applicant_token).status_code == 201
    own = applicant.student.student_number
    assert place(api, applicant_token, student_number=own.lower()).status_code == 201


def test_language_for_messages_defaults_to_the_request_and_can_be_given(api, applicant_token):
    response = api.post(ORDERS, order_payload(), token=applicant_token, language="zh-Hant-TW,zh;q=0.9")
    assert response.status_code == 201
    assert response.json()["language"] == "zh-hant"
    response = place(api, applicant_token, language="zh-hant")
    assert response.json()["language"] == "zh-hant"


# --- invalid input: 422 naming each field ------------------------------------------------------


def recipients(n):
    return [{"email": f"school{i}@example.edu", "message": ""} for i in range(1, n + 1)]


INVALID = {
    "bad email in recipient 2": (
        {"recipients": [{"email": "a@example.edu", "message": ""}, {"email": "not-an-address", "message": ""}]},
        "recipients[1].email",
    ),
    "eleven recipients": ({"recipients": recipients(11)}, "recipients"),
    "no recipient": ({"recipients": []}, "recipients"),
    "blank recipient e-mail": ({"recipients": [{"email": "", "message": "hello"}]}, "recipients[0].email"),
    "duplicate recipient": (
        {"recipients": [{"email": "a@example.edu", "message": ""}, {"email": "A@example.edu ", "message": ""}]},
        "recipients[1].email",
    ),
    "control character in a message": (
        {"recipients": [{"email": "a@example.edu", "message": "ID \u202e123"}]}, "recipients[0].message",
    ),
    "message too long": ({"recipients": [{"email": "a@example.edu", "message": "x" * 501}]}, "recipients[0].message"),
    "missing name_en": ({"name_en": None, "__drop__": "name_en"}, "name_en"),
    "empty name_en": ({"name_en": "  "}, "name_en"),
    "name_en in Chinese characters": ({"name_en": "陳大偉"}, "name_en"),
    "name_en with a right-to-left override": ({"name_en": "CHEN, \u202eTA-WEI"}, "name_en"),
    "name_zh with digits": ({"name_zh": "陳大偉2"}, "name_zh"),
    "bad phone": ({"phone": "call me"}, "phone"),
    "bad e-mail": ({"email": "ta-wei.chen"}, "email"),
    "bad applicant type": ({"applicant_type": "visitor"}, "applicant_type"),
    "unknown document type": ({"documents": [{"type": "diploma", "language": "en"}]}, "documents"),
    "unknown document language": ({"documents": [{"type": "transcript", "language": "fr"}]}, "documents"),
    "no document": ({"documents": []}, "documents"),
    "the same document twice": (
        {"documents": [{"type": "transcript", "language": "en"}, {"type": "transcript", "language": "en"}]},
        "documents",
    ),
    "a document that is not an object": ({"documents": ["transcript:en"]}, "documents"),
    "bad WES reference": ({"wes_reference": "my WES case"}, "wes_reference"),
    "remarks too long": ({"remarks": "x" * 1001}, "remarks"),
    "unknown message language": ({"language": "fr"}, "language"),
    "wrong type for recipients": ({"recipients": "a@example.edu"}, "recipients"),
    "a recipient that is not an object": ({"recipients": ["a@example.edu"]}, "recipients[0]"),
    "wrong type for name_en": ({"name_en": 42}, "name_en"),
    "an unknown field": ({"surname": "CHEN"}, "surname"),
}


@pytest.mark.parametrize("changes, field", INVALID.values(), ids=INVALID.keys())
def test_invalid_input_answers_422_naming_the_field(api, applicant_token, changes, field):
    changes = dict(changes)
    payload = order_payload(**{k: v for k, v in changes.items() if k != "__drop__"})
    payload.pop(changes.get("__drop__"), None)
    response = api.post(ORDERS, payload, token=applicant_token)
    assert response.status_code == 422, response.content
    body = response.json()
    assert field in body["errors"], body
    assert all(isinstance(m, str) and m for m in body["errors"][field])
    assert body["detail"]
    assert not Order.objects.exists()


def test_degree_certificate_for_a_current_student_is_refused(api, make_student, make_user, token_for):
    current = make_student(status=StudentStatus.CURRENT)
    token = token_for(make_user(student=current))
    response = place(api, token, applicant_type="current",
                     documents=[{"type": "degree_certificate", "language": "en"}])
    assert response.status_code == 422
    assert response.json()["errors"] == {"documents": ["A degree certificate can be issued only to graduates."]}


@pytest.mark.parametrize("raw", ['{"applicant_type": "alumnus",', "not json", "\xff"], ids=["cut", "text", "bytes"])
def test_malformed_json_answers_422_naming_the_body(api, applicant_token, raw):
    response = api.post(ORDERS, raw=raw.encode("latin-1"), token=applicant_token)
    assert response.status_code == 422
    assert response.json()["errors"] == {"body": ["The request body is not valid JSON."]}


def test_a_body_that_is_not_an_object_answers_422(api, applicant_token):
    response = api.post(ORDERS, ["transcript"], token=applicant_token)
    assert response.status_code == 422
    assert response.json()["errors"] == {"body": ["The request body must be a JSON object."]}


def test_an_empty_body_answers_422(api, applicant_token):
    response = api.post(ORDERS, raw=b"", token=applicant_token)
    assert response.status_code == 422
    assert response.json()["errors"] == {"body": ["The request body must be a JSON object."]}


def test_an_empty_object_names_every_required_field(api, applicant_token):
    response = api.post(ORDERS, {}, token=applicant_token)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"applicant_type", "name_en", "phone", "email", "documents", "recipients"}


def test_every_error_of_the_forms_is_answered_at_once(api, applicant_token):
    response = place(
        api, applicant_token, name_en="陳大偉", phone="x",
        recipients=[{"email": "a@example.edu", "message": ""}, {"email": "bad", "message": ""}],
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"name_en", "phone", "recipients[1].email"}


def test_messages_follow_accept_language(api, applicant_token):
    payload = order_payload(recipients=[{"email": "bad", "message": ""}])
    english = api.post(ORDERS, payload, token=applicant_token, language="en")
    chinese = api.post(ORDERS, payload, token=applicant_token, language="zh-TW,zh;q=0.9")
    assert english.json()["errors"]["recipients[0].email"] == ["Enter a valid email address."]
    assert chinese.json()["errors"]["recipients[0].email"] == ["請輸入有效的電子郵件地址。"]
    assert chinese["Content-Language"] == "zh-hant"
    missing = api.post(ORDERS, {}, token=applicant_token, language="zh-hant").json()
    assert missing["errors"]["name_en"] == ["這個欄位是必須的。"]


# --- who may order -----------------------------------------------------------------------------


def test_applicant_cannot_order_for_another_student(api, applicant_token, make_student):
    other = make_student()
    response = place(api, applicant_token, student_number=other.student_number)
    assert response.status_code == 403
    assert list(response.json()["errors"]) == ["student_number"]
    assert not Order.objects.exists()


def test_applicant_without_a_linked_record_cannot_order(api, make_user, token_for):
    token = token_for(make_user())
    response = place(api, token)
    assert response.status_code == 403
    assert "student_number" in response.json()["errors"]


def test_clerk_orders_for_any_student_number(api, clerk, clerk_token, student):
    response = place(api, clerk_token, student_number=f" {student.student_number} ")
    assert response.status_code == 201, response.content
    order = Order.objects.get(number=response.json()["number"])
    assert order.student == student
    assert order.applicant is None
    assert order.created_by == clerk
    assert order.channel == Channel.ONLINE
    assert response.json()["student_number"] == student.student_number


def test_officer_may_order_too(api, make_user, token_for, student):
    token = token_for(make_user(role=Role.OFFICER))
    assert place(api, token, student_number=student.student_number).status_code == 201


def test_clerk_must_name_a_known_student(api, clerk_token):
    response = place(api, clerk_token, student_number="999999999", phone="x")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["student_number"] == ["No student record has this student number."]
    assert "phone" in errors  # the rest of the order is checked too
    response = place(api, clerk_token)
    assert response.json()["errors"]["student_number"] == ["This field is required."]


def test_auditor_cannot_place_orders(api, make_user, token_for, student):
    token = token_for(make_user(role=Role.AUDITOR))
    response = place(api, token, student_number=student.student_number)
    assert response.status_code == 403
    assert response.json()["detail"]
    assert not Order.objects.exists()


# --- reading an order --------------------------------------------------------------------------


@pytest.fixture
def placed(api, applicant_token):
    response = place(api, applicant_token, recipients=FOUR_RECIPIENTS, remarks="Please hurry")
    assert response.status_code == 201
    return response.json()


def test_applicant_reads_their_order(api, applicant_token, placed):
    response = api.get(f"{ORDERS}/{placed['number']}", token=applicant_token)
    assert response.status_code == 200
    body = response.json()
    assert body == placed
    for key in ["number", "status", "applicant_type", "channel", "name_zh", "name_en", "email", "phone",
                "remarks", "fee", "documents", "recipients", "wes_reference", "wes_conflict", "created_at", "history"]:
        assert key in body
    assert body["remarks"] == "Please hurry"
    assert body["documents"] == [{"type": "transcript", "language": "en", "label": "Transcript (English)"}]
    assert body["recipients"][3] == {"position": 4, "email": "records@wes.example.org",
                                     "message": "WES Reference No.1234567"}
    assert set(body["history"][0]) == {"at", "kind", "from_status", "to_status"}
    assert body["history"][0]["from_status"] is None


def test_the_number_is_read_case_insensitively(api, applicant_token, placed):
    assert api.get(f"{ORDERS}/{placed['number'].lower()}", token=applicant_token).status_code == 200


def test_another_applicant_gets_404_as_for_a_missing_order(api, make_student, make_user, token_for, placed):
    token = token_for(make_user(student=make_student()))
    theirs = api.get(f"{ORDERS}/{placed['number']}", token=token)
    missing = api.get(f"{ORDERS}/SP00000000", token=token)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()


@pytest.mark.parametrize("role", [Role.CLERK, Role.OFFICER, Role.AUDITOR])
def test_staff_read_any_order(api, make_user, token_for, placed, role):
    token = token_for(make_user(role=role))
    response = api.get(f"{ORDERS}/{placed['number']}", token=token)
    assert response.status_code == 200
    assert response.json()["number"] == placed["number"]


def test_labels_follow_accept_language(api, applicant_token, placed):
    body = api.get(f"{ORDERS}/{placed['number']}", token=applicant_token, language="en").json()
    assert body["fee"]["lines"][0]["label"] == "Transcript (English)"
    assert json.loads(json.dumps(body))  # serialisable, datetimes as strings


def test_a_body_too_large_answers_413_in_the_error_shape(api, applicant_token, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = place(api, applicant_token, remarks="x" * 200)
    assert response.status_code == 413
    assert response.json()["errors"] == {}
