"""Dashboards (leader, office, unit, commissioner), the KPI table, the briefing and the case ledger.

Every figure is one aggregate query over the person's visible cases (or a few), and every number links to
the /cases/ list it counts.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from nuanqi.accounts.models import Role, Unit, User
from nuanqi.cases import kinds, kpis
from nuanqi.cases.errors import CaseError
from nuanqi.cases.models import Case
from nuanqi.cases.queries import filtered_cases, filters_from_query, with_list_columns
from nuanqi.cases.rows import case_rows
from nuanqi.cases.visibility import my_worklist, visible_cases
from nuanqi.lib import svg
from nuanqi.lib.excel import Column, write_ledger

from . import briefing as briefing_mod
from . import kpicache, ledger, panels
from .dimensions import to_sign_q


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def cases_url(**params: Any) -> str:
    """The /cases/ list behind a figure."""
    clean = {
        k: (v.isoformat() if isinstance(v, date) else v) for k, v in params.items() if v not in (None, "")
    }
    return reverse("case_list") + ("?" + urlencode(clean) if clean else "")


def _week(today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def period_from(request: HttpRequest, default_days: int = 30) -> tuple[date, date]:
    today = timezone.localdate()
    start = request.GET.get("from")
    end = request.GET.get("to")
    d_end = kpis.parse_day(end, "to") if end else today
    d_start = kpis.parse_day(start, "from") if start else d_end - timedelta(days=default_days - 1)
    if d_end < d_start:
        raise CaseError("结束日期不能早于开始日期", "invalid_period")
    return d_start, d_end


def _tiles(qs: QuerySet[Case], today: date) -> dict[str, int]:
    """Today's and this week's intake and the live SLA picture in one aggregate query."""
    now = timezone.now()
    monday, _sunday = _week(today)
    lo_today, hi_today = kpis.period_bounds(today, today)
    lo_week, _hi = kpis.period_bounds(monday, today)
    open_q = Q(status__in=kinds.statuses(kinds.OPEN))
    return qs.order_by().aggregate(
        today=Count("id", filter=Q(received_at__gte=lo_today, received_at__lt=hi_today)),
        week=Count("id", filter=Q(received_at__gte=lo_week, received_at__lt=hi_today)),
        open=Count("id", filter=open_q),
        red=Count("id", filter=open_q & Q(resolve_due__lt=now)),
        yellow=Count("id", filter=open_q & Q(warn_at__lte=now, resolve_due__gte=now)),
        supervised=Count("id", filter=open_q & Q(supervised=True)),
        resolved_week=Count("id", filter=Q(resolved_at__gte=lo_week, resolved_at__lt=hi_today)),
    )


def _kpi_bars(rows: list[kpis.Kpi], param: str, start: date, end: date, limit: int = 8) -> list[svg.Bar]:
    return [
        svg.Bar(k.name, k.received, cases_url(**{param: k.key, "from": start, "to": end}))
        for k in rows[:limit]
        if k.key is not None
    ]


def _chart_words(label: str, value: str) -> svg.Words:
    """A chart's own words in the active language: the data table's headers and the picture's name."""
    return svg.Words(
        table=_("数据表"), label=label, value=value, empty=_("暂无数据"), picture=_("图表，数据见下方数据表")
    )


