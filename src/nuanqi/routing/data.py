"""The closed cases the model learns from, read from the database (no scikit-learn here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from nuanqi.cases import kinds
from nuanqi.cases.models import Case

from . import features

KIND = "request"


@dataclass(frozen=True)
class Sample:
    received_at: datetime
    text: str
    industry: str
    town: str
    subcategory: int  # the final 小项's id
    category: int  # its 大类's id
    lead_unit: int  # the final lead unit's id (after any 退单/改派)

    def terms(self) -> list[str]:
        return features.terms(self.text, self.industry, self.town)


def learnable() -> QuerySet[Case]:
    """Closed (办结) requests with a 小项 and a lead unit — never the demo's generated ones."""
    return Case.objects.filter(
        kind=KIND,
        generated=False,
        status__in=kinds.get_kind(KIND).status_codes(resolved=True),
        category__parent__isnull=False,
        lead_unit__isnull=False,
    )


def count() -> int:
    return learnable().count()


def samples() -> list[Sample]:
    """Oldest first (the evaluation's folds are blocks of time)."""
    from nuanqi.enterprise.models import Company

    rows = list(
        learnable()
        .order_by("received_at", "pk")
        .values_list(
            "received_at",
            "title",
            "description",
            "subject_type",
            "subject_id",
            "category_id",
            "category__parent_id",
            "lead_unit_id",
        )
    )
    company_ids = {r[4] for r in rows if r[3] == "company" and r[4]}
    companies = {
        pk: (industry or "", town or "")
        for pk, industry, town in Company.objects.filter(pk__in=company_ids).values_list(
            "pk", "industry", "town__name"
        )
    }
    out = []
    for received, title, description, stype, sid, cat, parent, unit in rows:
        industry, town = companies.get(sid or 0, ("", "")) if stype == "company" else ("", "")
        # The queryset keeps only cases with a 小项 under a 大类 and a lead unit: none of these is None.
        out.append(Sample(received, f"{title}\n{description}", industry, town, cat, parent or 0, unit))
    return out
