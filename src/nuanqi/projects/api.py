"""The projects API: projects with their 序时进度 (filter `q`, `kind`, `town`, `status`), one project with its
plan and reports, progress reports (multipart, with photos), and programmes as trees."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from nuanqi.accounts.models import User
from nuanqi.cases.errors import Forbidden, Invalid
from nuanqi.columns import Code, Fits, Id, SaneDate, Search
from nuanqi.lib.milestones import days_ahead

from .access import visible_programmes, visible_projects
from .editing import (
    can_edit,
    delete_milestone,
    replan,
    save_milestone,
    save_programme,
    save_project,
    unit_by_id,
)
from .listing import filtered, rows_for
from .models import Baseline, Milestone, Programme, Project, Stoppage
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
    "/projects",
    response=list[ProjectOut],
    summary="项目列表及序时进度（q、kind、town、status 筛选；programme 给出该项目群的整棵树）",
)
def list_projects(
    request: HttpRequest,
    q: Search = "",
    kind: Code = "",
    town: Search = "",
    status: Code = "",
    programme: Id | None = None,
) -> list[ProjectOut]:
    filters = {"q": q, "kind": kind, "town": town, "status": status, "programme": str(programme or "")}
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
def get_project(request: HttpRequest, project_id: Id) -> ProjectDetail:
    p = visible_projects(_user(request)).select_related("town", "owner_unit").get(pk=project_id)
    return _detail(p)


@router.post(
    "/projects/{int:project_id}/reports",
    response={201: ProjectDetail},
    summary="填报进度（multipart：percent、text、investment_done、photos）",
)
def post_project_report(request: HttpRequest, project_id: Id) -> Status[ProjectDetail]:
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
def get_programme(request: HttpRequest, programme_id: Id) -> ProgrammeDetail:
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
    project: Id
    text: Annotated[str, Fits(length=2000)]
    lead_unit: Id | None = None


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
def list_visits(request: HttpRequest, programme_id: Id) -> list[VisitOut]:
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
    request: HttpRequest, programme_id: Id, visit_id: Id, payload: SuggestionIn
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
    on: SaneDate
    reason: Annotated[str, Fits(Stoppage, "reason")] = ""


@router.post(
    "/projects/{int:project_id}/stop", response=ProjectDetail, summary="登记停工（序时进度停止计时）"
)
def post_stop(request: HttpRequest, project_id: Id, payload: StopIn) -> ProjectDetail:
    from .services import parse_day, stop

    user = _user(request)
    p = visible_projects(user).get(pk=project_id)
    stop(p, on=parse_day(payload.on), reason=payload.reason, actor=user)
    return _detail(visible_projects(user).select_related("town", "owner_unit").get(pk=p.pk))


@router.post("/projects/{int:project_id}/resume", response=ProjectDetail, summary="登记复工")
def post_resume(request: HttpRequest, project_id: Id, payload: StopIn) -> ProjectDetail:
    from .services import parse_day, resume

    user = _user(request)
    p = visible_projects(user).get(pk=project_id)
    resume(p, on=parse_day(payload.on), actor=user)
    return _detail(visible_projects(user).select_related("town", "owner_unit").get(pk=p.pk))


# ---------------------------------------------------------------- the office's edits (projects.editing)

_KINDS = Literal["livelihood", "key", "section", "site"]


class WorksProjectIn(Schema):
    """A project, or a programme's section (kind `section`) or site (kind `site`, its section the parent)."""

    name: Annotated[str, Fits(Project, "name")]
    kind: _KINDS
    programme: Id | None = None
    parent: Id | None = Field(default=None, description="所属分段（项目）的编号")
    theme: Annotated[str, Fits(Project, "theme")] = ""
    description: Annotated[str, Fits(Project, "description")] = ""
    category: Annotated[str, Fits(Project, "category")] = ""
    town: Id | None = Field(default=None, description="镇街（单位编号）")
    owner_unit: Id = Field(description="责任单位编号")
    owner_name: Annotated[str, Fits(Project, "owner_name")] = ""
    investment_planned: Annotated[Decimal, Fits(Project, "investment_planned", minimum=0)] = Decimal(0)
    start: SaneDate | None = None
    planned_end: SaneDate | None = None
    sort: int = Field(default=0, ge=0, le=2_147_483_647)