def _months_back(today: date, n: int) -> date:
    y, m = today.year, today.month - (n - 1)
    while m <= 0:
        m += 12
        y -= 1
    return date(y, m, 1)


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The leader's overview: today, this week, trends, overdue by unit, top categories, 红黑榜."""
    user = _user(request)
    if not user.sees_everything:
        raise Http404
    today = timezone.localdate()
    qs = visible_cases(user)
    tiles = _tiles(qs, today)
    monday, _sunday = _week(today)
    start, end = today.replace(day=1), today
    now = timezone.now()
    overdue_rows = list(
        qs.filter(status__in=kinds.statuses(kinds.OPEN), resolve_due__lt=now)
        .order_by()
        .values("lead_unit_id", "lead_unit__name", "lead_unit__short_name")
        .annotate(n=Count("id"))
        .order_by("-n")[:10]
    )
    overdue_chart = svg.hbar(
        [
            svg.Bar(
                r["lead_unit__short_name"] or r["lead_unit__name"] or _("（未派单）"),
                r["n"],
                cases_url(unit=r["lead_unit_id"], sla="red"),
                "#c62828",
            )
            for r in overdue_rows
        ],
        title=_("超期事项（按主办单位）"),
        words=_chart_words(_("主办单位"), _("超期件数")),
    )
    trend_start = _months_back(today, 12)
    months = kpicache.compute(user, trend_start, today, "month")
    months.sort(key=lambda k: k.key)
    labels = [f"{k.key:%y-%m}" for k in months]
    trend_chart = svg.line(
        labels,
        [
            svg.Series(
                _("受理"),
                [k.received for k in months],
                [cases_url(**{"from": k.key, "to": _month_end(k.key)}) for k in months],
            ),
            svg.Series(_("办结"), [k.resolved for k in months]),
        ],
        title=_("近 12 个月受理与办结"),
        words=_chart_words(_("月份"), ""),
    )
    categories = [k for k in kpicache.compute(user, start, end, "category") if k.key is not None]
    category_chart = svg.hbar(
        _kpi_bars(categories, "category", start, end),
        title=_("本月诉求大类"),
        words=_chart_words(_("诉求大类"), _("受理量")),
    )
    rank = kpicache.ranking(user, start, end)
    links = {
        "today": cases_url(**{"from": today, "to": today}),
        "week": cases_url(**{"from": monday, "to": today}),
        "open": cases_url(status="open"),
        "red": cases_url(sla="red"),
        "yellow": cases_url(sla="yellow"),
    }
    return render(
        request,
        "dashboard/overview.html",
        {
            "tiles": tiles,
            "links": links,
            "overdue_chart": overdue_chart,
            "trend_chart": trend_chart,
            "category_chart": category_chart,
            "rank": rank,
            "start": start,
            "end": end,
            "panels": panels.rendered(user, today),
        },
    )


def _month_end(first: date) -> date:
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


@login_required
def office(request: HttpRequest) -> HttpResponse:
    """The office's triage board: new, to dispatch, returned, extensions waiting — each a queue."""
    user = _user(request)
    if not user.has_role(Role.DISPATCHER, Role.ADMIN, Role.LEADER):
        raise Http404
    qs = visible_cases(user)
    # The office's queues come from the kinds: each kind's filing status, then its other office-turn statuses.
    filed = kinds.initial_statuses()
    office_turn = [s for s in kinds.statuses(kinds.OPEN, turn=kinds.TURN_OFFICE) if s not in filed]
    queues = {
        "new": Q(status__in=filed),
        "accepted": Q(status__in=office_turn, return_count=0),
        "returned": Q(status__in=office_turn, return_count__gt=0),
        "extension": Q(extension_pending__isnull=False),
    }
    counts = qs.order_by().aggregate(**{k: Count("id", filter=q) for k, q in queues.items()})
    lists = {
        k: case_rows(with_list_columns(qs.filter(q)).order_by("received_at")[:15]) for k, q in queues.items()
    }
    links = {
        "new": cases_url(status="new"),
        "accepted": cases_url(status="accepted"),
        "returned": cases_url(returned="1"),
        "extension": cases_url(extension="pending"),
    }
    return render(request, "dashboard/office.html", {"counts": counts, "lists": lists, "links": links})


@login_required
def unit_inbox(request: HttpRequest) -> HttpResponse:
    """A unit's inbox: to sign, in progress, overdue, co-handling tasks, and the unit's KPIs this month."""
    user = _user(request)
    if not user.unit_id:
        raise Http404
    unit = Unit.objects.get(pk=user.unit_id)
    if user.sees_everything and request.GET.get("unit", "").isdigit():
        unit = Unit.objects.filter(pk=int(request.GET["unit"])).first() or unit
    qs = visible_cases(user).filter(lead_unit_id=unit.pk)
    now = timezone.now()
    today = timezone.localdate()
    open_q = Q(status__in=kinds.statuses(kinds.OPEN))
    lead_turn = kinds.statuses(kinds.OPEN, turn=kinds.TURN_LEAD_UNIT)
    to_sign = [s for s in kinds.sources_of("sign") if s in lead_turn]
    counts = qs.order_by().aggregate(
        in_progress=Count("id", filter=Q(status__in=lead_turn) & ~Q(status__in=to_sign)),
        red=Count("id", filter=open_q & Q(resolve_due__lt=now)),
        yellow=Count("id", filter=open_q & Q(warn_at__lte=now, resolve_due__gte=now)),
        supervised=Count("id", filter=open_q & Q(supervised=True)),
    )
    # 待签收: cases dispatched to the unit as lead, and co-handling tasks of open cases waiting for its 签收.
    counts["to_sign"] = visible_cases(user).filter(to_sign_q(unit.pk)).count()
    start = today.replace(day=1)
    kpi = kpis.total(qs, start, today, now=now)
    work = case_rows(with_list_columns(my_worklist(user))[:30])
    links = {
        "to_sign": cases_url(to_sign=unit.pk),
        "in_progress": cases_url(unit=unit.pk, status="in_progress"),
        "red": cases_url(unit=unit.pk, sla="red"),
        "yellow": cases_url(unit=unit.pk, sla="yellow"),
        "month": cases_url(unit=unit.pk, **{"from": start, "to": today}),
    }
    return render(
        request,
        "dashboard/unit.html",
        {
            "unit": unit,
            "counts": counts,
            "kpi": kpi,
            "work": work,
            "links": links,
            "start": start,
            "end": today,
        },
    )


