"""Field errors are tied to their fields and summarised at the top (issue 14, WCAG 1.3.1, 3.3.1,
4.1.2), for every form of the site, without a browser: each form is sent empty (or wrong) and
the answer is read as HTML.

- every id that an aria-describedby names is in the page (Django 5.2 points fields at
  <id>_helptext and <id>_error: the templates must give those ids);
- an invalid field (aria-invalid) is described by its error;
- the errors are summarised at the top, in #error-summary, each linked to its field;
- no list of errors carries role="alert" (which takes a list's meaning from its items).
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from sealpost.accounts.models import Role
from sealpost.desk.tests.helpers import place

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


class Page(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.summary_links: list[str] = []
        self._in_summary = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        self.elements.append((tag, attrs))
        if attrs.get("id") == "error-summary":
            self._in_summary = 1
        elif self._in_summary and tag == "div":
            self._in_summary += 1
        if self._in_summary and tag == "a":
            self.summary_links.append(attrs.get("href", ""))

    def handle_endtag(self, tag):
        if self._in_summary and tag == "div":
            self._in_summary -= 1

    @property
    def ids(self) -> set[str]:
        return {attrs["id"] for _tag, attrs in self.elements if "id" in attrs}

    def problems(self, *, errors_expected: bool) -> list[str]:
        ids, found = self.ids, []
        for tag, attrs in self.elements:
            name = f"<{tag} id={attrs.get('id', '')!r} name={attrs.get('name', '')!r}>"
            described = attrs.get("aria-describedby", "").split()
            found += [f"{name}: aria-describedby names {i!r}, not in the page" for i in described if i not in ids]
            if attrs.get("aria-invalid") == "true" and not any(i.endswith("_error") for i in described):
                found.append(f"{name} is invalid but not described by its error")
            if tag in ("ul", "ol") and attrs.get("role") == "alert":
                found.append(f"<{tag} class={attrs.get('class', '')!r}> has role=alert")
        if errors_expected:
            if "error-summary" not in ids:
                found.append("no #error-summary")
            found += [f"summary link {href} leads nowhere" for href in self.summary_links if href[1:] not in ids]
            invalid = [attrs["id"] for _tag, attrs in self.elements if attrs.get("aria-invalid") == "true"]
            found += [f"#{i} is not in the summary" for i in invalid if f"#{i}" not in self.summary_links]
        return found


@pytest.fixture
def users(make_user, make_student, applicant):
    return {
        "anon": None, "applicant": applicant, "newcomer": make_user(email="new@example.com"),
        "officer": make_user(role=Role.OFFICER), "clerk": make_user(role=Role.CLERK),
    }


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


ORDER_POST = {"applicant_type": "alumnus", "name_en": "", "phone": "", "email": "not an address",
              "recipients-TOTAL_FORMS": "2", "recipients-INITIAL_FORMS": "0",
              "recipients-0-email": "a@example.com", "recipients-1-email": "wrong", "action": "review"}

# (who, url, data): data None is a GET (the form as it opens), else a POST that fails (not empty:
# the views take an empty POST for a form not sent).
FORMS = {
    "sign-in": ("anon", "/accounts/login/", {"email": ""}),
    "register": ("anon", "/accounts/register/", {"email": "x"}),
    "register, as it opens": ("anon", "/accounts/register/", None),
    "password reset": ("anon", "/accounts/password/reset/", {"email": ""}),
    "link a record": ("newcomer", "/accounts/link/", {"student_number": ""}),
    "order form, as it opens": ("applicant", "/orders/new/", None),
    "order form": ("applicant", "/orders/new/", ORDER_POST),
    "key in 2-07-3, as it opens": ("officer", "/desk/orders/new/", None),
    "key in 2-07-3": ("officer", "/desk/orders/new/", {**ORDER_POST, "student_number": ""}),
    "calendar": ("officer", "/desk/calendar/", {"date": "not a date"}),
    "record a payment": ("clerk", "/payments/desk/{number}/record/", {"amount": "-1"}),
    "verify a code": ("anon", "/verify/?code=nonsense", None),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_field_errors_are_tied_to_their_fields_and_summarised(form, users, applicant):
    who, url, data = FORMS[form]
    if "{number}" in url:
        url = url.format(number=place(applicant.student, applicant=applicant).number)
    client = client_for(users[who])
    response = client.get(url, **EN) if data is None else client.post(url, data, **EN)
    assert response.status_code in (200, 400), response.status_code
    page = Page(response.content.decode())
    errors_expected = data is not None or "nonsense" in url
    assert page.problems(errors_expected=errors_expected) == []


def test_password_reset_confirm_errors_are_tied_and_summarised(applicant):
    from django.contrib.auth.tokens import default_token_generator

    client = Client()
    uid = urlsafe_base64_encode(force_bytes(applicant.pk))
    form_url = client.get(f"/accounts/password/reset/{uid}/{default_token_generator.make_token(applicant)}/", **EN).url
    page = Page(client.post(form_url, {"new_password1": "a", "new_password2": "b"}, **EN).content.decode())
    assert page.problems(errors_expected=True) == []
