"""Who may reach every page and every API endpoint (issue 7).

The table ACCESS below names, for every URL pattern of the project (Django's resolver walked
recursively, so the ninja API's routes are included), what each kind of visitor gets:

    anon     not signed in (for the API: no bearer token)
    owner    the applicant whose order, documents and links the URL's kwargs point to
    other    a second applicant, with a linked student record and an order of their own
    clerk, officer, auditor   registrar staff in each role

Outcomes (see ``outcome``): ok (allowed: any answer below 500 that is not one of the refusals
below; a POST with missing or invalid data may answer 200 with errors, 400, 409, 410 or 422),
login (redirect to the sign-in page), desk (an applicant page redirecting staff to the desk),
forbidden (403), notfound (404: for an applicant's objects this is how "not yours" is said),
unauth (API 401). Any 5xx fails.

test_every_url_pattern_has_a_permission_entry fails when a URL pattern exists that the table
does not cover, so that every new page gets a line here.
"""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from sealpost.accounts.models import ApiToken, Role
from sealpost.delivery import services as delivery_services
from sealpost.delivery.models import Delivery, WESSubmission
from sealpost.documents import storage
from sealpost.documents.models import Document, DocumentFile
from sealpost.orders import services as order_services
from sealpost.orders.models import Order, Status
from sealpost.records.models import Hold

ACTORS = ("anon", "owner", "other", "clerk", "officer", "auditor")

# Shorthands: the outcome for each actor, in the order of ACTORS.
PUBLIC = ("ok",) * 6
SIGNED_IN = ("login", "ok", "ok", "ok", "ok", "ok")
OWNER_PAGE = ("login", "ok", "notfound", "desk", "desk", "desk")  # portal: applicant_required + own order
APPLICANT_PAGE = ("login", "ok", "ok", "desk", "desk", "desk")  # portal: applicant_required
STAFF = ("login", "forbidden", "forbidden", "ok", "ok", "ok")
KEYING = ("login", "forbidden", "forbidden", "ok", "ok", "forbidden")  # clerk, officer
OFFICER_ONLY = ("login", "forbidden", "forbidden", "forbidden", "ok", "forbidden")
READERS = ("login", "forbidden", "forbidden", "forbidden", "ok", "ok")  # the audit trail: officer, auditor
OWN_ORDER_ONLY = ("login", "ok", "notfound", "notfound", "notfound", "notfound")  # payments: _own_order
API_READ = ("unauth", "ok", "notfound", "ok", "ok", "ok")
API_PUBLIC = PUBLIC
NOT_FOUND = ("notfound",) * 6

TOKEN = "<token>"  # replaced by the owner's delivery link token

