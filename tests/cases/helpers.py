from __future__ import annotations

from datetime import datetime
from typing import Any

from nuanqi.accounts.models import User
from nuanqi.cases import services
from nuanqi.cases.access import SubjectRef
from nuanqi.cases.models import Case
from nuanqi.enterprise.models import Company


def file_case(actor: User, company: Company, title: str = "开具合规证明", **kw: Any) -> Case:
    received: datetime | None = kw.pop("received_at", None)
    return services.create_case(
        services.NewCase(
            title=title,
            subject=SubjectRef("company", company.pk, company.name),
            received_at=received,
            **kw,
        ),
        actor=actor,
    )


def act(case: Case, action: str, actor: User, **data: Any) -> Case:
    case.refresh_from_db()
    return services.perform(case, action, actor=actor, version=case.version, **data)


def dispatched_to(case: Case, world: Any) -> Case:
    act(case, "accept", world.dispatcher)
    act(case, "dispatch", world.dispatcher, lead_unit=world.zhujian.pk)
    return act(case, "sign", world.handler)
