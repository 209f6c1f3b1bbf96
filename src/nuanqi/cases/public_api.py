"""/api/v1/public/{slug} — filing and following a case without an account. No token; the receipt code travels
only in POST bodies. Every refused or failed request from a client counts against its per-minute limit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Body, File, Form, Router, Schema, Status, UploadedFile
from pydantic import Field

from nuanqi.clientaddr import client_address
from nuanqi.columns import Code

from . import kinds, public
from .errors import CaseError, NotFound

router = Router(tags=["公众受理"], auth=None)


class ReceiptOut(Schema):
    receipt: str = Field(description="回执码（16 位数字，只显示这一次，请妥善保存）")
    number: str
    status: str
    status_label: str
    clock_starts_at: datetime | None = Field(
        None, description="办理时限开始计算的时刻（非工作时间提交的，从下一个工作时段开始）"
    )


class ReceiptIn(Schema):
    receipt: str = Field(max_length=64, description="回执码")


class MessageIn(Schema):
    receipt: str = Field(max_length=64)
    text: str = Field(max_length=public.MESSAGE_MAX)


class MessageOut(Schema):
    direction: str = Field(description="in：您的留言；out：办理单位的答复")
    text: str
    at: datetime
    sender: str = Field(alias="from")
    files: int = Field(description="随留言送达的照片或文件数（公众看不到文件本身）")


class ProgressOut(Schema):
    number: str
    kind: str
    status: str
    status_label: str
    phase: str
    received_at: datetime
    resolved_at: datetime | None
    messages: list[MessageOut]


class ErrorOut(Schema):
    error: str
    code: str


def _too_many(request: HttpRequest) -> HttpResponse | None:
    wait = public.throttle().retry_after(client_address(request))
    if wait is None:
        return None
    from nuanqi.api import error

    response = error(request, 429, f"尝试过于频繁，请 {wait} 秒后再试", "throttled")
    response["Retry-After"] = str(wait)
    return response


def _intake(slug: Code) -> tuple[kinds.KindSpec, public.PublicIntake]:
    try:
        return public.intake_for(slug)
    except kinds.UnknownKind:
        raise Http404 from None


_NOT_FOUND = "回执码不正确，或该事项不存在"


@router.post(
    "/{slug}", response={201: ReceiptOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}, summary="公众提交"
)
def file_case(request: HttpRequest, slug: Code, payload: Body[dict[str, Any]]) -> Any:
    spec, intake = _intake(slug)
    if (busy := _too_many(request)) is not None:
        return busy
    public.throttle().hit(client_address(request))
    filed = public.file_public(spec, intake, payload)
    return Status(
        201,
        ReceiptOut(
            receipt=filed.receipt,
            number=filed.case.number,
            status=filed.case.status,
            status_label=filed.case.status_label,
            clock_starts_at=public.clock_start(filed.case),
        ),
    )


def _open(request: HttpRequest, spec: kinds.KindSpec, receipt: str) -> public.Opened:
    opened = public.lookup(spec, receipt)
    if opened is None:
        public.throttle().hit(client_address(request))
        raise NotFound(_NOT_FOUND, "receipt_not_found")
    return opened


@router.post(
    "/{slug}/status", response={200: ProgressOut, 404: ErrorOut, 429: ErrorOut}, summary="凭回执码查询进度"
)
def status(request: HttpRequest, slug: Code, payload: ReceiptIn) -> Any:
    spec, intake = _intake(slug)
    if (busy := _too_many(request)) is not None:
        return busy
    return public.progress(spec, intake, _open(request, spec, payload.receipt))


@router.post(
    "/{slug}/messages",
    response={201: ProgressOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="凭回执码留言",
)
def message(request: HttpRequest, slug: Code, payload: MessageIn) -> Any:
    spec, intake = _intake(slug)
    if (busy := _too_many(request)) is not None:
        return busy
    opened = _open(request, spec, payload.receipt)
    if not intake.messages:
        raise CaseError("该渠道不接受留言", "messages_closed")
    public.add_public_message(spec, intake, opened, payload.text)
    return Status(201, public.progress(spec, intake, opened))


@router.post(
    "/{slug}/photos",
    response={201: ProgressOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="凭回执码补充照片或文件（multipart：receipt、file，可选 text）",
)
def photo(
    request: HttpRequest,
    slug: Code,
    file: File[UploadedFile],
    receipt: str = Form(..., max_length=64),
    text: str = Form("", max_length=public.MESSAGE_MAX),
) -> Any:
    spec, intake = _intake(slug)
    if (busy := _too_many(request)) is not None:
        return busy
    opened = _open(request, spec, receipt)
    if not (intake.messages and intake.photos):
        raise CaseError("该渠道不接受补充文件", "files_closed")
    public.add_public_message(spec, intake, opened, text, [file])
    return Status(201, public.progress(spec, intake, opened))
