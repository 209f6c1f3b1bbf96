"""The routing module's parts of the case pages (registered on `cases.advisors`): the dispatch step's top-3,
and the likely duplicates of a case not yet dispatched, each with a one-click merge (the engine's merge)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nuanqi.accounts.models import Role

if TYPE_CHECKING:
    from nuanqi.accounts.models import User
    from nuanqi.cases.access import SubjectRef
    from nuanqi.cases.models import Case


def case_panel(user: User, case: Case) -> dict[str, Any] | None:
    from nuanqi.cases.access import SubjectRef
    from nuanqi.cases.permissions import allowed_actions

    if not user.has_role(Role.ADMIN, Role.DISPATCHER) or case.sealed is not None:
        return None
    allowed = {t.action for t in allowed_actions(user, case)}
    if not {"accept", "dispatch", "merge"} & allowed:
        return None
    from . import duplicates
    from .suggest import suggest

    ctx: dict[str, Any] = {"can_dispatch": "dispatch" in allowed, "can_merge": "merge" in allowed}
    if case.kind == "request" and {"accept", "dispatch"} & allowed:
        industry = town = ""
        if case.subject_type == "company" and case.subject_id:
            from nuanqi.enterprise.models import Company

            row = Company.objects.filter(pk=case.subject_id).values_list("industry", "town__name").first()
            industry, town = (row[0] or "", row[1] or "") if row else ("", "")
        ctx["suggestion"] = suggest(case.title, case.description, industry=industry, town=town)
    if "merge" in allowed and case.subject_type and case.subject_id:
        found = duplicates.find(
            user,
            title=case.title,
            description=case.description,
            kind=case.kind,
            subject=SubjectRef(case.subject_type, case.subject_id, case.subject_label),
            exclude=case.pk,
            now=case.received_at,
        )
        # The engine merges into an earlier case only.
        ctx["duplicates"] = [d for d in found if d["received_at"] <= case.received_at]
    if not ctx.get("suggestion") and not ctx.get("duplicates"):
        return None
    return ctx


def form_duplicates(
    user: User, *, title: str, description: str, kind: str, subject: SubjectRef | None
) -> list[dict[str, Any]]:
    from .api import STAFF
    from .duplicates import find

    if subject is None or not user.has_role(*STAFF):
        return []
    return find(user, title=title, description=description, kind=kind, subject=subject)
