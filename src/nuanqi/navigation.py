"""What the main navigation offers a person: every page a role may use is reachable from it, and nothing is
offered that would answer 404 (the crawl in tests/pages/test_crawl.py holds both)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from nuanqi.accounts.models import Role


def nav(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from nuanqi.cases import kinds, services

    office = user.has_role(Role.ADMIN, Role.DISPATCHER)
    return {
        "nav": {
            # The generic new-case form, for those who may file some kind on it.
            "file": bool(kinds.fileable_kinds(user.roles, services.CREATOR_ROLES)),
            # 部门任务 (/tasks/new/): a unit's handlers and the office post tasks to companies.
            "task": office or bool(user.has_role(Role.HANDLER) and user.unit_id),
            # The commissioner's week (/dashboard/week/).
            "week": user.has_role(Role.COMMISSIONER),
            # 基础数据: the office's maintenance pages (/office/).
            "office": office,
            # The API's documentation, for staff.
            "api_docs": not user.is_external,
            # Django's admin, branded 暖企管理后台, for those who may log into it.
            "admin": bool(user.is_staff),
        }
    }


@login_required
def office_home(request: HttpRequest) -> HttpResponse:
    """基础数据: the office's maintenance pages in one place (categories and time limits here; the programme's
    records on the modules' own pages)."""
    user = request.user
    if not user.has_role(Role.ADMIN, Role.DISPATCHER):  # type: ignore[union-attr]
        raise Http404
    from nuanqi.accounts.models import SettingChange

    return render(request, "office/home.html", {"recent": list(SettingChange.objects.all()[:20])})
