"""Full-text search over cases: SQLite FTS5 or a PostgreSQL tsvector (GIN), both fed with Chinese bigrams.

The table `cases_search` (created by migration 0003, different per database) holds, per case, the terms of
its title, description and subject (`lib.textseg.index_terms`). A word of two or more characters is looked
up as the phrase of its bigrams, so search finds exactly the cases in which the word occurs — the same rows
as `LIKE '%word%'` on those three fields, through an index. A one-character query falls back to that scan.

Written when a case is created (`services.create_case` calls `index_case`); title, description and subject
never change afterwards.

A page wants the newest matches, not all of them. SQLite's FTS5 walks its doclist in rowid order and stops.
On PostgreSQL a GIN index returns every match as a bitmap, and a phrase (`<->`) must then be rechecked against
each candidate's tsvector: cheap for a rare word, hundreds of milliseconds for one in a tenth of the cases. So
`_PgMatches` reads the newest rows in id order and tests each one while matches are dense (a window of ids
at a time, so a rare word cannot make it walk the whole table), and hands the rest of the range to the GIN
index once the windows read so far say that matches are sparse. Each window is an id range read completely or
up to the wanted number of matches, and the index reads what lies below the last window: the result is every
match below the cursor, newest first, whichever plan ran (tests compare both with `LIKE`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal

from django.db import connection
from django.db.models import Q, QuerySet

from nuanqi.lib import textseg

from .models import Case
from .visibility import visible_cases

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

TABLE = "cases_search"
# Candidates are read newest first in rounds and checked against visibility: the first round asks for one page
# (what a person who sees everything needs), each further round for four times more, and a page stops after
# _BUDGET candidates with a cursor to continue from.
_GROWTH = 4
_BUDGET = 5000
# PostgreSQL: the first id window read in order when nothing is known about the word yet holds this many ids
# per wanted match (a word in at least 1 case of 40 fills it), and at most _FIRST_SPAN_MAX ids; later windows
# follow the density seen.
_FIRST_SPAN_PER_MATCH = 40
_FIRST_SPAN_MAX = 50_000
# Later windows hold this many times the ids the density seen predicts for the matches still wanted.
_SPAN_MARGIN = 2
# A match read through the GIN bitmap costs about this many rows of the ordered scan (300,000 cases, the 20
# words of the bench: 6–20 µs a match, with the recheck and the sort, against 1–4 µs a scanned row).
_INDEX_ROW_COST = 4


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
    """SQLite: SQL selecting matching case ids newest first below a cursor, and the query parameter."""
    return (
        f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s AND rowid < %s ORDER BY rowid DESC LIMIT %s",
        textseg.fts5_query(phrases),
    )


# The ordered read: the id index backwards over one window, each row's tsvector tested by the function (not
# the `@@` operator, which the planner could answer from the GIN index with a recheck of every match).
_PG_SCAN = (
    f"SELECT case_id FROM {TABLE} WHERE case_id >= %s AND case_id < %s AND ts_match_vq(terms, %s::tsquery) "
    "ORDER BY case_id DESC LIMIT %s"
)
# The same over the newest ids (the first window of a search without a cursor).
_PG_SCAN_NEWEST = (
    f"SELECT case_id FROM {TABLE} WHERE case_id > (SELECT max(case_id) FROM {TABLE}) - %s "
    "AND ts_match_vq(terms, %s::tsquery) ORDER BY case_id DESC LIMIT %s"
)
# The index read: every match from the GIN bitmap (the CTE keeps the planner from walking the id index
# instead), then the newest below the cursor.
_PG_INDEX = (
    f"WITH m AS MATERIALIZED (SELECT case_id FROM {TABLE} WHERE terms @@ %s::tsquery) "
    "SELECT case_id FROM m WHERE case_id < %s ORDER BY case_id DESC LIMIT %s"
)

Plan = Literal["auto", "scan", "index"]


class _PgMatches:
    """Matching case ids of one tsquery on PostgreSQL, newest first, read in pieces below a moving cursor.

    `plan="auto"` scans id windows in order while matches are dense and switches to the GIN index when the
    rows read so far predict that the index costs less than the scan would for the rest (about
    `need / density` rows scanned against `density × ids below` matches fetched from the index, each worth
    `_INDEX_ROW_COST` rows); "scan" and "index" force one plan (tests, measurements). `steps` records what
    ran: ("scan", lo, hi, found) or ("index", hi, found).
    """

    def __init__(self, tsquery: str, plan: Plan = "auto") -> None:
        self.tsquery = tsquery
        self.plan = plan
        self.use_index = plan == "index"
        self.ids_read = 0  # ids covered by the scanned windows
        self.matched = 0  # matches found in them
        self.steps: list[tuple[Any, ...]] = []
        self.floor: int | None = None  # the lowest indexed id, once read
        self.top = 0  # then: above the highest

    def _density(self) -> float | None:
        if not self.ids_read:
            return None
        return max(self.matched, 0.5) / self.ids_read

    def _bounds(self, cur: Any) -> None:
        cur.execute(f"SELECT min(case_id), max(case_id) FROM {TABLE}")
        low, top = cur.fetchone()
        self.floor, self.top = (low, top + 1) if low is not None else (0, 0)

    def below(self, hi: int | None, want: int) -> list[int]:
        """Up to `want` matching ids below `hi` (None: all), newest first (fewer only when no more exist).

        A word found `want` times in the first window costs one query; the bounds of the table are read
        only when a window falls short.
        """
        out: list[int] = []
        with connection.cursor() as cur:
            while len(out) < want:
                need = want - len(out)
                if self.use_index:
                    top = hi if hi is not None else 2**62
                    cur.execute(_PG_INDEX, [self.tsquery, top, need])
                    ids = [r[0] for r in cur.fetchall()]
                    self.steps.append(("index", top, len(ids)))
                    return out + ids
                density = self._density()
                if density is None:
                    span = min(need * _FIRST_SPAN_PER_MATCH, _FIRST_SPAN_MAX)
                else:
                    span = math.ceil(_SPAN_MARGIN * need / density)
                if hi is None:
                    cur.execute(_PG_SCAN_NEWEST, [span, self.tsquery, need])
                else:
                    cur.execute(_PG_SCAN, [hi - span, hi, self.tsquery, need])
                ids = [r[0] for r in cur.fetchall()]
                out += ids
                if len(ids) == need:  # stopped inside the window, at the last id returned
                    self.steps.append(("scan", None if hi is None else hi - span, hi, len(ids)))
                    self.ids_read += (hi if hi is not None else ids[0] + 1) - ids[-1]
                    self.matched += len(ids)
                    break
                if self.floor is None:
                    self._bounds(cur)
                    assert self.floor is not None
                top = hi if hi is not None else self.top
                lo = max(top - span, self.floor)
                self.steps.append(("scan", lo, top, len(ids)))
                self.ids_read += top - lo
                self.matched += len(ids)
                hi = lo
                if hi <= self.floor:
                    break
                if self.plan == "auto":
                    density = self._density()
                    assert density is not None
                    # Rows the scan would still read against matches the index would fetch (ids ≈ rows).
                    scan_rows = (want - len(out)) / density
                    self.use_index = scan_rows > _INDEX_ROW_COST * density * (hi - self.floor)
        return out


def like_q(query: str) -> Q:
    """The plain substring scan the index must agree with: every whitespace-separated part, anywhere."""
    q = Q()
    for part in query.split():
        q &= Q(title__contains=part) | Q(description__contains=part) | Q(subject_label__contains=part)
    return q


def _phrases(query: str) -> list[list[str]]:
    return [p for p in textseg.query_phrases(query) if len(p) > 1 or len(p[0]) > 1]


def matching_ids(
    query: str, *, below: int | None = None, limit: int | None = None, plan: Plan = "auto"
) -> list[int]:
    """Ids of all cases whose text matches, newest first (no visibility: for measuring recall).

    `plan` chooses how PostgreSQL reads them (see `_PgMatches`); SQLite always asks FTS5.
    """
    phrases = _phrases(query)
    if not phrases:
        return list(Case.objects.filter(like_q(query)).order_by("-id").values_list("id", flat=True)[:limit])
    if connection.vendor == "postgresql":
        return _PgMatches(textseg.tsquery_literal(phrases), plan).below(below, limit or 2**62)
    sql, param = _match_sql(phrases)
    with connection.cursor() as cur:
        cur.execute(sql, [param, below if below is not None else 2**62, limit or 2**62])
        return [r[0] for r in cur.fetchall()]


def _candidates(query: str) -> Callable[[int | None, int], list[int]]:
    """A reader of matching ids: (below, want) → up to `want` ids below the cursor, newest first."""
    phrases = _phrases(query)
    if connection.vendor == "postgresql":
        matches = _PgMatches(textseg.tsquery_literal(phrases))
        return matches.below
    return lambda below, want: matching_ids(query, below=below, limit=want)


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
        read = _candidates(query)
        want, budget = limit + 1, _BUDGET
        while budget > 0:
            want = min(want, budget)
            ids = read(cursor, want)
            budget -= len(ids)
            if not ids:
                cursor = None
                break
            chunk = visible.filter(pk__in=ids)
            for part in extra:
                chunk = chunk.filter(like_q(part))
            found.extend(_columns(chunk).order_by("-pk")[: limit + 1 - len(found)])
            cursor = ids[-1] if len(ids) == want else None
            if len(found) > limit or cursor is None:
                break
            want *= _GROWTH
        if len(found) <= limit:
            # The index ran out, or this page read its share of candidates: continue from there.
            return found, (str(cursor) if cursor is not None else None)
    more = len(found) > limit
    found = found[:limit]
    return found, (str(found[-1].pk) if more and found else None)


def _columns(qs: QuerySet[Case]) -> QuerySet[Case]:
    from .queries import with_list_columns

    return with_list_columns(qs)
