"""Duplicate warnings: the open or recent cases of the same subject that are likely the same matter.

Text overlap alone cannot tell a follow-up (“之前反映的用电增容还没批下来”) from another matter of the same
company (“新厂房的用电报装”): they share as many words. So the score combines signals, each computed here in
plain Python:

- `sim`: character-bigram similarity (Dice) of the two texts;
- `same_sub`: the new text's predicted 小项 (the routing model, or the rules) is the earlier case's 小项;
- `entities`: overlap of what is extracted from both — numbers with their measure (40亩, 800万, 1250kVA),
  places (…镇, …街道, …路, …码头), units named (区住建局 …) and document names (《…》, …证, …许可, 文号);
  `conflict` when both name numbers and share none (another plot, another loan);
- `follow_up`: the new text says it is a follow-up (之前、再次、还没、进度 …);
- `gap`: days between them (a warning fades over NUANQI_DUPLICATE_DAYS).

`score` is a logistic combination with fixed weights (docs/routing.md gives them and the figures on the demo's
labelled pairs); a case is shown above WARN.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import features

if TYPE_CHECKING:
    from nuanqi.accounts.models import User
    from nuanqi.cases.access import SubjectRef

WARN = 0.5
WEIGHTS = {
    "bias": -3.2,
    "sim": 4.0,
    "same_sub": 1.6,
    "entities": 2.0,
    "conflict": -1.5,
    "follow_up": 2.2,
    "gap": -1.0,
}

_CJK = r"\u3400-\u9fff"
_NUMBER = re.compile(
    r"(\d+(?:\.\d+)?)\s*(万元|万|亿|亩|吨|平方米|平方|米|kva|kw|千瓦|人|名|台|个|天|号|%|元)?"
)
_PLACE = re.compile(rf"[{_CJK}]{{2,5}}(?:镇|街道|乡|村|路|码头|园区|小区|大桥|港)")
_DOC = re.compile(
    rf"《[^》]{{1,40}}》|[〔\[(（]\d{{4}}[〕\])）]\d+号|[{_CJK}]{{2,8}}(?:证|许可|批复|报告|备案|协议)"
)
_UNIT = re.compile(rf"区[{_CJK}]{{1,6}}局|[{_CJK}]{{2,6}}(?:公司|大队|管委会|银行)")
_FOLLOW_UP = re.compile(
    r"之前|上次|上回|此前|前面反映|再次|又一次|还是没|还没|仍未|仍然|一直没|至今|进度|进展|怎么样了|催|跟进|同一"
)


def bigrams(text: str) -> set[str]:
    t = re.sub(r"\s+", "", features.normalize(text))
    return {t[i : i + 2] for i in range(len(t) - 1)} or ({t} if t else set())


def similarity(a: str, b: str) -> float:
    x, y = bigrams(a), bigrams(b)
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


def entities(text: str) -> tuple[set[str], set[str]]:
    """(numbers with their measure, other entities: places, units, documents)."""
    t = features.normalize(text)
    numbers = {f"{n}{m or ''}" for n, m in _NUMBER.findall(t) if len(n) < 12}
    others = set(_PLACE.findall(t)) | set(_DOC.findall(t)) | set(_UNIT.findall(t))
    return numbers, others


@dataclass(frozen=True)
class Signals:
    sim: float
    same_sub: bool
    entities: float
    conflict: bool
    follow_up: bool
    gap_days: float

    def score(self, days: int = 90) -> float:
        w = WEIGHTS
        z = (
            w["bias"]
            + w["sim"] * self.sim
            + w["same_sub"] * self.same_sub
            + w["entities"] * self.entities
            + w["conflict"] * self.conflict
            + w["follow_up"] * self.follow_up
            + w["gap"] * min(self.gap_days / max(days, 1), 2.0)
        )
        return 1 / (1 + math.exp(-z))


def signals(
    new_text: str, new_sub: int | None, old_text: str, old_sub: int | None, gap_days: float
) -> Signals:
    n_num, n_other = entities(new_text)
    o_num, o_other = entities(old_text)
    union = (n_num | n_other) | (o_num | o_other)
    shared = (n_num & o_num) | (n_other & o_other)
    return Signals(
        sim=similarity(new_text, old_text),
        same_sub=new_sub is not None and new_sub == old_sub,
        entities=len(shared) / len(union) if union else 0.0,
        conflict=bool(n_num and o_num and not (n_num & o_num)),
        follow_up=bool(_FOLLOW_UP.search(features.normalize(new_text))),
        gap_days=max(gap_days, 0.0),
    )


def predicted_subcategory(text: str) -> int | None:
    from .suggest import rank

    _basis, ranked = rank(text, k=1)
    return ranked["subcategory"][0][0] if ranked["subcategory"] else None


def find(
    user: User,
    *,
    title: str,
    description: str = "",
    kind: str = "",
    subject: SubjectRef | None = None,
    subjects: Iterable[tuple[str, int]] = (),
    now: datetime | None = None,
    exclude: int | None = None,
) -> list[dict[str, Any]]:
    """The likely duplicates the user may see, best first, only those above WARN."""
    from django.conf import settings
    from django.db.models import Q
    from django.utils import timezone

    from nuanqi.cases import kinds
    from nuanqi.cases.visibility import visible_cases

    now = now or timezone.now()
    days = settings.NUANQI_DUPLICATE_DAYS
    keys = list(subjects) + ([(subject.type, subject.id)] if subject else [])
    if not keys:
        return []
    same_subject = Q()
    for stype, sid in keys:
        same_subject |= Q(subject_type=stype, subject_id=sid)
    live = [s for s in kinds.statuses() if s not in kinds.statuses(kinds.CLOSED)]
    qs = (
        visible_cases(user)
        .filter(same_subject)
        .filter(Q(status__in=live) | Q(received_at__gte=now - timedelta(days=days)))
        .exclude(status="duplicate")
        .exclude(sealed__isnull=False)
    )
    if kind:
        qs = qs.filter(kind=kind)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    fields = ("pk", "number", "title", "description", "status", "kind", "category_id", "received_at")
    candidates = list(qs.order_by("-received_at").values(*fields)[:200])
    if not candidates:
        return []
    text = f"{title}\n{description}"
    new_sub = predicted_subcategory(text)
    found = []
    for c in candidates:
        old_text = f"{c['title']}\n{c['description']}"
        # A case not yet classified is compared by what the model predicts for it.
        old_sub = c["category_id"] or predicted_subcategory(old_text)
        s = signals(
            text,
            new_sub,
            old_text,
            old_sub,
            (now - c["received_at"]).total_seconds() / 86400,
        )
        score = s.score(days)
        if score >= WARN:
            found.append(
                {
                    "number": c["number"],
                    "title": c["title"],
                    "status": c["status"],
                    "status_label": kinds.status_label(c["kind"], c["status"]),
                    "received_at": c["received_at"],
                    "score": round(score, 3),
                }
            )
    found.sort(key=lambda f: -f["score"])
    return found[:5]
