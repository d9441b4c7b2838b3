"""Reports on a small fixed set of orders: per day and week, the two promises, WES uploads, CSV."""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pytest

from sealpost.desk import reports
from sealpost.desk.tests.helpers import EN, place, set_fields
from sealpost.orders.models import OrderEvent, Status

TAIPEI = ZoneInfo("Asia/Taipei")
D = datetime.date


def at(day: str, time: str = "10:00", tz=TAIPEI) -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=tz)


@pytest.fixture
def dataset(student):
    """Four weeks ending Friday 2026-03-13: weeks from Mondays 02-16, 02-23, 03-02 and 03-09."""
    def order(**fields):
        return set_fields(place(student), **fields)

    o = {}
    # notice on time, dispatched on time, uploaded to WES
    o["1"] = order(created_at=at("2026-03-09"), payment_notice_due=D(2026, 3, 10),
                   payment_notice_sent_at=at("2026-03-10", "09:00"), paid_at=at("2026-03-11", "12:00"), total=100,
                   dispatch_due=D(2026, 3, 16), dispatched_at=at("2026-03-12"), wes_uploaded_at=at("2026-03-12", "15:00"),
                   status=Status.DELIVERED)
    # notice late; paid, dispatch not yet due on 03-13
    o["2"] = order(created_at=at("2026-03-09", "15:00"), payment_notice_due=D(2026, 3, 10),
                   payment_notice_sent_at=at("2026-03-12"), paid_at=at("2026-03-13"), total=150,
                   dispatch_due=D(2026, 3, 18), status=Status.PAID)
    # notice never sent, past due
    o["3"] = order(created_at=at("2026-03-02"), payment_notice_due=D(2026, 3, 3), status=Status.SUBMITTED)
    # cancelled before any notice: not counted for notices
    o["4"] = order(created_at=at("2026-03-03"), payment_notice_due=D(2026, 3, 4), status=Status.CANCELLED)
    # placed before the period, paid and issued in it (no dispatch record yet: the issued event counts)
    o["5"] = order(created_at=at("2026-02-10"), payment_notice_due=D(2026, 2, 11),
                   payment_notice_sent_at=at("2026-02-11"), paid_at=at("2026-02-17"), total=80,
                   dispatch_due=D(2026, 2, 23), wes_uploaded_at=at("2026-02-25"), status=Status.ISSUED)
    OrderEvent.objects.filter(pk=OrderEvent.objects.create(order=o["5"], kind="issued").pk).update(at=at("2026-02-20"))
    # 00:30 in Taipei on 03-09 is still 03-08 in UTC: it counts on 03-09; its notice is not due yet
    o["6"] = order(created_at=datetime.datetime(2026, 3, 8, 16, 30, tzinfo=datetime.UTC), payment_notice_due=D(2026, 3, 16),
                   status=Status.SUBMITTED)
    # 01:00 on 03-14 in Taipei: after the period
    o["7"] = order(created_at=datetime.datetime(2026, 3, 13, 17, 0, tzinfo=datetime.UTC), status=Status.SUBMITTED)
    # paid online at once without a notice; dispatch overdue
    o["8"] = order(created_at=at("2026-03-10"), payment_notice_due=D(2026, 3, 11), paid_at=at("2026-03-10", "10:05"),
                   total=50, dispatch_due=D(2026, 3, 12), status=Status.PAID)
    return o


