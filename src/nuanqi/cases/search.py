"""Full-text search over cases: SQLite FTS5 or a PostgreSQL tsvector (GIN), both fed with Chinese bigrams.

The table `cases_search` (created by migration 0003, different per database) holds, per case, the terms of
its title, description and subject (`lib.textseg.index_terms`). A word of two or more characters is looked
up as the phrase of its bigrams, so search finds exactly the cases in which the word occurs — the same rows
as `LIKE '%word%'` on those three fields, through an index. A one-character query falls back to that scan.

Written when a case is created (`services.create_case` calls `index_case`); title, description and subject
never change afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Q, QuerySet

from nuanqi.lib import textseg

from .models import Case
from .visibility import visible_cases

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

TABLE = "cases_search"
# Candidates are read from the index newest first in chunks and checked against visibility.
_CHUNK = 200
_MAX_ROUNDS = 25


def _text(title: str, description: str, subject: str) -> str:
    return f"{title} {description} {subject}"


def index_row(case_id: int, title: str, description: str, subject: str) -> tuple[int, str]:
    """The stored form of one case's text for this database."""
    terms = textseg.index_terms(_text(title, description, subject))
    if connection.vendor == "postgresql":
        return case_id, textseg.tsvector_literal(terms)
    return case_id, terms


def write_index_rows(rows: Iterable[tuple[int, str]]) -> None:
    rows = list(rows)
    if not rows:
        return
    raw = connection.connection
    if connection.vendor == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {TABLE} (case_id, terms) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
    else:
        raw.executemany(f"INSERT INTO {TABLE} (rowid, terms) VALUES (?, ?)", rows)


def index_case(case: Case) -> None:
    """Index a newly created case (inside the creating transaction)."""
    case_id, terms = index_row(case.pk, case.title, case.description, case.subject_label)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                f"INSERT INTO {TABLE} (case_id, terms) VALUES (%s, %s::tsvector) "
                "ON CONFLICT (case_id) DO UPDATE SET terms = EXCLUDED.terms",
                [case_id, terms],
            )
        else:
            cur.execute(f"INSERT INTO {TABLE} (rowid, terms) VALUES (%s, %s)", [case_id, terms])


def _match_sql(phrases: list[list[str]]) -> tuple[str, str]:
    """SQL selecting matching case ids newest first below a cursor, and the query parameter."""
    if connection.vendor == "postgresql":
        return (
            f"SELECT case_id FROM {TABLE} WHERE terms @@ %s::tsquery AND case_id < %s "
            "ORDER BY case_id DESC LIMIT %s",
            textseg.tsquery_literal(phrases),
        )
    return (
        f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s AND rowid < %s ORDER BY rowid DESC LIMIT %s",
        textseg.fts5_query(phrases),
    )


def like_q(query: str) -> Q:
    """The plain substring scan the index must agree with: every whitespace-separated part, anywhere."""
    q = Q()
    for part in query.split():
        q &= Q(title__contains=part) | Q(description__contains=part) | Q(subject_label__contains=part)
    return q


def _phrases(query: str) -> list[list[str]]:
    return [p for p in textseg.query_phrases(query) if len(p) > 1 or len(p[0]) > 1]


def matching_ids(query: str, *, below: int | None = None, limit: int | None = None) -> list[int]:
    """Ids of all cases whose text matches, newest first (no visibility: for measuring recall)."""
    phrases = _phrases(query)
    if not phrases:
        return list(Case.objects.filter(like_q(query)).order_by("-id").values_list("id", flat=True)[:limit])
    sql, param = _match_sql(phrases)
    with connection.cursor() as cur:
        cur.execute(sql, [param, below if below is not None else 2**62, limit or 2**62])
        return [r[0] for r in cur.fetchall()]


def search(
    user: User, query: str, *, limit: int = 25, below: int | None = None
) -> tuple[list[Case], str | None]:
    """The newest `limit` visible cases matching the query, and the keyset cursor of the next page."""
    query = query.strip()
    if not query:
        return [], None
    visible = visible_cases(user)
    phrases = _phrases(query)
    extra = [p for p in query.split() if textseg.is_short(p)]
    found: list[Case] = []
    cursor = below
    if not phrases:
        qs = visible.filter(like_q(query))
        if cursor is not None:
            qs = qs.filter(pk__lt=cursor)
        found = list(_columns(qs).order_by("-pk")[: limit + 1])
    else:
        for _round in range(_MAX_ROUNDS):
            ids = matching_ids(query, below=cursor, limit=_CHUNK)
            if not ids:
                cursor = None
                break
            chunk = visible.filter(pk__in=ids)
            for part in extra:
                chunk = chunk.filter(like_q(part))
            found.extend(_columns(chunk).order_by("-pk")[: limit + 1 - len(found)])
            cursor = ids[-1] if len(ids) == _CHUNK else None
            if len(found) > limit or cursor is None:
                break
        if len(found) <= limit:
            # The index ran out, or this page scanned its share of candidates: continue from there.
            return found, (str(cursor) if cursor is not None else None)
    more = len(found) > limit
    found = found[:limit]
    return found, (str(found[-1].pk) if more and found else None)


def _columns(qs: QuerySet[Case]) -> QuerySet[Case]:
    from .queries import with_list_columns

    return with_list_columns(qs)
