"""/api/v1/cases — the list engine over HTTP. Every fetch goes through cases.visibility (404 otherwise)."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from nuanqi.accounts.models import User
from nuanqi.attachments.api import AttachmentOut, attachment_out
from nuanqi.columns import (
    CaseNumber,
    Code,
    Count,
    Cursor,
    Fits,
    Id,
    Limit,
    RowRef,
    Search,
)

from . import kinds, search, services
from .access import resolve_subject
from .errors import Invalid
from .models import Case, CaseLink, Event, Task
from .permissions import allowed_actions, relations
from .queries import (
    CaseFilters,
    filtered_cases,
    keyset_page,
    parse_cursor,
    with_list_columns,
    worklist_page,
)
from .rows import Labels, api_item, json_time, page_records, record_of
from .schemas import (
    ActionIn,
    ActionOut,
    CaseDetail,
    CaseIn,
    CasePage,
    ClockOut,
    EventOut,
    KindOut,
    LinkIn,
    LinkOut,
    RatingIn,
    Ref,
    StatusDefOut,
    TaskActionIn,
    TaskIn,
    TaskOut,
    TransitionOut,
)
from .spawn import spawn_case
from .visibility import WorkList, get_visible_case, visible_cases, visible_tasks

router = Router(tags=["事项"])


def page_response(request: HttpRequest, records: Any, nxt: str | None) -> HttpResponse:
    """A `CasePage` rendered as ninja renders the validated model, but from plain dicts: `rows.api_item`
    gives each row in `CaseOut`'s shape (tests/api check that validation would not change a byte), and a
    pydantic model per row cost ~7 ms of a 50-row page. `records`: `rows.page_records` or `record_of`s."""
    from nuanqi.api import api

    labels = Labels()
    items = [api_item(r, labels) for r in records]
    for item in items:  # the encoder's own text for them, without its per-value fallback call
        for key in _ITEM_TIMES:
            item[key] = json_time(item[key])
    return api.create_response(request, {"items": items, "next": nxt}, status=200)


_ITEM_TIMES = ("received_at", "sign_due", "contact_due", "resolve_due")


def case_page(request: HttpRequest, cases: list[Case], nxt: str | None) -> HttpResponse:
    """`page_response` of Cases read with `with_list_columns`."""
    return page_response(request, [record_of(c) for c in cases], nxt)


def case_out(c: Case, tasks_done: int | None = None, tasks_total: int | None = None) -> dict[str, Any]:
    """A Case read with `with_list_columns` in `CaseOut`'s shape (the list row's: `rows.api_item`)."""
    record = record_of(c)
    if tasks_done is not None:
        record["tasks_done"] = tasks_done
    if tasks_total is not None:
        record["tasks_total"] = tasks_total
    return api_item(record)


def task_out(t: Task) -> TaskOut:
    return TaskOut(
        id=t.pk,
        unit=Ref(id=t.unit_id, name=t.unit.name),
        in_district=t.unit.in_district,
        status=t.status,
        status_label=t.get_status_display(),
        note=t.note,
        result=t.result,
        due_at=t.due_at,
        done_at=t.done_at,
    )


def case_detail(user: User, number: str) -> dict[str, Any]:
    c = with_list_columns(visible_cases(user)).get(number=number)
    tasks = list(visible_tasks(user, c))
    events = list(Event.objects.filter(case=c).order_by("seq"))
    data = case_out(c, sum(1 for t in tasks if t.status == "done"), len(tasks))
    return _with_detail(
        data,
        user,
        c,
        relations(user, c),
        tasks=[task_out(t) for t in tasks],
        events=events,
        links=_links(user, c),
        attachments=[attachment_out(a) for a in services.case_attachments(c)],
    )


def filed_case_detail(user: User, c: Case) -> dict[str, Any]:
    """`case_detail` of a case this request has just filed, from what the writer holds: a new case has no
    tasks, links or attachments yet and one event. Falls back to reading it when the writer kept nothing."""
    events = getattr(c, "_filed_events", None)
    rel = relations(user, c)
    if events is None or not rel:
        return case_detail(user, c.number)
    # Deadlines come from the calendar in Asia/Shanghai; the database gives them back in UTC: the same
    # instants, written the way a read would write them.
    for f in ("received_at", "sign_due", "contact_due", "resolve_due"):
        value = getattr(c, f)
        if value is not None:
            setattr(c, f, value.astimezone(UTC))
    return _with_detail(case_out(c, 0, 0), user, c, rel, tasks=[], events=events, links=[], attachments=[])


def _with_detail(
    data: dict[str, Any],
    user: User,
    c: Case,
    rel: Any,
    *,
    tasks: list[Any],
    events: Any,
    links: list[Any],
    attachments: list[Any],
) -> dict[str, Any]:
    """The detail's fields beside a list row's (`case_out`): one shape for a read and for a filing."""
    data.update(
        description=c.description,
        requester_name=c.requester_name,
        result=c.result,
        satisfaction=c.satisfaction,
        extension_days=c.extension_days,
        extension_pending=c.extension_pending,
        hold_review_on=c.hold_review_on.isoformat() if c.hold_review_on else None,
        tasks=tasks,
        events=[
            EventOut(
                seq=e.seq,
                at=e.at,
                actor=e.actor_name,
                action=e.action,
                from_status=e.from_status,
                to_status=e.to_status,
                changes=e.changes,
                reason=e.reason,
            )
            for e in events
        ],
        actions=[
            ActionOut(action=t.action, label=str(t.label), required=list(t.required))
            for t in allowed_actions(user, c, rel)
        ],
        links=links,
        attachments=attachments,
    )
    return data


def _links(user: User, c: Case) -> list[LinkOut]:
    """Links in both directions, to the cases this person may read."""
    readable = visible_cases(user).values("pk")
    out = [
        LinkOut(type=link.type, label=link.get_type_display(), direction="out", number=link.to_case.number)
        for link in CaseLink.objects.filter(from_case=c, to_case__in=readable).select_related("to_case")
    ]
    out += [
        LinkOut(type=link.type, label=link.get_type_display(), direction="in", number=link.from_case.number)
        for link in CaseLink.objects.filter(to_case=c, from_case__in=readable).select_related("from_case")
    ]
    return out


def kind_out(spec: kinds.KindSpec) -> KindOut:
    return KindOut(
        code=spec.code,
        label=str(spec.label),
        prefix=spec.prefix,
        initial=spec.initial,
        statuses=[
            StatusDefOut(
                code=s.code,
                label=str(s.label),
                phase=s.phase,
                resolved=s.resolved,
                rated=s.rated,
                counted=s.counted,
            )
            for s in spec.statuses
        ],
        actions=[
            TransitionOut(
                action=t.action,
                label=str(t.label),
                sources=list(t.sources),
                target=t.target,
                who=sorted(t.who),
                required=list(t.required),
                evidence=t.evidence,
            )
            for t in spec.transitions
        ],
        clocks=[
            ClockOut(
                name=k.name,
                label=str(k.label),
                starts_on=list(k.starts_on),
                stops_on=list(k.stops_on),
                duration=k.duration,
                unit=k.unit,
            )
            for k in spec.clocks
        ],
    )


class ListQuery(Schema):
    kind: Code | None = None
    status: Code | None = None
    owner: Code | None = None
    overdue: bool | None = None
    company: Id | None = None
    next: Cursor | None = None
    limit: Limit = 50


@router.get("", response=CasePage, summary="事项列表（键集分页）")
def list_cases(request: HttpRequest, q: Query[ListQuery]) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if q.owner not in (None, "", "me"):
        raise Invalid("owner 目前只支持 me", "invalid_query", field="owner")
    if not 1 <= q.limit <= 200:
        raise Invalid("limit 须在 1 到 200 之间", "invalid_query", field="limit")
    f = CaseFilters(
        kind=q.kind, status=q.status, owner_me=q.owner == "me", overdue=q.overdue, company=q.company
    )
    rows, nxt = keyset_page(with_list_columns(filtered_cases(user, f)), q.next, q.limit)
    return case_page(request, rows, nxt)


class WorklistQuery(Schema):
    next: Cursor | None = None
    limit: Limit = 50


@router.get("/worklist", response=CasePage, summary="我的清单（逾期优先、P1→P4、期限最近）")
def worklist(request: HttpRequest, q: Query[WorklistQuery]) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not 1 <= q.limit <= 200:
        raise Invalid("limit 须在 1 到 200 之间", "invalid_query", field="limit")
    ids, nxt = worklist_page(WorkList(user), q.next, q.limit)
    return page_response(request, page_records(ids), nxt)


class SearchQuery(Schema):
    q: Search
    next: Cursor | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 25


@router.get("/search", response=CasePage, summary="全文检索（标题、内容、对象；最新在前）")
def search_cases(request: HttpRequest, q: Query[SearchQuery]) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not 1 <= q.limit <= 100:
        raise Invalid("limit 须在 1 到 100 之间", "invalid_query", field="limit")
    if not q.q.strip():
        raise Invalid("请输入检索词", "missing_field", field="q")
    if len(q.q) > 100:
        raise Invalid("检索词不能超过 100 字", "too_long", field="q")
    below = parse_cursor(q.next)
    rows, nxt = search.search(user, q.q, limit=q.limit, below=below[0] if below else None)
    return case_page(request, rows, nxt)


@router.post("", response={201: CaseDetail}, summary="登记事项")
def create_case(request: HttpRequest, payload: CaseIn) -> Status[dict[str, Any]]:
    user: User = request.user  # type: ignore[assignment]
    subject = resolve_subject("company", user, payload.company) if payload.company not in (None, "") else None
    if subject is None and user.has_role("enterprise"):
        subject = _own_company(user)
    case = services.create_case(
        services.NewCase(
            kind=payload.kind,
            title=payload.title,
            description=payload.description,
            category=payload.category,
            nature=payload.nature,
            channel=payload.channel,
            importance=payload.importance,
            urgency=payload.urgency,
            lead_unit=payload.lead_unit,
            subject=subject,
            requester_name=payload.requester_name,
            requester_phone=payload.requester_phone,
            confidential=payload.confidential,
        ),
        actor=user,
    )
    return Status(201, filed_case_detail(user, case))


def _own_company(user: User) -> Any:
    from nuanqi.cases.access import resolve_subject as resolve

    from_links = getattr(user, "company_links", None)
    link = from_links.first() if from_links is not None else None
    return resolve("company", user, link.company_id) if link else None


@router.get("/kinds", response=list[KindOut], summary="事项类别及其状态、阶段、流转操作与计时")
def list_kinds(request: HttpRequest) -> list[KindOut]:
    """Every kind that generic lists may show (sealed kinds are documented by their modules only)."""
    return [kind_out(k) for k in kinds.all_kinds() if not k.sealed]


@router.get("/{number}", response=CaseDetail, summary="事项详情（含协办、时间线、可执行操作）")
def get_case(request: HttpRequest, number: CaseNumber) -> dict[str, Any]:
    return case_detail(request.user, number)  # type: ignore[arg-type]


@router.post("/{number}/actions", response=CaseDetail, summary="执行流转操作")
def act(request: HttpRequest, number: CaseNumber, payload: ActionIn) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    case = get_visible_case(user, number)
    data = payload.dict(exclude={"action", "version"}, exclude_none=True)
    services.perform(case, payload.action, actor=user, version=payload.version, **data)
    return case_detail(user, number)


@router.post("/{number}/rating", response=CaseDetail, summary="评价（不满意将重办）")
def rate(request: HttpRequest, number: CaseNumber, payload: RatingIn) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    case = get_visible_case(user, number)
    services.perform(
        case,
        "rate",
        actor=user,
        version=payload.version,
        satisfaction=payload.satisfaction,
        comment=payload.comment,
    )
    return case_detail(user, number)


@router.post("/{number}/tasks", response={201: TaskOut}, summary="添加协办单位")
def add_task(request: HttpRequest, number: CaseNumber, payload: TaskIn) -> Status[TaskOut]:
    user: User = request.user  # type: ignore[assignment]
    case = get_visible_case(user, number)
    task = services.add_task(
        case, actor=user, unit=payload.unit, note=payload.note, due_at=payload.due_at, version=payload.version
    )
    return Status(201, task_out(Task.objects.select_related("unit").get(pk=task.pk)))


@router.delete("/{number}/tasks/{task_id}", response={204: None}, summary="移除协办单位（已完成的不能移除）")
def remove_task(
    request: HttpRequest, number: CaseNumber, task_id: Id, version: Count | None = None
) -> Status[None]:
    user: User = request.user  # type: ignore[assignment]
    case = get_visible_case(user, number)
    services.remove_task(case, task_id, actor=user, version=version)
    return Status(204, None)


@router.post("/{number}/tasks/{task_id}/actions", response=TaskOut, summary="协办任务签收/完成/退回")
def task_action(request: HttpRequest, number: CaseNumber, task_id: Id, payload: TaskActionIn) -> TaskOut:
    user: User = request.user  # type: ignore[assignment]
    case = get_visible_case(user, number)
    task = services.task_action(
        case, task_id, payload.action, actor=user, note=payload.note, version=payload.version
    )
    return task_out(Task.objects.select_related("unit").get(pk=task.pk))


@router.post(
    "/{number}/links", response={201: LinkOut}, summary="关联到另一事项（重复、重复来件、派生、复发）"
)
def add_link(request: HttpRequest, number: CaseNumber, payload: LinkIn) -> Status[LinkOut]:
    user: User = request.user  # type: ignore[assignment]
    case = get_visible_case(user, number)
    link = services.link_cases(case, payload.number, payload.type, actor=user)
    return Status(
        201,
        LinkOut(type=link.type, label=link.get_type_display(), direction="out", number=link.to_case.number),
    )


class SpawnIn(Schema):
    kind: Code = Field(description="派生的事项类别（见 GET /cases/kinds 及来源类别的 spawns）")
    subject: Annotated[str, Fits(length=100)] = Field(
        default="", description="派生事项的对象（企业、项目等的编号），该类别要求对象时必填"
    )
    title: Annotated[str, Fits(Case, "title")]
    description: Annotated[str, Fits(length=4000)] = ""
    nature: Code = "suggestion"
    channel: Code = "department"
    lead_unit: RowRef | None = None


@router.post(
    "/{number}/spawn",
    response={201: CaseDetail},
    summary="派生新事项（如协商事项派生为企业诉求或项目问题），并与来源互相关联",
)
def spawn(request: HttpRequest, number: CaseNumber, payload: SpawnIn) -> Status[dict[str, Any]]:
    user: User = request.user  # type: ignore[assignment]
    origin = get_visible_case(user, number)
    target = kinds.parse_kind(payload.kind)
    subject = (
        resolve_subject(target.subject_required, user, payload.subject)
        if target.subject_required and payload.subject.strip()
        else None
    )
    case = spawn_case(
        origin,
        services.NewCase(
            kind=target.code,
            title=payload.title,
            description=payload.description,
            nature=payload.nature,
            channel=payload.channel,
            lead_unit=payload.lead_unit,
            subject=subject,
        ),
        actor=user,
    )
    return Status(201, case_detail(user, case.number))


@router.post(
    "/{number}/attachments",
    response={201: AttachmentOut},
    summary="上传附件（multipart：file，可选 task 为协办任务编号）",
)
def upload_attachment(
    request: HttpRequest, number: CaseNumber, file: File[UploadedFile], task: Form[Id | None] = None
) -> Status[AttachmentOut]:
    user: User = request.user  # type: ignore[assignment]
    case = get_visible_case(user, number)
    stored = services.attach(case, [file], actor=user, task=task)
    return Status(201, attachment_out(stored[0]))
