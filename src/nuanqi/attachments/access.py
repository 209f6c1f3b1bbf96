"""Who may download an attachment: asked of the app that owns the attachment's owner.

An app registers, per owner model, a function `(user, owner) -> bool` from its `AppConfig.ready()`; a
file whose owner's app registered nothing, or whose owner is gone, is readable by nobody (404).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

    from .models import Attachment

CanView = Callable[["User", Any], bool]
_owners: dict[str, CanView] = {}


def register_owner(model: type[models.Model], can_view: CanView) -> None:
    _owners[model._meta.label_lower] = can_view


def can_view(user: User, attachment: Attachment) -> bool:
    ct: ContentType = ContentType.objects.get_for_id(attachment.owner_type_id)
    check = _owners.get(f"{ct.app_label}.{ct.model}")
    if check is None:
        return False
    owner = ct.model_class()._default_manager.filter(pk=attachment.owner_id).first()  # type: ignore[union-attr]
    return owner is not None and bool(check(user, owner))


def visible_attachment(user: User, attachment_id: int) -> Attachment:
    """The attachment if this person may read it; otherwise Attachment.DoesNotExist (→ 404)."""
    from .models import Attachment

    if not user.is_authenticated or not user.is_active:
        raise Attachment.DoesNotExist
    attachment = Attachment.objects.get(pk=attachment_id)
    if not can_view(user, attachment):
        raise Attachment.DoesNotExist
    return attachment
