"""The leader's consultation panel: items open, written answers on time, the adoption mix."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nuanqi.cases.kinds import OPEN
from nuanqi.cases.visibility import visible_cases

from .services import facts
from .workflow import CONSULT, CONSULT_KIND, DECISIONS

if TYPE_CHECKING:
    from nuanqi.accounts.models import User


def context(user: User, today: Any) -> dict[str, Any] | None:
    items = list(visible_cases(user).filter(kind=CONSULT).only("id", "status"))
    if not items:
        return None
    known = facts(items)
    answered = [f for f in known.values() if f.answered_on_time is not None]
    mix = {
        str(label): sum(1 for f in known.values() if f.decision == code) for code, label in DECISIONS.items()
    }
    return {
        "total": len(items),
        "open": sum(1 for c in items if c.status in CONSULT_KIND.status_codes(OPEN)),
        "answered": len(answered),
        "on_time": sum(1 for f in answered if f.answered_on_time),
        "mix": mix,
    }