class WorksProjectPatch(Schema):
    """The fields to change (the others stay); a project with a baseline changes its dates by re-planning."""

    name: Annotated[str, Fits(Project, "name")] | None = None
    kind: _KINDS | None = None
    programme: Id | None = None
    parent: Id | None = None
    theme: Annotated[str, Fits(Project, "theme")] | None = None
    description: Annotated[str, Fits(Project, "description")] | None = None
    category: Annotated[str, Fits(Project, "category")] | None = None
    town: Id | None = None
    owner_unit: Id | None = None
    owner_name: Annotated[str, Fits(Project, "owner_name")] | None = None
    investment_planned: Annotated[Decimal, Fits(Project, "investment_planned", minimum=0)] | None = None
    start: SaneDate | None = None
    planned_end: SaneDate | None = None
    sort: int | None = Field(default=None, ge=0, le=2_147_483_647)


class WorksMilestoneIn(Schema):
    name: Annotated[str, Fits(Milestone, "name")]
    planned_on: SaneDate
    actual_on: SaneDate | None = None
    sort: int = Field(default=0, ge=0, le=2_147_483_647)


class ReplanIn(Schema):
    start: SaneDate | None = Field(default=None, description="新的计划开工（不填则不变）")
    planned_end: SaneDate
    approved_on: SaneDate
    note: Annotated[str, Fits(Baseline, "note")]


class ProgrammeIn(Schema):
    name: Annotated[str, Fits(Programme, "name")]
    description: Annotated[str, Fits(Programme, "description")] = ""
    weighting: Literal["investment", "count"] = "investment"
    lead_unit: Id | None = None


class ProgrammePatch(Schema):
    name: Annotated[str, Fits(Programme, "name")] | None = None
    description: Annotated[str, Fits(Programme, "description")] | None = None
    weighting: Literal["investment", "count"] | None = None
    lead_unit: Id | None = None


def _refs(user: User, data: dict[str, Any]) -> dict[str, Any]:
    """Ids in the body as the rows they name (each one the person may see), for the writer."""
    out = dict(data)
    for name in ("town", "owner_unit"):
        if name in out:
            out[name] = unit_by_id(out[name], name)
    if out.get("programme") is not None:
        out["programme"] = visible_programmes(user).filter(pk=out["programme"]).first()
        if out["programme"] is None:
            raise Invalid("找不到该项目群", "unknown_programme", field="programme")
    if out.get("parent") is not None:
        out["parent"] = visible_projects(user).filter(pk=out["parent"]).first()
        if out["parent"] is None:
            raise Invalid("找不到该上级项目", "unknown_project", field="parent")
    return out


def _office(request: HttpRequest) -> User:
    user = _user(request)
    if not can_edit(user):
        raise Forbidden("只有营商办可以编辑项目")
    return user


def _fresh(user: User, pk: int) -> ProjectDetail:
    return _detail(visible_projects(user).select_related("town", "owner_unit").get(pk=pk))


@router.post("/projects", response={201: ProjectDetail}, summary="新建项目（含项目群的分段与点位）")
def post_project(request: HttpRequest, payload: WorksProjectIn) -> Status[ProjectDetail]:
    user = _office(request)
    saved = save_project(None, actor=user, **_refs(user, payload.dict()))
    return Status(201, _fresh(user, saved.pk))