def test_figures(dataset):
    report = reports.compute("4w", end=D(2026, 3, 13), today=D(2026, 3, 13))
    assert (report.start, report.end) == (D(2026, 2, 16), D(2026, 3, 13))
    assert len(report.days) == 26
    assert [w.label for w in report.weeks] == ["2026-W08", "2026-W09", "2026-W10", "2026-W11"]
    days = {d.start: (d.orders, d.revenue) for d in report.days}
    assert days[D(2026, 3, 9)] == (3, 0)
    assert days[D(2026, 3, 10)] == (1, 50)
    assert days[D(2026, 3, 11)] == (0, 100)
    assert days[D(2026, 3, 13)] == (0, 150)
    assert days[D(2026, 2, 17)] == (0, 80)
    assert sum(d.orders for d in report.days) == 6
    weeks = {w.label: w for w in report.weeks}
    w11 = weeks["2026-W11"]
    assert (w11.orders, w11.revenue, w11.wes_uploads) == (4, 300, 1)
    assert (w11.notices_on_time, w11.notices_counted) == (1, 2)  # 1 on time, 2 late; 6 pending, 8 paid online
    assert (w11.dispatches_on_time, w11.dispatches_counted) == (1, 2)  # 1 on time, 8 late; 2 not yet due
    assert (weeks["2026-W10"].notices_on_time, weeks["2026-W10"].notices_counted) == (0, 1)
    w08 = weeks["2026-W08"]
    assert (w08.orders, w08.revenue, w08.dispatches_on_time, w08.dispatches_counted) == (0, 80, 1, 1)
    assert weeks["2026-W09"].wes_uploads == 1
    total = report.total
    assert (total.orders, total.revenue, total.wes_uploads) == (6, 380, 2)
    assert (total.notice_percent, total.dispatch_percent) == ("33.3%", "66.7%")


def test_later_the_pending_ones_are_late(dataset):
    w11 = reports.compute("4w", end=D(2026, 3, 13), today=D(2026, 3, 20)).weeks[-1]
    assert (w11.notices_on_time, w11.notices_counted) == (1, 3)
    assert (w11.dispatches_on_time, w11.dispatches_counted) == (1, 3)


def test_page_with_charts(clerk_client, dataset):
    response = clerk_client.get("/desk/reports/?period=4w&end=2026-03-13", **EN)
    page = response.content.decode()
    assert response.status_code == 200
    assert '<dd id="total-orders">6</dd>' in page and '<dd id="total-revenue">NT$380</dd>' in page
    assert page.count("<svg ") == 6 and page.count('role="img"') == 6
    assert '<title id="chart-orders-day-title">Orders per day</title>' in page
    assert "<title>03-09: 3</title>" in page  # each bar says what it is
    assert "2026-W11" in page and '<section class="card" id="per-day">' in page  # the tables beside the charts
    assert 'href="/desk/reports.csv?period=4w&amp;end=2026-03-13"' in page


def test_default_period_is_eight_weeks(clerk_client):
    report = clerk_client.get("/desk/reports/").context["report"]
    assert report.period == "8w" and len(report.weeks) == 8


def test_csv(clerk_client, dataset):
    response = clerk_client.get("/desk/reports.csv?period=4w&end=2026-03-13", **EN)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="sealpost-report-2026-02-16-2026-03-13.csv"' in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Report", "2026-02-16", "2026-03-13"]
    assert rows[2] == ["Per day"] and rows[3] == ["Date", "Orders", "Revenue (NT$)"]
    assert ["2026-03-09", "3", "0"] in rows and ["2026-03-10", "1", "50"] in rows
    header = rows.index(["Per week"]) + 1
    assert rows[header][:4] == ["Week", "Week starting", "Orders", "Revenue (NT$)"]
    weeks = {row[0]: row for row in rows[header + 1:]}
    # Today is after 2026-03-18: the notice of 6 and the dispatch of 2 are late by now.
    assert weeks["2026-W11"] == ["2026-W11", "2026-03-09", "4", "300", "1", "3", "33.3", "1", "3", "33.3", "1"]
    assert weeks["Total"] == ["Total", "", "6", "380", "1", "4", "25", "2", "4", "50", "2"]


def test_csv_in_chinese_keeps_its_characters(clerk_client, dataset):
    from django.utils import translation

    with translation.override("zh-hant"):
        expected = [translation.gettext("Date"), translation.gettext("Orders"), translation.gettext("Revenue (NT$)")]
    response = clerk_client.get("/desk/reports.csv?period=4w&end=2026-03-13", HTTP_ACCEPT_LANGUAGE="zh-Hant")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[3] == expected


@pytest.mark.parametrize("path", ["/desk/reports/", "/desk/reports.csv"])
def test_reports_for_all_staff_only(auditor_client, applicant_client, path):
    assert auditor_client.get(path).status_code == 200
    assert applicant_client.get(path).status_code == 403


def test_nice_ceiling():
    assert [reports.nice_ceiling(v) for v in (0, 1, 3, 7, 12, 380, 1000)] == [1, 1, 5, 10, 20, 500, 1000]