# name: (method, kwargs, outcomes, settings overrides, json body for the API)
ACCESS: dict[str, tuple] = {
    # --- accounts: public pages (sign-in, registration, password reset) ----------------------
    "set_language": ("post", {}, PUBLIC, {}, None),
    "accounts:login": ("get", {}, PUBLIC, {}, None),
    # Public, but without a sign-in in progress (password given, code pending) they send to sign-in.
    "accounts:login_code": ("get", {}, ("login",) * 6, {}, None),
    "accounts:totp_setup": ("get", {}, ("login",) * 6, {}, None),
    "accounts:totp_enrol": ("get", {"uidb64": "<uid>", "token": "bad-token"}, PUBLIC, {}, None),  # "not valid"
    "accounts:logout": ("post", {}, PUBLIC, {}, None),
    "accounts:register": ("get", {}, PUBLIC, {}, None),
    "accounts:register_done": ("get", {}, PUBLIC, {}, None),
    "accounts:resend_verification": ("post", {}, ("login",) * 6, {}, None),  # public; answers with the sign-in page
    "accounts:verify": ("get", {"uidb64": "<uid>", "token": "bad-token"}, PUBLIC, {}, None),
    "accounts:password_reset": ("get", {}, PUBLIC, {}, None),
    "accounts:password_reset_done": ("get", {}, PUBLIC, {}, None),
    "accounts:password_reset_complete": ("get", {}, PUBLIC, {}, None),
    "accounts:password_reset_confirm": ("get", {"uidb64": "<uid>", "token": "bad-token"}, PUBLIC, {}, None),
    # linking a student record: applicants only
    "accounts:link": ("get", {}, ("login", "ok", "ok", "forbidden", "forbidden", "forbidden"), {}, None),
    # --- the applicant's portal ---------------------------------------------------------------
    "portal:home": ("get", {}, PUBLIC, {}, None),
    "portal:orders": ("get", {}, APPLICANT_PAGE, {}, None),
    "portal:order_new": ("get", {}, APPLICANT_PAGE, {}, None),
    "portal:order_confirm": ("get", {}, APPLICANT_PAGE, {}, None),
    "portal:order": ("get", {"number": "<number>"}, OWNER_PAGE, {}, None),
    "portal:order_status": ("get", {"number": "<number>"}, OWNER_PAGE, {}, None),
    "portal:order_cancel": ("post", {"number": "<number>"}, OWNER_PAGE, {}, None),
    "portal:recipient_correct": ("post", {"number": "<number>", "position": 1}, OWNER_PAGE, {}, None),
    "portal:order_form_pdf": ("get", {"number": "<number>"}, OWNER_PAGE, {}, None),
    "portal:document_download": ("get", {"number": "<number>", "code": "<code>"}, OWNER_PAGE, {}, None),
    # the applicant's own personal data (no kwargs: each applicant sees and downloads only their own)
    "portal:personal_data": ("get", {}, APPLICANT_PAGE, {}, None),
    "portal:personal_data_download": ("get", {}, APPLICANT_PAGE, {}, None),
    # --- payments -------------------------------------------------------------------------------
    "payments:ecpay_notify": ("post", {}, PUBLIC, {}, None),  # ECPay's server; checked by CheckMacValue
    "payments:ecpay_return": ("get", {"number": "<number>"}, OWN_ORDER_ONLY, {}, None),
    "payments:checkout": ("get", {"number": "<number>"}, OWN_ORDER_ONLY, "ecpay", None),
    "payments:demo_pay": ("post", {"number": "<number>"}, OWN_ORDER_ONLY, {"DEMO": True}, None),
    "payments:send_notice": ("post", {"number": "<number>"}, KEYING, {}, None),
    "payments:record": ("get", {"number": "<number>"}, KEYING, {}, None),
    "payments:refund": ("post", {"number": "<number>"}, KEYING, {}, None),
    "payments:cancel": ("post", {"number": "<number>"}, KEYING, {}, None),
    "issuance:approve": ("post", {"number": "<number>"}, OFFICER_ONLY, {}, None),  # approving issuance: officers
    # --- delivery: links are bearer capabilities (anyone with the token) -------------------------
    "delivery:link": ("get", {"token": TOKEN}, PUBLIC, {}, None),
    "delivery:download": ("get", {"token": TOKEN, "code": "<code>"}, PUBLIC, {}, None),
    "delivery:resend": ("post", {"pk": "<delivery>"}, KEYING, {}, None),
    "delivery:wes_confirm": ("post", {"number": "<number>"}, ("login", "ok", "notfound", "ok", "ok", "forbidden"), {}, None),
    "delivery:wes_reupload": ("post", {"number": "<number>"}, KEYING, {}, None),
    "delivery:wes_retry": ("post", {"pk": "<wes>"}, KEYING, {}, None),
    # --- the registrar's desk -------------------------------------------------------------------
    "desk:orders": ("get", {}, STAFF, {}, None),
    "desk:bulk": ("post", {}, KEYING, {}, None),
    "desk:reports": ("get", {}, STAFF, {}, None),
    "desk:reports_csv": ("get", {}, STAFF, {}, None),
    "desk:hold_release": ("post", {"pk": "<hold>"}, KEYING, {}, None),
    "desk:order_new": ("get", {}, KEYING, {}, None),
    "desk:order": ("get", {"number": "<number>"}, STAFF, {}, None),
    "desk:order_form_pdf": ("get", {"number": "<number>"}, STAFF, {}, None),
    "desk:scanned_form": ("get", {"number": "<number>"}, STAFF, {}, None),
    "desk:document_download": ("get", {"number": "<number>", "code": "<code>"}, STAFF, {}, None),
    "desk:document_revoke": ("post", {"number": "<number>", "code": "<code>"}, OFFICER_ONLY, {}, None),
    "workdays:calendar": ("get", {}, STAFF, {}, None),
    "workdays:remove": ("post", {"date": "2026-10-10"}, OFFICER_ONLY, {}, None),
    "audit:trail": ("get", {}, READERS, {}, None),
    "audit:check": ("post", {}, READERS, {}, None),
    # --- the manual: the applicants' is public, the staff's is the desk's ------------------------
    "help:index": ("get", {}, PUBLIC, {}, None),
    "help:page": ("get", {"slug": "wes"}, PUBLIC, {}, None),
    "staff_help:index": ("get", {}, STAFF, {}, None),
    "staff_help:page": ("get", {"slug": "queue"}, STAFF, {}, None),
    # --- public verification and the PKI ---------------------------------------------------------
    "verify:index": ("get", {}, PUBLIC, {}, None),
    "verify:hash": ("get", {"sha256": "0" * 64}, PUBLIC, {}, None),
    "verify:code": ("get", {"code": "<code>"}, PUBLIC, {}, None),
    "verify:file": ("get", {"token": "not-a-token"}, PUBLIC, {}, None),  # answers "check again"
    "documents:ca_certificate": ("get", {}, PUBLIC, {}, None),
    "documents:ca_crl": ("get", {}, PUBLIC, {}, None),
    # --- the demonstration mailbox: anyone, but only on a demonstration system -------------------
    "demo:mailbox": ("get", {}, PUBLIC, {"DEMO": True}, None),
    "demo:wes": ("get", {}, PUBLIC, {"DEMO": True}, None),
    "demo:message": ("get", {"name": "no-such-message"}, NOT_FOUND, {"DEMO": True}, None),
    # --- the JSON API (bearer tokens, not sessions) ---------------------------------------------
    "api:openapi-json": ("get", {}, API_PUBLIC, {}, None),
    "api:openapi-view": ("get", {}, API_PUBLIC, {}, None),
    "api:api-root": ("get", {}, NOT_FOUND, {}, None),
    "api:not_found": ("get", {"rest": "no/such/thing"}, NOT_FOUND, {}, None),
    "api:create_order": ("post", {}, ("unauth", "ok", "ok", "ok", "ok", "forbidden"), {}, "order"),
    "api:get_order": ("get", {"number": "<number>"}, API_READ, {}, None),
    "api:get_payments": ("get", {"number": "<number>"}, API_READ, {}, None),
    "api:record_payment": ("post", {"number": "<number>"}, ("unauth", "forbidden", "notfound", "ok", "ok", "forbidden"), {},
                           {"amount": 1, "method": "counter", "reference": "R-1"}),
    "api:start_ecpay_checkout": ("post", {"number": "<number>"}, API_READ, {}, {}),
    "api:verify_file": ("post", {}, API_PUBLIC, {}, "file"),
    "api:verify_code": ("get", {"code": "<code>"}, API_PUBLIC, {}, None),
}

