"""Pages' downloads of attachments (the browser session), through the same visibility check as the API."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest

from nuanqi.accounts.models import User

from .access import visible_attachment
from .api import file_response
from .models import Attachment


@login_required
def download(request: HttpRequest, attachment_id: int) -> FileResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        return file_response(visible_attachment(user, attachment_id))
    except Attachment.DoesNotExist:
        raise Http404("未找到该文件") from None


@login_required
def thumbnail(request: HttpRequest, attachment_id: int) -> FileResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        a = visible_attachment(user, attachment_id)
    except Attachment.DoesNotExist:
        raise Http404("未找到该文件") from None
    if not a.thumbnail:
        raise Http404("没有缩略图")
    return file_response(a, thumbnail=True)
