"""The shapes of /api/v1/cases: what a client sends and what it gets back (pydantic schemas through
django-ninja; the OpenAPI document at /api/v1/docs is made from them). The endpoints are `cases.api`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import Field

from nuanqi.attachments.api import AttachmentOut
from nuanqi.columns import (
    TEXT_MAX,
    Code,
    Count,
    Fits,
    Id,
    Phone,
    RowRef,
    SaneDateTime,
)

from . import kinds
from .models import Case, Task


class Ref(Schema):
    id: int | None
    name: str


class SubjectOut(Schema):
    type: str
    id: int | None
    label: str


def _status_doc() -> str:
    """The statuses of every kind registered when the schema is built, for the OpenAPI description."""
    parts = []
    for spec in kinds.all_kinds():
        if spec.sealed:
            continue
        items = "、".join(f"{s.code}={s.label}（{s.phase}）" for s in spec.statuses)
        parts.append(f"{spec.code}（{spec.label}）：{items}")
    return "状态代码，随类别而定（详见 GET /api/v1/cases/kinds）。" + "；".join(parts)


class CaseOut(Schema):
    number: str
    kind: str
    kind_label: str
    title: str
    status: str = Field(description=_status_doc())
    status_label: str
    phase: str = Field(description="阶段：open 办理中（计入我的清单与超期）、held 挂起、closed 已结束")
    priority: str
    importance: str
    urgency: str
    nature: str
    channel: str
    channel_label: str
    category: str | None
    category_top: str | None
    lead_unit: Ref | None
    owner: Ref | None
    subject: SubjectOut | None
    received_at: datetime
    sign_due: datetime | None
    contact_due: datetime | None
    resolve_due: datetime | None
    sla: str
    supervised: bool
    tasks_done: int
    tasks_total: int
    version: int


class TaskOut(Schema):
    id: int
    unit: Ref
    in_district: bool
    status: str
    status_label: str
    note: str
    result: str
    due_at: datetime | None
    done_at: datetime | None


class EventOut(Schema):
    seq: int
    at: datetime
    actor: str
    action: str
    from_status: str
    to_status: str
    changes: dict[str, Any]
    reason: str


class ActionOut(Schema):
    action: str
    label: str
    required: list[str]


class LinkOut(Schema):
    type: str
    label: str
    direction: str = Field(description="out：本事项指向对方；in：对方指向本事项")
    number: str


class LinkIn(Schema):
    type: Code = Field(description="duplicate_of、repeat_of、spawned_from 或 relapse_of（也接受中文名称）")
    number: str = Field(max_length=20, description="被关联的（更早的）事项编号")


class StatusDefOut(Schema):
    code: str
    label: str
    phase: str
    resolved: bool
    rated: bool
    counted: bool


class TransitionOut(Schema):
    action: str
    label: str
    sources: list[str]
    target: str | None
    who: list[str]
    required: list[str]
    evidence: bool


class ClockOut(Schema):
    name: str
    label: str
    starts_on: list[str]
    stops_on: list[str]
    duration: float
    unit: str


class KindOut(Schema):
    code: str
    label: str
    prefix: str
    initial: str
    statuses: list[StatusDefOut]
    actions: list[TransitionOut]
    clocks: list[ClockOut]


class CaseDetail(CaseOut):
    description: str
    requester_name: str
    result: str
    satisfaction: str
    extension_days: int
    extension_pending: dict[str, Any] | None
    hold_review_on: str | None
    tasks: list[TaskOut]
    events: list[EventOut]
    actions: list[ActionOut]
    links: list[LinkOut]
    attachments: list[AttachmentOut]


class CasePage(Schema):
    items: list[CaseOut]
    next: str | None


class CaseIn(Schema):
    kind: Code = "request"
    title: Annotated[str, Fits(Case, "title")]
    description: Annotated[str, Fits(length=TEXT_MAX)] = ""
    category: RowRef | None = None
    nature: Code = "help"
    channel: Code = "company_request"
    company: RowRef | None = None
    importance: Code = "minor"
    urgency: Code = "normal"
    lead_unit: RowRef | None = None
    requester_name: Annotated[str, Fits(Case, "requester_name")] = ""
    requester_phone: Annotated[Phone, Fits(Case, "requester_phone")] = ""
    confidential: bool = False


class ActionIn(Schema):
    action: Code
    version: Count
    reason: Annotated[str, Fits(length=TEXT_MAX)] | None = None
    lead_unit: RowRef | None = None
    owner: Id | None = None
    days: Count | None = None
    review_on: Annotated[str, Field(max_length=40)] | None = Field(
        default=None, description="复核日期，如 2023-05-10"
    )
    result: Annotated[str, Fits(length=TEXT_MAX)] | None = None
    satisfaction: Code | None = None
    comment: Annotated[str, Fits(Case, "rating_comment")] | None = None
    referral: Annotated[str, Fits(length=500)] | None = None
    original: str | None = Field(default=None, max_length=20, description="合并为重复件时的原事项编号")
    attachment_ids: list[Id] | None = Field(
        default=None, max_length=10, description="作为本次操作依据的附件编号（先上传到本事项）"
    )


class RatingIn(Schema):
    version: Count
    satisfaction: Code
    comment: Annotated[str, Fits(Case, "rating_comment")] = ""


class TaskIn(Schema):
    unit: RowRef
    note: Annotated[str, Fits(Task, "note")] = ""
    due_at: SaneDateTime | None = None
    version: Count | None = None


class TaskActionIn(Schema):
    action: Code
    note: Annotated[str, Fits(Task, "note")] = ""
    version: Count | None = None
