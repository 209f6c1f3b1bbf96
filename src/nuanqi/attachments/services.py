"""Storing an attachment: limits, type by content, SHA-256, thumbnail and EXIF location — all before anything
is written, so a refused file leaves nothing behind.

`store(upload, owner=…, actor=…)` → Attachment, or raises `lib.errors.Invalid` with a Chinese message and a
stable code (`file_too_large`, `empty_file`, `file_type`, `file_bomb`, `bad_image`). The caller decides on
which timeline the file's SHA-256 is recorded (the engine writes it into the event that added the file).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile, File
from django.db import models

from nuanqi.lib.errors import Invalid
from nuanqi.lib.filetypes import RefusedFile, detect

from .models import Attachment

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

THUMBNAIL_PX = 320
_CHUNK = 1024 * 1024


def max_bytes() -> int:
    """Largest accepted file, in bytes (`NUANQI_ATTACHMENT_MAX_MB`, default 20)."""
    return int(float(getattr(settings, "NUANQI_ATTACHMENT_MAX_MB", 20)) * 1024 * 1024)


def max_per_event() -> int:
    """Most files one action may carry (`NUANQI_ATTACHMENTS_PER_EVENT`, default 10)."""
    return int(getattr(settings, "NUANQI_ATTACHMENTS_PER_EVENT", 10))


def clean_name(name: str) -> str:
    """The uploader's file name, without directories or control characters, at most 200 characters."""
    base = os.path.basename(str(name or "").replace("\\", "/"))
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip() or "附件"
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[:190] + dot + ext[:8]) if dot else base[:200]
    return base


def _open_image(data: bytes) -> Any:
    from PIL import Image

    try:
        from pillow_heif import register_heif_opener

        register_heif_opener()
    except ImportError:  # pragma: no cover - pillow-heif is a dependency; HEIC is refused without it
        pass
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _gps(image: Any) -> tuple[float | None, float | None]:
    """EXIF GPS (IFD 0x8825) as WGS-84 decimal degrees, if the photo carries it."""
    try:
        gps = image.getexif().get_ifd(0x8825)
    except Exception:  # a broken EXIF block is no reason to refuse the photo
        return None, None
    try:

        def deg(v: Any) -> float:
            d, m, s = (float(x) for x in v)
            return d + m / 60 + s / 3600

        lat, lon = deg(gps[2]), deg(gps[4])
        if gps.get(1) in ("S", b"S"):
            lat = -lat
        if gps.get(3) in ("W", b"W"):
            lon = -lon
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon


def _thumbnail(image: Any) -> bytes:
    """A small JPEG for phone lists, re-encoded without any metadata (no EXIF, no location)."""
    from PIL import ImageOps

    thumb = ImageOps.exif_transpose(image).convert("RGB")
    thumb.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    return out.getvalue()


def _too_large(limit: int) -> Invalid:
    mb = limit / (1024 * 1024)
    return Invalid(f"文件超过 {mb:g} MB 的上限，请压缩后再上传", "file_too_large", field="file")


def _spool(upload: Any, limit: int) -> tuple[Path, int, str]:
    """Copy the upload to a temporary file, stopping as soon as it passes the limit; (path, size, sha256)."""
    digest = hashlib.sha256()
    size = 0
    fd, name = tempfile.mkstemp(prefix="nq-upload-")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            chunks = (
                upload.chunks(_CHUNK) if hasattr(upload, "chunks") else iter(lambda: upload.read(_CHUNK), b"")
            )
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, size, digest.hexdigest()


def store(upload: Any, *, owner: models.Model, actor: User | None, name: str | None = None) -> Attachment:
    """Check and store one uploaded file for `owner`. Nothing is stored when it is refused."""
    limit = max_bytes()
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise _too_large(limit)
    path, size, sha = _spool(upload, limit)
    try:
        try:
            ftype = detect(path, size)
        except RefusedFile as exc:
            raise Invalid(exc.message, exc.code, field="file") from None
        thumb: bytes | None = None
        lat = lon = None
        if ftype.image:
            try:
                image = _open_image(path.read_bytes())
                lat, lon = _gps(image)
                thumb = _thumbnail(image)
            except Exception:
                raise Invalid("图片已损坏或无法识别，请重新拍摄或选择", "bad_image", field="file") from None
        attachment = Attachment(
            owner_type=ContentType.objects.get_for_model(owner),
            owner_id=owner.pk,
            name=clean_name(name or getattr(upload, "name", "") or f"附件{ftype.extension}"),
            mime=ftype.mime,
            extension=ftype.extension,
            size=size,
            sha256=sha,
            latitude=lat,
            longitude=lon,
            uploaded_by=actor,
        )
        with path.open("rb") as fh:
            attachment.file.save("upload", File(fh), save=False)
        if thumb is not None:
            attachment.thumbnail.save("thumb", ContentFile(thumb), save=False)
        stored = [attachment.file.name, attachment.thumbnail.name if thumb else ""]
        try:
            attachment.save()
        except Exception:
            for n in stored:
                if n:
                    attachment.file.storage.delete(n)
            raise
        return attachment
    finally:
        path.unlink(missing_ok=True)


def file_sha256(attachment: Attachment) -> str:
    """The SHA-256 of the bytes stored now (audit verify compares it with the one the timeline recorded)."""
    digest = hashlib.sha256()
    with attachment.file.storage.open(str(attachment.file.name), "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()