ECPAY_TEST_MERCHANT = {"ECPAY_MERCHANT_ID": "2000132", "ECPAY_HASH_KEY": "5294y06JbISpM5x9", "ECPAY_HASH_IV": "v77hoKGq4kWxNNIS"}


def url_names(patterns=None, namespace=None):
    """Every named URL pattern, as "namespace:name"; an unnamed pattern is reported by its route."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace and (f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace)
            yield from url_names(pattern.url_patterns, inner or namespace)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or f"<unnamed {pattern.pattern}>"
            yield f"{namespace}:{name}" if namespace else name


def test_every_url_pattern_has_a_permission_entry():
    names = set(url_names())
    missing = sorted(names - set(ACCESS))
    assert not missing, f"URL patterns without a line in ACCESS (say who may reach them): {missing}"
    stale = sorted(set(ACCESS) - names)
    assert not stale, f"ACCESS lines for URL patterns that no longer exist: {stale}"


# --- the world the URLs point into ------------------------------------------------------------


@pytest.fixture
def world(make_user, make_student, applicant, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    cache.clear()  # rate limits must not carry over from one test to the next
    other = make_user(student=make_student(), email="other.applicant@example.com")
    users = {
        "owner": applicant, "other": other,
        "clerk": make_user(role=Role.CLERK), "officer": make_user(role=Role.OFFICER), "auditor": make_user(role=Role.AUDITOR),
    }
    order = _issued_order(applicant)
    _issued_order(other)  # the second applicant has an order too: theirs is not the owner's
    document = order.issued_documents.first()
    delivery = Delivery.objects.create(order=order, recipient=order.recipients.first(), message_id="<h5-perm@example.edu>")
    link = delivery_services.new_link(delivery)
    wes = WESSubmission.objects.create(order=order)
    hold = Hold.objects.create(student=applicant.student, reference="LIB-1", reason="Library books", placed_on=datetime.date(2024, 1, 2))
    order.scanned_form.save("scan.pdf", ContentFile(b"%PDF-1.4 scanned form 2-07-3"))
    values = {
        "<number>": order.number, "<code>": document.verification_code, "<delivery>": delivery.pk, "<wes>": wes.pk,
        "<hold>": hold.pk, "<uid>": urlsafe_base64_encode(force_bytes(applicant.pk)),
        TOKEN: delivery_services.token_for(link),
    }
    return users, values


def _issued_order(user):
    draft = order_services.Draft(
        applicant_type="alumnus", documents=[("transcript", "en")], name_en="CHEN, TA-WEI", name_zh="陳大偉",
        phone="0912345678", email=user.email, recipients=[(user.email, "WES Reference No. 1234567")],
    )
    order = order_services.place_order(student=user.student, draft=draft, applicant=user, actor=user)
    Order.objects.filter(pk=order.pk).update(status=Status.ISSUED)
    order.refresh_from_db()
    data = f"%PDF-1.7 stand-in transcript {order.number}".encode()
    document = Document.objects.create(order=order, student=order.student, document_type="transcript", language="en",
                                       holder_name_en=order.name_en, holder_name_zh=order.name_zh, issued_at=timezone.now())
    DocumentFile.objects.create(document=document, sha256=storage.put(data), size=len(data))
    return order


def outcome(response, login_url, desk_url) -> str:
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if status in (301, 302, 303, 307):
        location = response["Location"]
        if location.startswith(login_url):
            return "login"
        if location.startswith(desk_url):
            return "desk"
        return "ok"
    return {401: "unauth", 403: "forbidden", 404: "notfound", 405: "method not allowed"}.get(status, "ok")


def _request(client, method, url, body, token):
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if body == "file":
        return client.post(url, {"file": ContentFile(b"%PDF-1.4 not ours", name="x.pdf")}, **headers)
    if body is not None:
        return client.generic(method.upper(), url, data=json.dumps(body), content_type="application/json", **headers)
    return getattr(client, method)(url, **headers)


ORDER_BODY = {
    "applicant_type": "alumnus", "name_zh": "陳大偉", "name_en": "CHEN, TA-WEI", "phone": "0912-345-678",
    "email": "someone@example.com", "documents": [{"type": "transcript", "language": "en"}],
    "recipients": [{"email": "someone@example.com", "message": ""}],
}


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_who_may_reach(name, world, settings):
    users, values = world
    method, kwargs, expected, overrides, body = ACCESS[name]
    if overrides == "ecpay":
        overrides = ECPAY_TEST_MERCHANT
    for setting, value in overrides.items():
        setattr(settings, setting, value)
    url = reverse(name, kwargs={k: values.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()})
    is_api = name.startswith("api:")
    if body == "order":
        body = ORDER_BODY
    login_url, desk_url = reverse("accounts:login"), reverse("desk:orders")
    got = {}
    for actor, want in zip(ACTORS, expected):
        client = Client()
        user = users.get(actor)
        token = None
        if user is not None:
            if is_api:
                token = ApiToken.issue(user)
            else:
                client.force_login(user)
        if name == "api:create_order" and user is not None:
            body = {**ORDER_BODY, "email": user.email}
            if user.is_staff_member:
                body["student_number"] = users["owner"].student.student_number
        cache.clear()
        got[actor] = outcome(_request(client, method, url, body, token), login_url, desk_url)
        if got[actor] == "desk" and want == "ok":
            got[actor] = "ok"  # a desk action that answers by going back to the queue
    assert got == dict(zip(ACTORS, expected)), f"{method.upper()} {url}"


@pytest.mark.parametrize("name", ["demo:mailbox", "demo:wes"])
def test_demo_mailbox_is_not_there_outside_a_demonstration(name, settings, world):
    settings.DEMO = False
    assert Client().get(reverse(name)).status_code == 404


def test_the_personal_data_download_holds_only_the_applicants_own_data(client, world):
    users, values = world
    client.force_login(users["other"])
    response = client.get(reverse("portal:personal_data_download"))
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert values["<number>"].encode() not in body  # the owner's order number
    assert users["owner"].email.encode() not in body
