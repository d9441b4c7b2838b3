"""Issue 14, problem 8: the order page follows its order without being reloaded by hand. While
the order moves by itself (paid and being issued, issued and being e-mailed, uploaded to WES),
the page's script asks a small status endpoint of the applicant's own order every few seconds
and shows the news in a polite live region; no inline script (the CSP forbids it)."""

import re

import pytest
from django.urls import reverse

from sealpost.orders import services as order_services
from sealpost.orders.models import Order, Status


def place(applicant, status=Status.PAID):
    draft = order_services.Draft(
        applicant_type="alumnus", documents=[("transcript", "en")], name_en="CHEN, TA-WEI", name_zh="陳大偉",
        phone="0912345678", email=applicant.email, recipients=[(applicant.email, "")], language="en")
    order = order_services.place_order(student=applicant.student, draft=draft, applicant=applicant)
    Order.objects.filter(pk=order.pk).update(status=status)
    order.refresh_from_db()
    return order


def test_the_status_endpoint_answers_for_the_own_order_only(applicant_client, applicant, make_user, make_student):
    order = place(applicant)
    url = reverse("portal:order_status", args=[order.number])
    response = applicant_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    data = response.json()
    assert data["status"] == "paid" and data["in_progress"] is True and data["state"]
    assert "Payment received. Your documents are being issued and signed." in data["html"]

    Order.objects.filter(pk=order.pk).update(status=Status.AWAITING_PAYMENT)
    assert applicant_client.get(url).json()["in_progress"] is False  # nothing moves by itself: no asking

    applicant_client.force_login(make_user(student=make_student(), email="someone.else@example.com"))
    assert applicant_client.get(url).status_code == 404


def test_the_order_page_carries_the_live_region_and_a_script_file(applicant_client, applicant):
    order = place(applicant)
    page = applicant_client.get(reverse("portal:order", args=[order.number]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    region = re.search(r'<section class="card" id="order-progress"[^>]*>', page).group(0)
    assert 'aria-live="polite"' in region and 'data-in-progress="true"' in region
    assert f'data-status-url="{reverse("portal:order_status", args=[order.number])}"' in region
    assert '<script src="/static/sealpost/order-status.js" defer></script>' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # no inline script


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_order_page_updates_itself_after_paying(signed_in_page, live_server, applicant):
    order = place(applicant, Status.PAID)
    page = signed_in_page(applicant, "en")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/orders/{order.number}/")
    assert "being issued and signed" in page.text_content("#order-progress")
    Order.objects.filter(pk=order.pk).update(status=Status.ISSUED)  # the worker issued it meanwhile
    page.locator("#order-progress", has_text="Your documents are issued").wait_for(timeout=20_000)
    assert page.text_content("#order-status") == "Issued"  # the page was loaded again: all of it is new
    assert errors == []
    page.context.close()
