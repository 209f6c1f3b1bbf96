"""The projects API: projects with their 序时进度 (filter `q`, `kind`, `town`, `status`), one project with its
plan and reports, progress reports (multipart, with photos), and programmes as trees."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from nuanqi.accounts.models import User
from nuanqi.lib.milestones import days_ahead

from .access import visible_programmes, visible_projects
from .listing import filtered, rows_for
from .models import Programme, Project
from .services import Node, post_report, programme_tree, project_progress

router = Router(tags=["民生实事与重点工程"])


class ProjectOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    programme: int | None
    town: str | None
    owner_unit: str
    owner_name: str
    investment_planned: Decimal
    investment_done: Decimal
    start: date | None
    planned_end: date | None
    status: str
    percent: float | None
    planned_percent: float | None
    gap: float | None
    light: str | None
    slip_days: int | None


class MilestoneOut(Schema):
    name: str
    planned_on: date
    actual_on: date | None
    days_ahead: int | None


class BaselineOut(Schema):
    approved_on: date
    start: date
    planned_end: date
    note: str
    milestones: list[dict[str, str]]


class ReportOut(Schema):
    id: int
    reported_on: date
    percent: float
    text: str
    by: str
    photos: list[int]


class ProjectDetail(ProjectOut):
    theme: str
    description: str
    milestones: list[MilestoneOut]
    baselines: list[BaselineOut]
    stoppages: list[dict[str, str | None]]
    reports: list[ReportOut]


class NodeOut(Schema):
    id: int | None
    name: str
    theme: str
    percent: float
    planned_percent: float
    light: str
    slip_days: int | None
    children: list[NodeOut]


class ProgrammeOut(Schema):
    id: int
    name: str
    weighting: str
    percent: float
    planned_percent: float
    light: str


class ProgrammeDetail(ProgrammeOut):
    description: str
    tree: list[NodeOut]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _project_out(p: Project) -> ProjectOut:
    s = project_progress(p, timezone.localdate())
    return ProjectOut(
        id=p.pk,
        name=p.name,
        kind=p.kind,
        kind_label=p.get_kind_display(),
        programme=p.programme_id,
        town=p.town.name if p.town else None,
        owner_unit=p.owner_unit.name,
        owner_name=p.owner_name,
        investment_planned=p.investment_planned,
        investment_done=p.investment_done,
        start=p.start,
        planned_end=p.planned_end,
        status=p.status,
        percent=float(p.percent) if p.percent is not None else None,
        planned_percent=s.planned if s else None,
        gap=s.gap if s else None,
        light=s.light if s else None,
        slip_days=s.slip_days if s else None,
    )


@router.get(
    "/projects", response=list[ProjectOut], summary="项目列表及序时进度（q、kind、town、status 筛选）"
)
def list_projects(
    request: HttpRequest, q: str = "", kind: str = "", town: str = "", status: str = ""
) -> list[ProjectOut]:
    filters = {"q": q[:100], "kind": kind[:20], "town": town[:100], "status": status[:20]}
    projects = filtered(visible_projects(_user(request)), filters)
    return [_project_out(r["project"]) for r in rows_for(projects, filters["status"])]


def _detail(p: Project) -> ProjectDetail:
    from django.contrib.contenttypes.models import ContentType

    from nuanqi.attachments.models import Attachment

    from .models import ProgressReport

    today = timezone.localdate()
    reports = list(p.reports.select_related("by")[:50])
    ct = ContentType.objects.get_for_model(ProgressReport)
    photos: dict[int, list[int]] = {}
    for a in Attachment.objects.filter(owner_type=ct, owner_id__in=[r.pk for r in reports]).order_by("id"):
        photos.setdefault(int(a.owner_id), []).append(a.pk)
    return ProjectDetail(
        **_project_out(p).dict(),
        theme=p.theme,
        description=p.description,
        milestones=[
            MilestoneOut(
                name=m.name,
                planned_on=m.planned_on,
                actual_on=m.actual_on,
                days_ahead=days_ahead(m.planned_on, m.actual_on, today),
            )
            for m in p.milestones.all()
        ],
        baselines=[
            BaselineOut(
                approved_on=b.approved_on,
                start=b.start,
                planned_end=b.planned_end,
                note=b.note,
                milestones=b.milestones,
            )
            for b in p.baselines.all()
        ],
        stoppages=[
            {"start": s.start.isoformat(), "end": s.end.isoformat() if s.end else None, "reason": s.reason}
            for s in p.stoppages.all()
        ],
        reports=[
            ReportOut(
                id=r.pk,
                reported_on=r.reported_on,
                percent=float(r.percent),
                text=r.text,
                by=str(r.by),
                photos=photos.get(r.pk, []),
            )
            for r in reports
        ],
    )


@router.get(
    "/projects/{int:project_id}", response=ProjectDetail, summary="项目详情（节点、基线、停工、填报）"
)
def get_project(request: HttpRequest, project_id: int) -> ProjectDetail:
    p = visible_projects(_user(request)).select_related("town", "owner_unit").get(pk=project_id)
    return _detail(p)


@router.post(
    "/projects/{int:project_id}/reports",
    response={201: ProjectDetail},
    summary="填报进度（multipart：percent、text、investment_done、photos）",
)
def post_project_report(request: HttpRequest, project_id: int) -> Status[ProjectDetail]:
    user = _user(request)
    p = visible_projects(user).get(pk=project_id)
    post_report(
        p,
        percent=request.POST.get("percent", ""),
        text=request.POST.get("text", ""),
        investment_done=request.POST.get("investment_done", ""),
        photos=request.FILES.getlist("photos"),
        actor=user,
    )
    return Status(201, _detail(visible_projects(user).select_related("town", "owner_unit").get(pk=p.pk)))


def _node_out(n: Node) -> NodeOut:
    return NodeOut(
        id=n.project.pk if n.project else None,
        name=n.name,
        theme=n.theme,
        percent=n.percent,
        planned_percent=n.planned,
        light=n.light,
        slip_days=n.slip_days,
        children=[_node_out(c) for c in n.children],
    )


def _programme_out(g: Programme, root: Node) -> ProgrammeOut:
    return ProgrammeOut(
        id=g.pk,
        name=g.name,
        weighting=g.weighting,
        percent=root.percent,
        planned_percent=root.planned,
        light=root.light,
    )


@router.get("/programmes", response=list[ProgrammeOut], summary="项目群及其汇总进度")
def list_programmes(request: HttpRequest) -> list[ProgrammeOut]:
    return [_programme_out(g, programme_tree(g)) for g in visible_programmes(_user(request))]


@router.get(
    "/programmes/{int:programme_id}",
    response=ProgrammeDetail,
    summary="项目群的树（每个节点的主题、状态与进度）",
)
def get_programme(request: HttpRequest, programme_id: int) -> ProgrammeDetail:
    g = visible_programmes(_user(request)).get(pk=programme_id)
    root = programme_tree(g)
    return ProgrammeDetail(
        **_programme_out(g, root).dict(),
        description=g.description,
        tree=[_node_out(c) for c in root.children],
    )


class ProjectImportOut(Schema):
    ok: bool
    rows: int
    created: int
    updated: int
    errors: list[str]
    summary: str


@router.post(
    "/projects/imports",
    response={200: ProjectImportOut, 422: ProjectImportOut},
    summary="导入项目台账（.xlsx、.xls、.ods 或 CSV，按项目名称新增或更新；全部成功或全部不导入）",
)
def post_projects_import(request: HttpRequest, file: File[UploadedFile]) -> Status[ProjectImportOut]:
    from nuanqi.cases.errors import Invalid
    from nuanqi.lib.excel_import import TemplateError

    from .imports import run_import

    try:
        report = run_import(file, actor=_user(request))
    except TemplateError as exc:
        raise Invalid(str(exc), "bad_template", field="file") from None
    out = ProjectImportOut(
        ok=report.ok,
        rows=report.rows,
        created=report.created,
        updated=report.updated,
        errors=[str(e) for e in report.errors],
        summary=report.summary(),
    )
    return Status(200 if report.ok else 422, out)


class SuggestionOut(Schema):
    number: str
    title: str
    lead_unit: str | None
    status: str
    status_label: str


class VisitOut(Schema):
    id: int
    title: str
    visited_on: date
    organiser: str
    visitors: str
    findings: str
    suggestions: list[SuggestionOut]


class SuggestionIn(Schema):
    project: int
    text: str
    lead_unit: int | None = None


def _visit_out(user: User, v: object) -> VisitOut:
    from nuanqi.cases.visibility import visible_cases

    from .models import ResearchVisit

    assert isinstance(v, ResearchVisit)
    cases = visible_cases(user).filter(pk__in=v.suggestions.values("case_id")).select_related("lead_unit")
    return VisitOut(
        id=v.pk,
        title=v.title,
        visited_on=v.visited_on,
        organiser=v.organiser.name,
        visitors=v.visitors,
        findings=v.findings,
        suggestions=[
            SuggestionOut(
                number=c.number,
                title=c.title,
                lead_unit=c.lead_unit.name if c.lead_unit else None,
                status=c.status,
                status_label=c.status_label,
            )
            for c in cases.order_by("id")
        ],
    )


@router.get(
    "/programmes/{int:programme_id}/visits", response=list[VisitOut], summary="项目群的调研及其建议的办理情况"
)
def list_visits(request: HttpRequest, programme_id: int) -> list[VisitOut]:
    from .visits import visible_visits

    user = _user(request)
    g = visible_programmes(user).get(pk=programme_id)
    return [_visit_out(user, v) for v in visible_visits(user).filter(programme=g).select_related("organiser")]


@router.post(
    "/programmes/{int:programme_id}/visits/{int:visit_id}/suggestions",
    response={201: SuggestionOut},
    summary="登记调研建议（成为项目问题并交办）",
)
def post_suggestion(
    request: HttpRequest, programme_id: int, visit_id: int, payload: SuggestionIn
) -> Status[SuggestionOut]:
    from nuanqi.accounts.models import Unit

    from .visits import add_suggestion, visible_visits

    user = _user(request)
    v = visible_visits(user).get(pk=visit_id, programme_id=programme_id)
    unit = Unit.objects.filter(pk=payload.lead_unit).first() if payload.lead_unit else None
    c = add_suggestion(v, project=str(payload.project), text=payload.text, lead_unit=unit, actor=user)
    return Status(
        201,
        SuggestionOut(
            number=c.number,
            title=c.title,
            lead_unit=c.lead_unit.name if c.lead_unit else None,
            status=c.status,
            status_label=c.status_label,
        ),
    )


class StopIn(Schema):
    on: str
    reason: str = ""


@router.post(
    "/projects/{int:project_id}/stop", response=ProjectDetail, summary="登记停工（序时进度停止计时）"
)
def post_stop(request: HttpRequest, project_id: int, payload: StopIn) -> ProjectDetail:
    from .services import parse_day, stop

    user = _user(request)
    p = visible_projects(user).get(pk=project_id)
    stop(p, on=parse_day(payload.on), reason=payload.reason, actor=user)
    return _detail(visible_projects(user).select_related("town", "owner_unit").get(pk=p.pk))


@router.post("/projects/{int:project_id}/resume", response=ProjectDetail, summary="登记复工")
def post_resume(request: HttpRequest, project_id: int, payload: StopIn) -> ProjectDetail:
    from .services import parse_day, resume

    user = _user(request)
    p = visible_projects(user).get(pk=project_id)
    resume(p, on=parse_day(payload.on), actor=user)
    return _detail(visible_projects(user).select_related("town", "owner_unit").get(pk=p.pk))
