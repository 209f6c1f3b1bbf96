"""Row locks for the writers: every write to a case serialises on its row, and a stale version answers 409."""

from __future__ import annotations

from typing import Any

from .errors import Conflict, Invalid
from .models import Case


def lock_version(case: Case, version: Any) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    try:
        v = int(version)
    except (TypeError, ValueError):
        raise Invalid("请提供事项版本号 version", "missing_version", field="version") from None
    if v != locked.version:
        raise Conflict(f"该事项已被他人更新（当前版本 {locked.version}，您提交的是 {v}），请刷新后重试")
    return locked


def lock_for_task(case: Case, version: Any) -> Case:
    if version not in (None, ""):
        return lock_version(case, version)
    # Without a version the write still serialises on the case row, so counts and events stay exact.
    return Case.objects.select_for_update().get(pk=case.pk)
