"""The desk on a desktop screen and on a phone (issue 14), in a real browser: the work queue uses
the window's width (its status pills on one line), and the report charts' axis labels neither
overlap nor are cut off."""

import pytest

from sealpost.desk.tests.helpers import days, place, set_fields
from sealpost.orders.models import Status
from sealpost.system.tests import a11y

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATUSES = [Status.SUBMITTED, Status.UNDER_REVIEW, Status.AWAITING_PAYMENT, Status.PAID, Status.ISSUED]


@pytest.fixture
def queue(student):
    for n, status in enumerate(STATUSES):
        set_fields(place(student, email=f"applicant{n}@example.com", wes_reference="1234567"),
                   status=status, next_deadline=days(n - 2))


@pytest.fixture
def officer_visitor(browser, live_server, make_user):
    from sealpost.accounts.models import Role

    officer = make_user(role=Role.OFFICER, email="officer@registrar.example.edu")
    visitors = []

    def open_(language):
        visitor = a11y.Visitor(browser, live_server.url, language).as_user(officer)
        visitors.append(visitor)
        return visitor

    yield open_
    for visitor in visitors:
        visitor.close()


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_the_queue_uses_the_width_of_a_desktop_window(officer_visitor, queue, language):
    visitor = officer_visitor(language)
    visitor.goto("/desk/")
    page = visitor.page
    # Before: squeezed into the site's 900 px reading column, the table overflowing it.
    width = page.evaluate("document.getElementById('orders').getBoundingClientRect().width")
    assert width >= 1100, width
    assert a11y.sideways(page) == 0
    pills = page.evaluate("""() => [...document.querySelectorAll('#orders .status')].map(
        pill => [pill.textContent, pill.getClientRects().length, pill.getBoundingClientRect().height])""")
    assert len(pills) == len(STATUSES)
    for text, boxes, height in pills:
        assert boxes == 1 and height < 30, f"{text!r} wraps: {height}px high"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_report_chart_labels_neither_overlap_nor_are_cut(officer_visitor, queue, size):
    visitor = officer_visitor("en")
    visitor.page.set_viewport_size(a11y.DESKTOP if size == "desktop" else a11y.PHONE)
    for query in ("?period=4w", "", "?period=13w", "?period=52w"):
        visitor.goto("/desk/reports/" + query)
        problems = visitor.page.evaluate("""() => {
            const found = [];
            for (const svg of document.querySelectorAll("figure.chart svg")) {
                const frame = svg.getBoundingClientRect();
                const labels = [...svg.querySelectorAll("text.axis")].map(t => [t.textContent, t.getBoundingClientRect()]);
                for (const [text, r] of labels) {
                    if (r.left < frame.left - 0.5 || r.right > frame.right + 0.5) found.push(`${svg.parentNode.id}: ${text} cut`);
                }
                for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
                    const [a, ra] = labels[i], [b, rb] = labels[j];
                    if (Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left) > 0
                        && Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top) > 0) found.push(`${svg.parentNode.id}: ${a} / ${b}`);
                }
            }
            return found;
        }""")
        assert problems == [], query
        assert a11y.sideways(visitor.page) == 0, query
