"""Photos and documents owned by any object a module names (a case, a co-handling task, a progress report …).

The owner is generic (content type + id) so that this app sits below the engine and the modules; whether a
person may download a file is asked of the owner's app (`attachments.access`). Files go through Django's
storage API (files under `$NUANQI_HOME/media` by default) and are never served as static files.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _upload_to(instance: Attachment, filename: str) -> str:
    # Content-addressed paths: the stored name says nothing of the uploader's file name.
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}{instance.extension}"


def _thumb_to(instance: Attachment, filename: str) -> str:
    return f"thumbnails/{instance.sha256[:2]}/{instance.sha256}.jpg"


class Attachment(models.Model):
    owner_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    owner_id = models.BigIntegerField()
    name = models.CharField(_("文件名"), max_length=200)
    mime = models.CharField(_("类型"), max_length=100)
    extension = models.CharField(max_length=8)
    size = models.PositiveBigIntegerField(_("大小(字节)"))
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=_upload_to, max_length=200)
    thumbnail = models.FileField(upload_to=_thumb_to, max_length=200, blank=True)
    # Where a photo was taken (EXIF GPS, WGS-84): for staff only, never shown to the public.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar = [
            # The files of one owner (a case page, a task, a report).
            models.Index(fields=["owner_type", "owner_id"], name="attachment_owner"),
        ]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")