@login_required
def commissioner_week(request: HttpRequest) -> HttpResponse:
    """A commissioner's week: his companies' new and resolved cases, what is overdue, his work log."""
    user = _user(request)
    if not user.has_role(Role.COMMISSIONER):
        raise Http404
    from nuanqi.enterprise.models import WorkLogEntry

    today = timezone.localdate()
    monday, sunday = _week(today)
    if request.GET.get("week"):
        monday, sunday = _week(kpis.parse_day(request.GET["week"], "week"))
    qs = visible_cases(user)
    tiles = _tiles(qs, today)
    kpi = kpis.total(qs, monday, sunday)
    lo, hi = kpis.period_bounds(monday, sunday)
    week_cases = case_rows(
        with_list_columns(
            qs.filter(Q(received_at__gte=lo, received_at__lt=hi) | Q(status__in=kinds.statuses(kinds.OPEN)))
        ).order_by("resolve_due")[:30]
    )
    log = list(
        WorkLogEntry.objects.filter(person=user, date__gte=monday, date__lte=sunday)
        .select_related("unit", "company")
        .order_by("date", "time")
    )
    days: dict[date, list[Any]] = {}
    for e in log:
        days.setdefault(e.date, []).append(e)
    links = {
        "week": cases_url(commissioner=user.pk, **{"from": monday, "to": sunday}),
        "open": cases_url(commissioner=user.pk, status="open"),
        "red": cases_url(commissioner=user.pk, sla="red"),
        "yellow": cases_url(commissioner=user.pk, sla="yellow"),
    }
    return render(
        request,
        "dashboard/week.html",
        {
            "monday": monday,
            "sunday": sunday,
            "prev": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "tiles": tiles,
            "kpi": kpi,
            "week_cases": week_cases,
            "days": sorted(days.items()),
            "links": links,
        },
    )


@login_required
def kpi_table(request: HttpRequest) -> HttpResponse:
    """KPIs of a period by a dimension, each count linking to its list."""
    user = _user(request)
    if user.is_external:  # an internal page: outsiders get 404
        raise Http404
    by = request.GET.get("by") or "unit"
    error = ""
    kind = ""
    try:
        kind = kinds.parse_kind(request.GET["kind"]).code if request.GET.get("kind") else ""
        start, end = period_from(request)
        rows = kpicache.compute(user, start, end, by, kind=kind)
        total = kpicache.compute(user, start, end, kind=kind)[0]
    except CaseError as exc:
        error = exc.message
        start = end = timezone.localdate()
        rows, total = [], kpis.total(Case.objects.none(), start, end)
    dim = kpis.dimensions().get(by)
    if request.GET.get("format") == "xlsx" and not error:
        return _kpi_xlsx(rows, total, start, end, gettext(dim.label) if dim else by, kind)
    param = dim.filter_param if dim else ""
    table = []
    for k in rows:
        scope = {"kind": kind} if kind else {}
        link = (
            cases_url(**{param: k.key, "from": start, "to": end, **scope})
            if param and k.key is not None
            else ""
        )
        table.append({"k": k, "link": link})
    return render(
        request,
        "dashboard/kpis.html",
        {
            "rows": table,
            "total": total,
            "total_link": cases_url(**{"from": start, "to": end, **({"kind": kind} if kind else {})}),
            "kind": kind,
            "kinds": [(k.code, k.label) for k in kinds.listed_kinds()],
            "by": by,
            "dims": [(d.name, gettext(d.label)) for d in kpis.dimensions().values()],
            "rate_cols": [(name, gettext(label)) for name, (label, _n, _d) in kpis.RATES.items()],
            "start": start,
            "end": end,
            "error": error,
            "export_query": urlencode(
                {"from": start, "to": end, "by": by, **({"kind": kind} if kind else {}), "format": "xlsx"}
            ),
        },
    )


