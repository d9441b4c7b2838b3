"""The order form under generated input (issue 7, "Bad input"): field values of any Unicode,
control characters, full-width digits, emoji, very long strings, missing and repeated fields,
recipient rows of any number and any management-form values.

Promised: never a server error; a rejected form says what is wrong next to the field at fault
(no error without a field, except for the recipient rows as a whole), in Traditional Chinese and
in English alike.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.urls import reverse
from django.utils.html import escape
from hypothesis import event, given, settings
from hypothesis import strategies as st

from sealpost.portal.tests.fuzz import GOOD, examples, field_values, hostile_text, messages_translated
from sealpost.portal.tests.helpers import order_post

URL = "/orders/new/"
FIELDS = ["applicant_type", "name_zh", "name_en", "phone", "email", "wes_reference", "remarks"]


@st.composite
def order_posts(draw):
    data = order_post()
    for name in FIELDS + ["documents"]:
        how = draw(st.sampled_from(["keep"] * 4 + ["replace"] * 3 + ["missing", "repeat"]))
        values = field_values(GOOD[name])
        if how == "replace":
            data[name] = draw(st.lists(values, min_size=1, max_size=4)) if name == "documents" else draw(values)
        elif how == "missing":
            data.pop(name, None)
        elif how == "repeat":
            data[name] = draw(st.lists(values, min_size=2, max_size=4))
    # Recipient rows: how many are sent, how many the management form says, and their fields.
    rows = draw(st.integers(0, 13))
    for key in [k for k in data if k.startswith("recipients-") and k[11:12].isdigit()]:
        del data[key]
    for i in range(rows):
        if draw(st.booleans()) or i == 0:
            data[f"recipients-{i}-email"] = draw(field_values(GOOD["email"]))
        if draw(st.booleans()):
            data[f"recipients-{i}-message"] = draw(field_values(GOOD["message"]))
    total = st.one_of(st.just(str(rows)), st.integers(-3, 10**20).map(str), hostile_text(12))
    for key in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
        how = draw(st.sampled_from(["keep"] * 3 + ["replace", "missing"]))
        if key == "TOTAL_FORMS" and how == "keep":
            data[f"recipients-{key}"] = str(rows)
        elif how == "replace":
            data[f"recipients-{key}"] = draw(total)
        elif how == "missing":
            data.pop(f"recipients-{key}", None)
    data["action"] = draw(st.sampled_from(
        ["review"] * 8 + ["add_recipient", "remove_recipient-0", "remove_recipient-99", "remove_recipient-x", "", "?"]))
    return data


def _errors(response) -> dict[str, list[str]]:
    """The errors of the form and of the recipient rows, keyed as a person finds them."""
    form, formset = response.context["form"], response.context["formset"]
    errors = {name: list(messages) for name, messages in form.errors.items()}
    if formset.is_bound:
        if formset.non_form_errors():
            errors["recipients"] = list(formset.non_form_errors())
        for i, row_errors in enumerate(formset.errors):
            for name, messages in row_errors.items():
                errors[f"recipients-{i}-{name}"] = list(messages)
    return errors


def _check(response, data) -> dict[str, list[str]]:
    assert response.status_code < 500
    if response.status_code == 302:
        assert response["Location"] == reverse("portal:order_confirm")
        return {}
    assert response.status_code == 200, response.status_code
    errors = _errors(response)
    if data.get("action", "review") in ("add_recipient",) or str(data.get("action", "")).startswith("remove_recipient-"):
        return errors  # the rows were changed: the form is shown again, not checked
    assert errors, "a form that was not accepted must say why"
    assert NON_FIELD_ERRORS not in errors, f"an error not bound to a field: {errors[NON_FIELD_ERRORS]}"
    assert not any(key.endswith(f"-{NON_FIELD_ERRORS}") for key in errors), errors
    page = response.content.decode()
    for messages in errors.values():
        for message in messages:
            assert escape(message) in page, f"the message is not shown: {message!r}"
    return errors


@settings(max_examples=examples(1500))
@given(data=order_posts())
def test_order_form_names_every_field_at_fault_in_both_languages(applicant_client, data):
    en = applicant_client.post(URL, data, HTTP_ACCEPT_LANGUAGE="en")
    errors_en = _check(en, data)
    zh = applicant_client.post(URL, data, HTTP_ACCEPT_LANGUAGE="zh-hant")
    errors_zh = _check(zh, data)
    assert en.status_code == zh.status_code
    event("accepted" if en.status_code == 302 else "rejected" if errors_en else "rows changed")
    problems = messages_translated(errors_en, errors_zh)
    assert not problems, problems
