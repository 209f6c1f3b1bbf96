"""The suggestion shown to the dispatcher: top-3 小项 (with its 大类) and lead units, scores and reasons.

From the model while it was trained on at least NUANQI_ROUTING_MIN_CASES closed cases, else from the
keyword rules; `basis` says which. The human decides: the form is pre-filled, never locked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from nuanqi.accounts.models import Unit
from nuanqi.cases.models import Category

from . import features, rules, scorer
from .retrain import model_path


@dataclass
class Suggestion:
    basis: str  # "model" | "rules"
    subcategory: list[dict[str, Any]] = field(default_factory=list)
    lead_unit: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "subcategory": self.subcategory,
            "lead_unit": self.lead_unit,
            "basis": self.basis,
            "note": self.note,
        }


def usable_model() -> scorer.Model | None:
    model = scorer.load(model_path())
    if model is None or int(model.meta.get("cases", 0)) < settings.NUANQI_ROUTING_MIN_CASES:
        return None
    return model


def rank(text: str, industry: str = "", town: str = "", k: int = 3) -> tuple[str, dict[str, list[Any]]]:
    """(basis, {"subcategory": [(id, score, reasons)…], "lead_unit": […]})."""
    model = usable_model()
    if model is None:
        return "rules", rules.suggest(text, k)
    vector = model.vector(features.terms(text, industry, town))
    if not vector:
        return "model", {"subcategory": [], "lead_unit": []}
    return "model", {target: model.rank(target, vector, k) for target in ("subcategory", "lead_unit")}


def suggest(title: str, description: str = "", *, industry: str = "", town: str = "") -> Suggestion:
    basis, ranked = rank(f"{title}\n{description}", industry, town)
    sub_ids = [r[0] for r in ranked["subcategory"]]
    unit_ids = [r[0] for r in ranked["lead_unit"]]
    cats = {c.pk: c for c in Category.objects.filter(pk__in=sub_ids, active=True).select_related("parent")}
    units = {u.pk: u for u in Unit.objects.filter(pk__in=unit_ids, active=True)}
    out = Suggestion(basis)
    model = usable_model() if basis == "model" else None
    trained = model.meta.get("names", {}) if model else {}

    def same(target: str, pk: int, name: str) -> bool:
        """The class still names what it named when the model was trained (a restored or other database)."""
        known = trained.get(target, {}).get(str(pk))
        return known is None or known == name

    for pk, score, reasons in ranked["subcategory"]:
        c = cats.get(pk)
        if c is not None and same("subcategory", pk, c.name):
            out.subcategory.append(
                {
                    "id": c.pk,
                    "name": c.name,
                    "category": c.parent.name if c.parent else "",
                    "score": round(score, 3),
                    "reasons": reasons,
                }
            )
    for pk, score, reasons in ranked["lead_unit"]:
        u = units.get(pk)
        if u is not None and same("lead_unit", pk, u.name):
            out.lead_unit.append({"id": u.pk, "name": u.name, "score": round(score, 3), "reasons": reasons})
    if basis == "rules":
        out.note = (
            f"已办结事项不足 {settings.NUANQI_ROUTING_MIN_CASES} 件，按权责清单关键词建议"
            if out.lead_unit or out.subcategory
            else "已办结事项不足，权责清单关键词也未匹配，请人工判断"
        )
    return out