@router.patch(
    "/projects/{int:project_id}", response=ProjectDetail, summary="编辑项目（只改所给字段，记入编辑记录）"
)
def patch_project(request: HttpRequest, project_id: Id, payload: WorksProjectPatch) -> ProjectDetail:
    user = _user(request)
    project = visible_projects(user).get(pk=project_id)
    _office(request)
    values = payload.dict(exclude_unset=True)
    for name in ("name", "kind", "owner_unit", "investment_planned", "sort"):
        if name in values and values[name] is None:
            raise Invalid("该字段不能为空", "missing_field", field=name)
    save_project(project, actor=user, **_refs(user, values))
    return _fresh(user, project.pk)


@router.post("/projects/{int:project_id}/milestones", response={201: ProjectDetail}, summary="新增节点")
def post_milestone(request: HttpRequest, project_id: Id, payload: WorksMilestoneIn) -> Status[ProjectDetail]:
    user = _user(request)
    project = visible_projects(user).get(pk=project_id)
    _office(request)
    save_milestone(project, None, actor=user, **payload.dict())
    return Status(201, _fresh(user, project.pk))


def _milestone(project: Project, milestone_id: Id) -> Milestone:
    return Milestone.objects.get(pk=milestone_id, project=project)


@router.put(
    "/projects/{int:project_id}/milestones/{int:milestone_id}", response=ProjectDetail, summary="修改节点"
)
def put_milestone(
    request: HttpRequest, project_id: Id, milestone_id: Id, payload: WorksMilestoneIn
) -> ProjectDetail:
    user = _user(request)
    project = visible_projects(user).get(pk=project_id)
    _office(request)
    save_milestone(project, _milestone(project, milestone_id), actor=user, **payload.dict())
    return _fresh(user, project.pk)


@router.delete(
    "/projects/{int:project_id}/milestones/{int:milestone_id}", response={204: None}, summary="删除节点"
)
def remove_milestone(request: HttpRequest, project_id: Id, milestone_id: Id) -> Status[None]:
    user = _user(request)
    project = visible_projects(user).get(pk=project_id)
    _office(request)
    delete_milestone(project, _milestone(project, milestone_id), actor=user)
    return Status(204, None)


@router.post(
    "/projects/{int:project_id}/replan",
    response={201: ProjectDetail},
    summary="调整计划（新计划冻结为新基线，原基线保留）",
)
def post_replan(request: HttpRequest, project_id: Id, payload: ReplanIn) -> Status[ProjectDetail]:
    user = _user(request)
    project = visible_projects(user).get(pk=project_id)
    _office(request)
    replan(project, actor=user, **payload.dict())
    return Status(201, _fresh(user, project.pk))


def _programme_detail(g: Programme) -> ProgrammeDetail:
    root = programme_tree(g)
    return ProgrammeDetail(
        **_programme_out(g, root).dict(),
        description=g.description,
        tree=[_node_out(c) for c in root.children],
    )


@router.post("/programmes", response={201: ProgrammeDetail}, summary="新建项目群")
def post_programme(request: HttpRequest, payload: ProgrammeIn) -> Status[ProgrammeDetail]:
    user = _office(request)
    values = payload.dict()
    values["lead_unit"] = unit_by_id(values["lead_unit"], "lead_unit")
    return Status(201, _programme_detail(save_programme(None, actor=user, **values)))


@router.patch("/programmes/{int:programme_id}", response=ProgrammeDetail, summary="编辑项目群")
def patch_programme(request: HttpRequest, programme_id: Id, payload: ProgrammePatch) -> ProgrammeDetail:
    user = _user(request)
    programme = visible_programmes(user).get(pk=programme_id)
    _office(request)
    values = payload.dict(exclude_unset=True)
    for name in ("name", "weighting"):
        if name in values and values[name] is None:
            raise Invalid("该字段不能为空", "missing_field", field=name)
    if "lead_unit" in values:
        values["lead_unit"] = unit_by_id(values["lead_unit"], "lead_unit")
    return _programme_detail(save_programme(programme, actor=user, **values))
