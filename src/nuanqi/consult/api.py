"""The consultation API: sessions with their items (each item's answers and adoption read back from its
timeline), filing sessions and items, and the items ledger import. Workflow actions on an item (交办,
现场答复, 书面答复, 采纳 …) are the engine's `POST /api/v1/cases/{number}/actions`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from nuanqi.accounts.models import Unit, User
from nuanqi.cases.errors import Forbidden, Invalid
from nuanqi.cases.models import Case
from nuanqi.cases.visibility import visible_cases
from nuanqi.columns import Fits, Id, SaneDate
from nuanqi.lib.excel_import import TemplateError

from .access import visible_sessions
from .models import Participant, Session
from .services import (
    NewSession,
    add_participant,
    can_record,
    create_session,
    decision_label,
    facts,
    participant_account,
    raise_item,
    session_items,
    update_session,
)

router = Router(tags=["请你来协商"])


class SessionOut(Schema):
    id: int
    topic: str
    held_on: date
    organiser: str
    venue: str
    public: bool
    items: int


class ParticipantOut(Schema):
    id: int
    role: str
    role_label: str
    name: str
    sector: str
    unit: str | None


class ConsultItemOut(Schema):
    number: str
    title: str
    description: str
    raised_by: str
    lead_unit: str | None
    status: str
    status_label: str
    spot_answer: str
    written_answer: str
    decision: str
    decision_label: str
    implemented: str
    answered_on_time: bool | None


class SessionDetail(SessionOut):
    report_summary: str
    minutes: str
    participants: list[ParticipantOut]
    item_list: list[ConsultItemOut]


class SessionIn(Schema):
    topic: Annotated[str, Fits(Session, "topic")]
    held_on: SaneDate
    organiser: Annotated[str, Fits(length=100)] = Field(description="组织单位（名称或简称）")
    venue: Annotated[str, Fits(Session, "venue")] = ""
    report_summary: Annotated[str, Fits(Session, "report_summary")] = ""
    minutes: Annotated[str, Fits(Session, "minutes")] = ""
    public: bool = False


class ItemIn(Schema):
    title: Annotated[str, Fits(Case, "title")]
    description: Annotated[str, Fits(length=4000)] = ""
    raised_by: Id | None = None
    raised_by_name: Annotated[str, Fits(length=60)] = ""
    lead_unit: Annotated[str, Fits(length=100)] | None = Field(
        default=None, description="答复单位（名称或编号）"
    )


class ConsultImportOut(Schema):
    ok: bool
    rows: int
    created: int
    errors: list[str]
    summary: str


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _out(s: Session, count: int) -> SessionOut:
    return SessionOut(
        id=s.pk,
        topic=s.topic,
        held_on=s.held_on,
        organiser=s.organiser.name,
        venue=s.venue,
        public=s.public,
        items=count,
    )


def _detail(user: User, s: Session) -> SessionDetail:
    items = session_items(s, visible_cases(user))
    known = facts(items)
    return SessionDetail(
        **_out(s, len(items)).dict(),
        report_summary=s.report_summary,
        minutes=s.minutes,
        participants=[
            ParticipantOut(
                id=p.pk,
                role=p.role,
                role_label=p.get_role_display(),
                name=p.name,
                sector=p.sector,
                unit=p.unit.name if p.unit else None,
            )
            for p in s.participants.select_related("unit")
        ],
        item_list=[
            ConsultItemOut(
                number=c.number,
                title=c.title,
                description=c.description,
                raised_by=c.requester_name,
                lead_unit=c.lead_unit.name if c.lead_unit else None,
                status=c.status,
                status_label=c.status_label,
                spot_answer=known[c.pk].spot_answer,
                written_answer=known[c.pk].written_answer,
                decision=known[c.pk].decision,
                decision_label=decision_label(known[c.pk].decision),
                implemented=known[c.pk].implemented,
                answered_on_time=known[c.pk].answered_on_time,
            )
            for c in items
        ],
    )


@router.get("/sessions", response=list[SessionOut], summary="我可查看的协商活动")
def list_sessions(request: HttpRequest) -> list[SessionOut]:
    from django.db.models import Count

    from .access import SUBJECT
    from .workflow import CONSULT

    user = _user(request)
    sessions = list(visible_sessions(user).select_related("organiser"))
    counts = dict(
        visible_cases(user)
        .filter(kind=CONSULT, subject_type=SUBJECT, subject_id__in=[s.pk for s in sessions])
        .order_by()
        .values_list("subject_id")
        .annotate(n=Count("id"))
        .values_list("subject_id", "n")
    )
    return [_out(s, counts.get(s.pk, 0)) for s in sessions]


@router.get("/sessions/{session_id}", response=SessionDetail, summary="协商活动详情（含参加人员和事项）")
def get_session(request: HttpRequest, session_id: Id) -> SessionDetail:
    user = _user(request)
    s = visible_sessions(user).select_related("organiser").get(pk=session_id)
    return _detail(user, s)


@router.post("/sessions", response={201: SessionDetail}, summary="登记协商活动（政协工作人员）")
def post_session(request: HttpRequest, payload: SessionIn) -> Status[SessionDetail]:
    user = _user(request)
    s = create_session(NewSession(**payload.dict()), actor=user)
    return Status(201, _detail(user, s))


class ParticipantIn(Schema):
    role: Literal["member", "representative", "unit_head", "citizen"]
    name: Annotated[str, Fits(Participant, "name")]
    sector: Annotated[str, Fits(Participant, "sector")] = ""
    unit: Id | None = Field(default=None, description="所在单位编号（部门负责人）")
    username: Annotated[str, Fits(length=150)] = Field(default="", description="有账号的参加人员：其账号")


class SessionPatch(Schema):
    minutes: Annotated[str, Fits(Session, "minutes")] | None = None
    venue: Annotated[str, Fits(Session, "venue")] | None = None
    report_summary: Annotated[str, Fits(Session, "report_summary")] | None = None
    public: bool | None = None


@router.post(
    "/sessions/{session_id}/participants",
    response={201: ParticipantOut},
    summary="登记参加人员（政协工作人员）",
)
def post_participant(request: HttpRequest, session_id: Id, payload: ParticipantIn) -> Status[ParticipantOut]:
    user = _user(request)
    s = visible_sessions(user).get(pk=session_id)
    unit = Unit.objects.filter(pk=payload.unit).first() if payload.unit else None
    if payload.unit and unit is None:
        raise Invalid(f"找不到编号为 {payload.unit} 的单位", "unknown_unit", field="unit")
    p = add_participant(
        s,
        role=payload.role,
        name=payload.name,
        sector=payload.sector,
        unit=unit,
        user=participant_account(payload.username),
        actor=user,
    )
    return Status(
        201,
        ParticipantOut(
            id=p.pk,
            role=p.role,
            role_label=p.get_role_display(),
            name=p.name,
            sector=p.sector,
            unit=p.unit.name if p.unit else None,
        ),
    )


@router.patch(
    "/sessions/{session_id}", response=SessionDetail, summary="编辑协商活动（会议纪要、地点、摘要、是否公开）"
)
def patch_session(request: HttpRequest, session_id: Id, payload: SessionPatch) -> SessionDetail:
    user = _user(request)
    s = visible_sessions(user).select_related("organiser").get(pk=session_id)
    update_session(s, actor=user, **payload.dict(exclude_unset=True))
    return _detail(user, s)


@router.post(
    "/sessions/{session_id}/items",
    response={201: ConsultItemOut},
    summary="登记协商事项（提出人可为参加人员 id 或姓名；填写答复单位即交办）",
)
def post_item(request: HttpRequest, session_id: Id, payload: ItemIn) -> Status[ConsultItemOut]:
    user = _user(request)
    s = visible_sessions(user).get(pk=session_id)
    if not can_record(user):
        raise Forbidden("只有政协工作人员和营商办可以登记协商事项")
    participant = s.participants.filter(pk=payload.raised_by).first() if payload.raised_by else None
    if payload.raised_by and participant is None:
        raise Invalid("提出人不是本次协商活动的参加人员", "unknown_participant", field="raised_by")
    unit = None
    if payload.lead_unit:
        text = payload.lead_unit.strip()
        unit = (Unit.objects.filter(pk=int(text)).first() if text.isdigit() else None) or Unit.objects.filter(
            name=text
        ).first()
        if unit is None:
            raise Invalid(f"找不到单位“{text}”", "unknown_unit", field="lead_unit")
    case = raise_item(
        s,
        title=payload.title,
        description=payload.description,
        raised_by=participant,
        raised_by_name=payload.raised_by_name,
        lead_unit=unit,
        actor=user,
    )
    item = next(i for i in _detail(user, s).item_list if i.number == case.number)
    return Status(201, item)


@router.post(
    "/sessions/{session_id}/imports",
    response={200: ConsultImportOut, 422: ConsultImportOut},
    summary="导入协商事项台账（.xlsx、.xls、.ods 或 CSV，全部成功或全部不导入）",
)
def post_import(request: HttpRequest, session_id: Id, file: File[UploadedFile]) -> Status[ConsultImportOut]:
    from .ledger import run_import

    user = _user(request)
    s = visible_sessions(user).get(pk=session_id)
    if not can_record(user):
        raise Forbidden("只有政协工作人员和营商办可以导入协商事项")
    try:
        report = run_import(s, file, actor=user)
    except TemplateError as exc:
        raise Invalid(str(exc), "bad_template", field="file") from None
    out = ConsultImportOut(
        ok=report.ok,
        rows=report.rows,
        created=report.created,
        errors=[str(e) for e in report.errors],
        summary=report.summary(),
    )
    return Status(200 if report.ok else 422, out)