def _kpi_xlsx(rows: list[kpis.Kpi], total: kpis.Kpi, start: date, end: date, by_label: Any, kind: str) -> Any:
    """The KPI table as a ledger: the same rows and columns as the page (rates as percentages), the period
    and grouping on its 说明 sheet."""
    rate_cols = [(name, gettext(label)) for name, (label, _n, _d) in kpis.RATES.items()]
    columns = [
        Column(str(by_label), 28),
        Column("受理量", 10, "int"),
        Column("办结量", 10, "int"),
        *(Column(f"{label}（%）", 12, "number") for _name, label in rate_cols),
        Column("平均办理工作日", 14, "number"),
        Column("在办", 8, "int"),
        Column("超期", 8, "int"),
        Column("申诉", 8, "int"),
        Column("申诉成立", 10, "int"),
    ]

    def line(k: kpis.Kpi, name: str) -> list[Any]:
        rates = [
            None if k.rates.get(code) is None else round(float(k.rates[code] or 0) * 100, 1)
            for code, _l in rate_cols
        ]
        return [
            name,
            k.received,
            k.resolved,
            *rates,
            k.avg_days,
            k.open,
            k.overdue,
            k.appealed,
            k.appeal_upheld,
        ]

    table = [line(total, "合计"), *(line(k, str(k.name)) for k in rows)]
    notes = [
        ("统计期间", f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}（按受理时间）"),
        ("分组", str(by_label)),
        ("类别", str(kinds.get_kind(kind).label) if kind else "全部类别"),
        ("口径", "率 = 分子 / 分母，以百分数表示；分母为 0 时留空。满意率不计申诉成立的“不满意”评价。"),
    ]
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="kpis-{start}-{end}.xlsx"'
    write_ledger(response, columns, table, title="考核指标", notes=notes)  # type: ignore[arg-type]
    return response


def _briefing_for(request: HttpRequest) -> briefing_mod.Briefing:
    user = _user(request)
    if not user.sees_everything:
        raise Http404
    today = timezone.localdate()
    monday, _s = _week(today)
    if request.GET.get("week"):
        # The week picker: any day of the week chosen; the briefing covers its Monday to Sunday.
        start, end = _week(kpis.parse_day(request.GET["week"], "week"))
        return briefing_mod.build(visible_cases(user), start, end)
    start = (
        kpis.parse_day(request.GET["from"], "from") if request.GET.get("from") else monday - timedelta(days=7)
    )
    end = kpis.parse_day(request.GET["to"], "to") if request.GET.get("to") else start + timedelta(days=6)
    return briefing_mod.build(visible_cases(user), start, end)


@login_required
def briefing(request: HttpRequest) -> HttpResponse:
    """The print-ready briefing (A4; the browser prints it to PDF)."""
    try:
        b = _briefing_for(request)
    except CaseError as exc:
        return HttpResponse(exc.message, status=422, content_type="text/plain; charset=utf-8")
    this_monday, _s = _week(timezone.localdate())
    week_start, _e = _week(b.start)
    following = week_start + timedelta(days=7)
    return render(
        request,
        "dashboard/briefing.html",
        {
            "b": b,
            "rate_cols": [(n, gettext(label)) for n, (label, _a, _b) in kpis.RATES.items()],
            "week_start": week_start,
            "prev_week": week_start - timedelta(days=7),
            "next_week": following if following <= this_monday else None,
            "max_day": this_monday + timedelta(days=6),
        },
    )


@login_required
def briefing_xlsx(request: HttpRequest) -> HttpResponse:
    try:
        b = _briefing_for(request)
    except CaseError as exc:
        return HttpResponse(exc.message, status=422, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="briefing-{b.start}-{b.end}.xlsx"'
    briefing_mod.write_xlsx(b, response)  # type: ignore[arg-type]  # a file-like object openpyxl writes to
    return response


@login_required
def case_ledger(request: HttpRequest) -> HttpResponse:
    """The list page's ledger: the same filters, the person's visible cases, as .xlsx. openpyxl's
    write-only workbook streams rows to a temporary file, so only the finished (compressed) file is held."""
    user = _user(request)
    try:
        qs = filtered_cases(user, filters_from_query(request.GET))
    except CaseError as exc:
        return HttpResponse(exc.message, status=422, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="cases-{stamp}.xlsx"'
    ledger.export(qs, response, notes=ledger.describe({k: str(v) for k, v in request.GET.items()}))  # type: ignore[arg-type]
    return response


@login_required
def my_ledger(request: HttpRequest) -> HttpResponse:
    """我的清单 as a ledger: the person's open items in the list's own order."""
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="my-list-{stamp}.xlsx"'
    notes = [("清单", "我的清单（未办结，超期优先、P1→P4、期限近者先）")]
    ledger.export(my_worklist(_user(request)), response, notes=notes)  # type: ignore[arg-type]
    return response
