"""/api/v1/attachments — a file's description, its bytes and its thumbnail, each behind the owner's
visibility check (404 for anyone else)."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import Router, Schema

from nuanqi.accounts.models import User
from nuanqi.columns import Id

from .access import visible_attachment
from .models import Attachment

router = Router(tags=["附件"])


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    mime: str
    url: str
    thumbnail_url: str | None


def attachment_out(a: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=a.pk,
        name=a.name,
        size=a.size,
        sha256=a.sha256,
        mime=a.mime,
        url=reverse("api:attachment_content", args=[a.pk]),
        thumbnail_url=reverse("api:attachment_thumbnail", args=[a.pk]) if a.thumbnail else None,
    )


def file_response(a: Attachment, *, thumbnail: bool = False) -> FileResponse:
    """The stored bytes as a download; never rendered inline as HTML, whatever the name says."""
    field = a.thumbnail if thumbnail else a.file
    response = FileResponse(
        field.storage.open(str(field.name), "rb"),
        as_attachment=not (thumbnail or a.is_image or a.mime == "application/pdf"),
        filename=a.name if not thumbnail else f"{a.pk}-thumbnail.jpg",
        content_type="image/jpeg" if thumbnail else a.mime,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # An uploaded file is nobody's page: no scripts, nothing fetched but itself. The browser's own image or
    # PDF viewer styles its document inline, which this policy lets it do (the site's policy would refuse it).
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; media-src 'self'; object-src 'self'; style-src 'unsafe-inline'"
    )
    return response


@router.get("/{attachment_id}", response=AttachmentOut, summary="附件信息")
def get_attachment(request: HttpRequest, attachment_id: Id) -> AttachmentOut:
    user: User = request.user  # type: ignore[assignment]
    return attachment_out(visible_attachment(user, attachment_id))


@router.get(
    "/{attachment_id}/content", url_name="attachment_content", summary="下载附件", response={200: None}
)
def attachment_content(request: HttpRequest, attachment_id: Id) -> FileResponse:
    user: User = request.user  # type: ignore[assignment]
    return file_response(visible_attachment(user, attachment_id))


@router.get(
    "/{attachment_id}/thumbnail", url_name="attachment_thumbnail", summary="附件缩略图", response={200: None}
)
def attachment_thumbnail(request: HttpRequest, attachment_id: Id) -> FileResponse:
    user: User = request.user  # type: ignore[assignment]
    a = visible_attachment(user, attachment_id)
    if not a.thumbnail:
        raise Attachment.DoesNotExist
    return file_response(a, thumbnail=True)
