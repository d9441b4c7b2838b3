"""The audit trail on the desk: who may read it, filters, and the "check the chain" button."""

import pytest

from sealpost.audit import services
from sealpost.audit.views import PER_PAGE

from .conftest import raw

pytestmark = pytest.mark.django_db
URL = "/desk/audit/"
CHECK = "/desk/audit/check/"


@pytest.fixture
def trail(db):
    for n in range(1, 4):
        services.append("document.downloaded", object_type="document", object_id=f"AAAA-BBBB-CCCC-000{n}", via="desk")
    services.append("order.cancelled", object_type="order", object_id="SP12345678", to="cancelled")


@pytest.mark.parametrize("who", ["auditor", "officer"])
def test_auditors_and_officers_read_the_trail(request, client, trail, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Audit trail" in page and "Check the chain" in page
    assert 'id="entry-4"' in page and "SP12345678" in page and "Order cancelled" in page


@pytest.mark.parametrize("who", ["clerk", "applicant"])
def test_clerks_and_applicants_are_refused(request, client, trail, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
    assert client.post(CHECK).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_filter_by_action_and_object(client, auditor, trail):
    client.force_login(auditor)
    page = client.get(URL, {"action": "order.cancelled"}).content.decode()
    assert "SP12345678" in page and "AAAA-BBBB" not in page
    page = client.get(URL, {"object": "aaaa-bbbb-cccc-0002"}).content.decode()
    assert "AAAA-BBBB-CCCC-0002" in page and "AAAA-BBBB-CCCC-0001" not in page and "SP12345678" not in page
    page = client.get(URL, {"action": "document.downloaded", "object": "SP12345678"}).content.decode()
    assert "No entries match." in page


def test_pages_newest_first(client, auditor):
    for n in range(PER_PAGE + 5):
        services.append("test.note", object_id=f"N{n}")
    client.force_login(auditor)  # one more entry: the auditor's sign-in
    first = client.get(URL).content.decode()
    assert f'id="entry-{PER_PAGE + 6}"' in first and 'id="entry-1"' not in first
    second = client.get(URL, {"page": 2}).content.decode()
    assert 'id="entry-1"' in second and f'id="entry-{PER_PAGE + 6}"' not in second


def test_check_the_chain_intact_and_broken(client, auditor, trail):
    client.force_login(auditor)  # entry 5
    page = client.post(CHECK).content.decode()
    assert 'data-ok="1"' in page and "The chain of 5 entries is intact." in page
    raw("UPDATE {table} SET object_id = %s WHERE seq = 3", ["AAAA-BBBB-CCCC-9999"])
    page = client.post(CHECK, {"action": "order.cancelled"}).content.decode()
    assert 'data-ok="0"' in page and 'data-seq="3"' in page and "Broken at entry 3" in page
    assert "Hash mismatch" in page
    assert "SP12345678" in page and "AAAA-BBBB" not in page  # the filters are kept


def test_check_needs_a_post(client, auditor):
    client.force_login(auditor)
    assert client.get(CHECK).status_code == 405
