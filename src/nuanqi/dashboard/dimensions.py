"""KPI dimensions the engine cannot know by itself: a case's company's commissioner and town.

The dashboard sits above both the engine and the enterprise module, so it teaches `cases.kpis` to group by
them with correlated subqueries (still one aggregate query per figure)."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Case as When_
from django.db.models import IntegerField, OuterRef, Subquery, When
from django.utils.translation import gettext_noop


def _commissioner_expr() -> Any:
    from nuanqi.enterprise.models import Assignment

    current = Assignment.objects.filter(company_id=OuterRef("subject_id"), ended_on__isnull=True).values(
        "commissioner__user_id"
    )[:1]
    return When_(
        When(subject_type="company", then=Subquery(current, output_field=IntegerField())),
        default=None,
        output_field=IntegerField(),
    )


def _town_expr() -> Any:
    from nuanqi.enterprise.models import Company

    town = Company.objects.filter(pk=OuterRef("subject_id")).values("town_id")[:1]
    return When_(
        When(subject_type="company", then=Subquery(town, output_field=IntegerField())),
        default=None,
        output_field=IntegerField(),
    )


def _company_facts(case: Any, memo: dict[str, Any]) -> tuple[Any, Any]:
    """(town, current commissioner's user id) of a case's company: one query for both dimensions."""
    if "company" not in memo:
        memo["company"] = (None, None)
        if case.subject_type == "company" and case.subject_id is not None:
            with connection.cursor() as cur:
                cur.execute(_facts_sql(), [case.subject_id])
                row = cur.fetchone()
            if row is not None:
                memo["company"] = (row[0], row[1])
    return memo["company"]


@cache
def _facts_sql() -> str:
    """The company's town and its current commissioner's user id (the newest open assignment, as
    `_commissioner_expr` orders them): text built once per process, each write pays no ORM compile."""
    from nuanqi.enterprise.models import Assignment, Commissioner, Company

    a, m, c = (t._meta.db_table for t in (Assignment, Commissioner, Company))
    return (
        f"SELECT c.town_id, (SELECT m.user_id FROM {a} a INNER JOIN {m} m ON a.commissioner_id = m.id"
        " WHERE a.company_id = c.id AND a.ended_on IS NULL ORDER BY a.started_on DESC, a.id DESC LIMIT 1)"
        f" FROM {c} c WHERE c.id = %s"
    )


def _people(ids: list[Any]) -> dict[Any, str]:
    from nuanqi.accounts.models import User

    return {u.pk: str(u) for u in User.objects.filter(pk__in=[i for i in ids if i is not None])}


def _units(ids: list[Any]) -> dict[Any, str]:
    from nuanqi.accounts.models import Unit

    return {u.pk: u.label for u in Unit.objects.filter(pk__in=[i for i in ids if i is not None])}


def register() -> None:
    from nuanqi.cases.kpis import Dimension, register_dimension

    # In the roll-up a case's figures go to the commissioner serving its company when the case last
    # changed (docs/kpis.md); `nuanqi kpis rebuild` re-attributes them to today's assignments.
    register_dimension(
        Dimension(
            "commissioner",
            gettext_noop("暖企专员"),
            _commissioner_expr,
            _people,
            "commissioner",
            lambda c, m: _company_facts(c, m)[1],
        )
    )
    register_dimension(
        Dimension(
            "town", gettext_noop("镇街"), _town_expr, _units, "town", lambda c, m: _company_facts(c, m)[0]
        )
    )


def register_filters() -> None:
    """/cases/?town=…&commissioner=… — the lists behind the town and commissioner figures."""
    from django.db.models import Q

    from nuanqi.cases.queries import register_filter
    from nuanqi.enterprise.models import Assignment, Company

    def town(value: str) -> Q:
        ids = Company.objects.filter(town_id=int(value) if value.isdigit() else -1).values("pk")
        return Q(subject_type="company", subject_id__in=ids)

    def commissioner(value: str) -> Q:
        ids = Assignment.objects.filter(
            commissioner__user_id=int(value) if value.isdigit() else -1, ended_on__isnull=True
        ).values("company_id")
        return Q(subject_type="company", subject_id__in=ids)

    register_filter("to_sign", lambda v: to_sign_q(int(v)) if v.isdigit() else Q(pk__in=[]))
    register_filter("town", town)
    register_filter("commissioner", commissioner)
    # The office's triage queues: returned by a unit and waiting to be re-dispatched; extensions waiting.
    register_filter(
        "returned",
        lambda v: Q(return_count__gt=0, status__in=_office_turn_after_filing()) if v == "1" else Q(),
    )
    register_filter("extension", lambda v: Q(extension_pending__isnull=False) if v == "pending" else Q())


def to_sign_q(unit_id: int) -> Any:
    """What waits for a unit's 签收: cases dispatched to it as lead unit, and co-handling tasks of open cases
    (协办) still pending for it."""
    from django.db.models import Q

    from nuanqi.cases import kinds
    from nuanqi.cases.models import Task, TaskStatus

    lead_turn = kinds.statuses(kinds.OPEN, turn=kinds.TURN_LEAD_UNIT)
    to_sign = [s for s in kinds.sources_of("sign") if s in lead_turn]
    tasks = Task.objects.filter(unit_id=unit_id, status=TaskStatus.PENDING).values("case_id")
    return Q(lead_unit_id=unit_id, status__in=to_sign) | Q(
        pk__in=tasks, status__in=kinds.statuses(kinds.OPEN)
    )


def _office_turn_after_filing() -> list[str]:
    """Statuses back in the office's hands after filing (a returned case waits there to be re-dispatched)."""
    from nuanqi.cases import kinds

    filed = kinds.initial_statuses()
    return [s for s in kinds.statuses(kinds.OPEN, turn=kinds.TURN_OFFICE) if s not in filed]
