"""Files on a case: uploads to the case or one of its co-handling tasks, and the files an action names as its
evidence — each listed with its SHA-256 in the event that records it, so `audit verify` re-hashes them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from nuanqi.attachments.models import Attachment
from nuanqi.attachments.services import max_per_event, store

from . import kinds, timeline
from .errors import Forbidden, Invalid
from .locking import lock_for_task
from .models import Case, PublicMessage, Task
from .permissions import relations

if TYPE_CHECKING:
    from nuanqi.accounts.models import User


def evidence(case: Case, attachment_ids: Any) -> list[dict[str, Any]]:
    """The files named as an action's evidence: already uploaded to this case (or one of its tasks), listed
    with their SHA-256 in the action's event so that its hash covers them."""
    if attachment_ids in (None, "", []):
        return []
    raw = attachment_ids if isinstance(attachment_ids, list | tuple) else str(attachment_ids).split(",")
    try:
        ids = sorted({int(str(i).strip()) for i in raw if str(i).strip()})
    except ValueError:
        raise Invalid("附件编号须为整数", "invalid_attachment", field="attachment_ids") from None
    if len(ids) > max_per_event():
        raise Invalid(f"一次最多附 {max_per_event()} 个文件", "too_many_files", field="attachment_ids")
    found = list(_case_attachments(case).filter(pk__in=ids).order_by("pk"))
    if len(found) != len(ids):
        raise Invalid("附件不属于本事项或不存在，请先上传", "invalid_attachment", field="attachment_ids")
    return [{"id": a.pk, "name": a.name, "sha256": a.sha256, "size": a.size} for a in found]


def _case_attachments(case: Case) -> Any:
    case_ct = ContentType.objects.get_for_model(Case)
    task_ct = ContentType.objects.get_for_model(Task)
    message_ct = ContentType.objects.get_for_model(PublicMessage)
    return Attachment.objects.filter(
        Q(owner_type=case_ct, owner_id=case.pk)
        | Q(owner_type=task_ct, owner_id__in=Task.objects.filter(case=case).values("pk"))
        | Q(owner_type=message_ct, owner_id__in=PublicMessage.objects.filter(case=case).values("pk"))
    )


def case_attachments(case: Case) -> Any:
    """The files of a case and of its co-handling tasks, oldest first."""
    return _case_attachments(case).order_by("pk")


def attach(case: Case, files: list[Any], *, actor: User, task: Any = None, version: Any = None) -> list[Any]:
    """Upload files to a case (or to one of its co-handling tasks): every file checked and stored, and one
    `attach` event listing each file's name and SHA-256, so `audit verify` notices a file replaced on disk.
    Anyone related to the case may add files; nothing is stored when any file is refused."""
    if not files:
        raise Invalid("请选择要上传的文件", "missing_field", field="file")
    if len(files) > max_per_event():
        raise Invalid(f"一次最多上传 {max_per_event()} 个文件", "too_many_files", field="file")
    with transaction.atomic():
        locked = lock_for_task(case, version)
        rel = relations(actor, locked)
        if not rel:
            raise Forbidden("您与该事项无关，不能上传附件")
        if kinds.is_sealed(locked.kind):
            raise Forbidden("密封类事项的附件由其模块加密保存")
        owner: Any = locked
        if task not in (None, ""):
            try:
                owner = Task.objects.select_related("unit").get(case=locked, pk=int(str(task)))
            except (Task.DoesNotExist, ValueError):
                raise Invalid("协办任务不存在", "unknown_task", field="task") from None
        stored = [store(f, owner=owner, actor=actor) for f in files]
        now = timezone.now()
        changes: dict[str, Any] = {
            "attachments": [{"id": a.pk, "name": a.name, "sha256": a.sha256, "size": a.size} for a in stored]
        }
        if owner is not locked:
            changes["unit"] = owner.unit.name
            changes["task"] = owner.pk
        timeline.notice(locked, actor=actor, action="attach", changes=changes, at=now)
    return stored
