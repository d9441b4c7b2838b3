"""Reports for the registrar: orders and revenue per day and per week, how often the promises were
kept (a payment notice within 1 business day, dispatch within 3), and uploads to WES; as a page
with charts and as CSV.

The charts are inline SVG drawn here on the server: a handful of bar charts does not justify a
JavaScript charting library and a build step, and SVG with a title, a description and a table
beside it is readable by everyone, with or without script.
"""

from __future__ import annotations

import csv
import datetime
import math
from dataclasses import dataclass, field

from django.db.models import OuterRef, Q, Subquery
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from sealpost.accounts.access import staff_required
from sealpost.orders.models import Order, OrderEvent, Status
from sealpost.orders.templatetags.orders import ntd

PERIODS = {"4w": 4, "8w": 8, "13w": 13, "26w": 26, "52w": 52}
DEFAULT_PERIOD = "8w"


@dataclass
class Bucket:
    """One day or one week of figures."""

    start: datetime.date
    label: str = ""
    orders: int = 0
    revenue: int = 0
    notices_on_time: int = 0
    notices_counted: int = 0
    dispatches_on_time: int = 0
    dispatches_counted: int = 0
    wes_uploads: int = 0

    @property
    def notice_rate(self) -> float | None:
        return self.notices_on_time / self.notices_counted if self.notices_counted else None

    @property
    def dispatch_rate(self) -> float | None:
        return self.dispatches_on_time / self.dispatches_counted if self.dispatches_counted else None

    @property
    def notice_percent(self) -> str:
        return percent(self.notice_rate)

    @property
    def dispatch_percent(self) -> str:
        return percent(self.dispatch_rate)

    def add(self, other: "Bucket") -> None:
        for name in ("orders", "revenue", "notices_on_time", "notices_counted", "dispatches_on_time",
                     "dispatches_counted", "wes_uploads"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def percent(rate: float | None) -> str:
    if rate is None:
        return ""
    value = round(rate * 100, 1)
    return f"{value:g}%"


@dataclass
class Report:
    period: str
    start: datetime.date
    end: datetime.date
    days: list[Bucket] = field(default_factory=list)
    weeks: list[Bucket] = field(default_factory=list)
    total: Bucket | None = None


def monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def week_label(start: datetime.date) -> str:
    year, week, _weekday = start.isocalendar()
    return f"{year}-W{week:02d}"


def _local(moment) -> datetime.date | None:
    return timezone.localdate(moment) if moment else None


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def compute(period: str = DEFAULT_PERIOD, end: datetime.date | None = None, today: datetime.date | None = None) -> Report:
    """The figures for the whole weeks (Monday to Sunday) of ``period`` that end with the week of
    ``end`` (today by default); the last week stops at ``end``.

    - orders: placed that day (by submission time);
    - revenue: the total of the orders paid that day (by paid_at);
    - payment notices, per week of submission: on time when sent on or before the notice's due date;
      late when sent later, or not sent and the due date has passed. Not counted: orders still
      within their time, and those paid or closed without a notice (an online payment needs none);
    - dispatches, per week of payment: on time when dispatched (or, before delivery records a
      dispatch, issued) on or before the dispatch due date; late when later, or not yet and the
      due date has passed. Not counted: orders still within their time and refunded ones;
    - WES uploads: orders uploaded to WES that week.
    """
    today = today or timezone.localdate()
    end = end or today
    weeks = PERIODS.get(period, PERIODS[DEFAULT_PERIOD])
    start = monday(end) - datetime.timedelta(weeks=weeks - 1)
    days = {}
    for n in range((end - start).days + 1):
        day = start + datetime.timedelta(days=n)
        days[day] = Bucket(start=day, label=day.isoformat())
    week_buckets = {day: Bucket(start=day, label=week_label(day)) for day in days if day.weekday() == 0}

    begin, stop = _start_of(start), _start_of(end + datetime.timedelta(days=1))
    issued = OrderEvent.objects.filter(order=OuterRef("pk"), kind="issued").order_by("at").values("at")[:1]
    rows = (
        Order.objects.filter(
            Q(created_at__gte=begin, created_at__lt=stop) | Q(paid_at__gte=begin, paid_at__lt=stop)
            | Q(wes_uploaded_at__gte=begin, wes_uploaded_at__lt=stop))
        .annotate(first_issued=Subquery(issued))
        .values("status", "total", "created_at", "paid_at", "payment_notice_sent_at", "payment_notice_due",
                "dispatch_due", "dispatched_at", "wes_uploaded_at", "first_issued")
    )
    for row in rows:
        created = _local(row["created_at"])
        if created in days:
            days[created].orders += 1
            week = week_buckets[monday(created)]
            week.orders += 1
            on_time = notice_on_time(row, today)
            if on_time is not None:
                week.notices_counted += 1
                week.notices_on_time += on_time
        paid = _local(row["paid_at"])
        if paid in days:
            days[paid].revenue += row["total"]
            week = week_buckets[monday(paid)]
            week.revenue += row["total"]
            on_time = dispatch_on_time(row, today)
            if on_time is not None:
                week.dispatches_counted += 1
                week.dispatches_on_time += on_time
        uploaded = _local(row["wes_uploaded_at"])
        if uploaded in days:
            week_buckets[monday(uploaded)].wes_uploads += 1

    total = Bucket(start=start, label=_("Total"))
    for week in week_buckets.values():
        total.add(week)
    return Report(period=period if period in PERIODS else DEFAULT_PERIOD, start=start, end=end,
                  days=list(days.values()), weeks=list(week_buckets.values()), total=total)


def notice_on_time(row: dict, today: datetime.date) -> bool | None:
    """True/False for an order that counts towards the notice promise, None for one that does not."""
    due, sent = row["payment_notice_due"], _local(row["payment_notice_sent_at"])
    if due is None:
        return None
    if sent:
        return sent <= due
    if row["paid_at"] or row["status"] in {Status.CANCELLED, Status.REJECTED}:
        return None
    return False if due < today else None


def dispatch_on_time(row: dict, today: datetime.date) -> bool | None:
    due = row["dispatch_due"]
    dispatched = _local(row["dispatched_at"] or row["first_issued"])
    if due is None:
        return None
    if dispatched:
        return dispatched <= due
    if row["status"] == Status.REFUNDED:
        return None
    return False if due < today else None


# --- charts -----------------------------------------------------------------------------

WIDTH, HEIGHT = 560, 240
LEFT, RIGHT, TOP, BOTTOM = 70, 8, 14, 38
AXIS_FONT = 15  # figure.chart .axis in site.css, in the SVG's units
TICK_GAP = 10  # at least this much room between two labels of the axis


def label_width(label: str) -> float:
    """About how wide an axis label is drawn (digits and the like are about 0.6 em)."""
    return sum(0.95 if c in "WM%" else 0.62 for c in label) * AXIS_FONT


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^n at or above value (at least 1), for the top of an axis."""
    if value <= 1:
        return 1
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent


def bar_chart(key: str, title: str, desc: str, labels: list[str], series: list[tuple[str, str, list]],
              *, fmt=str, top: float | None = None, tick_every: int = 1) -> dict:
    """Geometry for one (grouped) bar chart: ``series`` is [(name, css class, values)]; values may
    be None (no bar)."""
    highest = max([v for _n, _c, values in series for v in values if v is not None] or [0])
    top = top or nice_ceiling(highest)
    # A line halfway only where half the top is a whole number: no "0.5 orders".
    fractions = (0, 0.5, 1) if (top / 2) == int(top / 2) else (0, 1)
    # Room on the left for the widest value label; a label on the time axis only as often as
    # they fit side by side, none reaching past the edges (issue 14: they overlapped, or were cut).
    left = max(LEFT, max(label_width(fmt(top * f)) for f in fractions) + 8)
    plot_w, plot_h = WIDTH - left - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    widest = max([label_width(label) for label in labels] or [0])
    tick_every = max(tick_every, math.ceil((widest + TICK_GAP) / slot))
    bar_w = slot * 0.8 / len(series)
    bars, ticks = [], []
    for i, label in enumerate(labels):
        for s, (name, css, values) in enumerate(series):
            value = values[i]
            if value is None:
                continue
            height = plot_h * min(value, top) / top
            bars.append({
                "x": round(left + i * slot + slot * 0.1 + s * bar_w, 2), "y": round(TOP + plot_h - height, 2),
                "width": round(max(bar_w - 1, 1), 2), "height": round(height, 2), "css": css,
                "title": f"{label}: {name} {fmt(value)}" if len(series) > 1 else f"{label}: {fmt(value)}",
            })
        half = label_width(label) / 2
        x = min(max(left + i * slot + slot / 2, half + 2), WIDTH - half - 2)
        if i % tick_every == 0 and (not ticks or x - half >= ticks[-1]["end"] + TICK_GAP):
            ticks.append({"x": round(x, 2), "label": label, "end": x + half})
    grid = [{"y": round(TOP + plot_h - plot_h * f, 2), "label": fmt(top * f)} for f in fractions]
    return {
        "id": f"chart-{key}", "title": title, "desc": desc, "width": WIDTH, "height": HEIGHT,
        "bars": bars, "ticks": ticks, "grid": grid, "left": round(left, 2), "right": WIDTH - RIGHT,
        "baseline": TOP + plot_h, "tick_y": HEIGHT - 6,
        "legend": [(name, css) for name, css, _values in series] if len(series) > 1 else [],
    }


def _whole(value) -> str:
    return f"{value:,.0f}"


def _money(value) -> str:
    return ntd(value)


def _pct(value) -> str:
    return f"{value:g}%"


def charts(report: Report) -> list[dict]:
    day_labels = [d.start.strftime("%m-%d") for d in report.days]
    week_labels = [w.label for w in report.weeks]
    tick_days = max(1, len(day_labels) // 8)
    tick_weeks = max(1, len(week_labels) // 13)
    span = {"start": report.start.isoformat(), "end": report.end.isoformat()}
    total = report.total
    return [
        bar_chart("orders-day", _("Orders per day"),
                  _("Orders placed each day from %(start)s to %(end)s; %(n)d in all. The figures are in the table per day.")
                  % {**span, "n": total.orders},
                  day_labels, [(_("Orders"), "orders", [d.orders for d in report.days])],
                  fmt=_whole, tick_every=tick_days),
        bar_chart("revenue-day", _("Revenue per day"),
                  _("Total of the orders paid each day from %(start)s to %(end)s; %(amount)s in all. The figures are in the table per day.")
                  % {**span, "amount": ntd(total.revenue)},
                  day_labels, [(_("Revenue"), "revenue", [d.revenue for d in report.days])],
                  fmt=_money, tick_every=tick_days),
        bar_chart("orders-week", _("Orders per week"),
                  _("Orders placed each week; the figures are in the table per week."),
                  week_labels, [(_("Orders"), "orders", [w.orders for w in report.weeks])],
                  fmt=_whole, tick_every=tick_weeks),
        bar_chart("revenue-week", _("Revenue per week"),
                  _("Total of the orders paid each week; the figures are in the table per week."),
                  week_labels, [(_("Revenue"), "revenue", [w.revenue for w in report.weeks])],
                  fmt=_money, tick_every=tick_weeks),
        bar_chart("sla-week", _("Promises kept per week"),
                  _("Share of payment notices sent within 1 business day (%(notices)s in the period) and of "
                    "documents dispatched within 3 business days of payment (%(dispatches)s), per week; "
                    "weeks without such orders have no bar. The figures are in the table per week.")
                  % {"notices": total.notice_percent or "—", "dispatches": total.dispatch_percent or "—"},
                  week_labels, [
                      (_("Payment notices on time"), "notices",
                       [None if w.notice_rate is None else round(w.notice_rate * 100, 1) for w in report.weeks]),
                      (_("Dispatches on time"), "dispatches",
                       [None if w.dispatch_rate is None else round(w.dispatch_rate * 100, 1) for w in report.weeks]),
                  ], fmt=_pct, top=100, tick_every=tick_weeks),
        bar_chart("wes-week", _("WES uploads per week"),
                  _("Orders uploaded to WES each week; %(n)d in all. The figures are in the table per week.")
                  % {"n": total.wes_uploads},
                  week_labels, [(_("WES uploads"), "wes", [w.wes_uploads for w in report.weeks])],
                  fmt=_whole, tick_every=tick_weeks),
    ]


# --- views ------------------------------------------------------------------------------


def report_from(request) -> Report:
    period = request.GET.get("period", DEFAULT_PERIOD)
    end = parse_end(request.GET.get("end", ""))
    return compute(period if period in PERIODS else DEFAULT_PERIOD, end)


def parse_end(value: str) -> datetime.date | None:
    try:
        day = parse_date(value.strip()) if value else None
    except ValueError:
        return None
    today = timezone.localdate()
    return min(day, today) if day else None


def period_choices():
    return [(key, _("Last %(n)d weeks") % {"n": n}) for key, n in PERIODS.items()]


@staff_required()
def report_page(request):
    report = report_from(request)
    return render(request, "desk/reports.html", {
        "report": report, "charts": charts(report), "periods": period_choices(),
        "end_value": request.GET.get("end", "") if parse_end(request.GET.get("end", "")) else "",
    })


@staff_required()
def report_csv(request):
    """The same figures as the page. UTF-8 with a byte order mark: without it Excel reads the file
    in the local code page and garbles the Chinese headings."""
    report = report_from(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sealpost-report-{report.start}-{report.end}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_("Report"), report.start.isoformat(), report.end.isoformat()])
    writer.writerow([])
    writer.writerow([_("Per day")])
    writer.writerow([_("Date"), _("Orders"), _("Revenue (NT$)")])
    for day in report.days:
        writer.writerow([day.start.isoformat(), day.orders, day.revenue])
    writer.writerow([])
    writer.writerow([_("Per week")])
    writer.writerow([
        _("Week"), _("Week starting"), _("Orders"), _("Revenue (NT$)"),
        _("Payment notices on time"), _("Payment notices counted"), _("Payment notices on time (%)"),
        _("Dispatches on time"), _("Dispatches counted"), _("Dispatches on time (%)"), _("WES uploads"),
    ])
    for week in [*report.weeks, report.total]:
        writer.writerow([
            week.label, week.start.isoformat() if week is not report.total else "", week.orders, week.revenue,
            week.notices_on_time, week.notices_counted, week.notice_percent.rstrip("%"),
            week.dispatches_on_time, week.dispatches_counted, week.dispatch_percent.rstrip("%"), week.wes_uploads,
        ])
    return response
