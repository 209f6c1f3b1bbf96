"""Full-text search over cases: SQLite FTS5 or a PostgreSQL tsvector (GIN), both fed with Chinese bigrams.

The table `cases_search` (created by migration 0003, different per database) holds, per case, the terms of
its title, description and subject (`lib.textseg.index_terms`). A word of two or more characters is looked
up as the phrase of its bigrams, so search finds exactly the cases in which the word occurs — the same rows
as `LIKE '%word%'` on those three fields, through an index. A one-character query falls back to that scan.

Written when a case is created (`services.create_case` calls `index_case`); title, description and subject
never change afterwards.

A page wants the newest matches, not all of them. SQLite's FTS5 walks its doclist in rowid order and stops.
On PostgreSQL a GIN index returns every match as a bitmap, whose heap rows must then be fetched (for the id)
and rechecked: cheap for a rare word, hundreds of milliseconds for one in a twentieth of a million cases. So
`_PgMatches` reads the ids below the cursor in windows, newest first, each window an id range read completely
or up to the wanted number of matches, so the result is every match below the cursor whichever way a window
was read (tests compare them with `LIKE`):

- the first window holds 40 ids per wanted match; each later one is sized by the density seen so far, but is
  at most four times the one before (a burst of other cases at the top must not size a window over the
  whole table), and the last one reaches down to the lowest id;
- a window of at most 8,192 ids is scanned in id order, each row tested by `ts_match_vq`;
- a wider one is a band of the GIN index: `terms @@ <rarest lexeme> AND case_id >= lo AND case_id < hi`,
  the whole query tested by `ts_match_vq`. The rarest lexeme (by `pg_stats`) alone is the index condition so
  that the planner's estimate is right and it ANDs the bitmap with the id range (or walks the range when
  the lexeme is dense), fetching the band's heap rows only.
"""

from __future__ import annotations

import math
import time
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
# PostgreSQL: the first id window read when nothing is known about the word yet holds this many ids per wanted
# match (a word in at least 1 case of 40 fills it), and at most _FIRST_SPAN_MAX ids. Each later window holds
# _SPAN_MARGIN times the ids the density seen so far predicts for the matches still wanted, but at most
# _SPAN_GROWTH times the previous window: a run of cases without the word (a burst of one kind of case at the
# top) makes the density seen too low, and a window sized by it alone would read thousands of matches.
_FIRST_SPAN_PER_MATCH = 40
_FIRST_SPAN_MAX = 50_000
_SPAN_MARGIN = 2
_SPAN_GROWTH = 4
# A window of at most this many ids is scanned row by row in id order (1–4 µs a row at 300,000 cases, 8–33 ms
# for the widest); a wider one is read as a band of the GIN index: its lexeme's whole posting list (0.3–0.5 µs
# an entry, 10 ms for 消防's 18,577 at 300,000 cases) plus about 10 µs per match inside the band (its heap row
# and the recheck). EXPLAIN ANALYZE, 2026-11-30.
_SCAN_SPAN_MAX = 8192
# The lexeme frequencies of the table's statistics, read once per this many seconds by each process.
_STATS_TTL = 600.0


def _text(title: str, description: str, subject: str) -> str:
    return f"{title} {description} {subject}"


def index_row(
    case_id: int, title: str, description: str, subject: str, vendor: str | None = None
) -> tuple[int, str]:
    """The stored form of one case's text for this database (or for `vendor`'s, "sqlite" | "postgresql",
    when the caller knows it: a bulk writer's worker process)."""
    terms = textseg.index_terms(_text(title, description, subject))
    if (vendor or connection.vendor) == "postgresql":
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
# The banded index read: the matches of one window only. The index condition is the query's rarest lexeme
# alone, so that the planner's estimate is the one the table's statistics hold for it: for a phrase or several
# words it multiplies its lexemes' frequencies, believes the query rare (光伏并网: 1 row of 300,000, against
# 2,097), reads the GIN bitmap alone and filters on the ids after fetching every match's heap row. With a
# right estimate it ANDs the bitmap with the id index's range (or walks the range when the lexeme is dense),
# and the heap rows read are the band's. The whole query is then tested by the function on those rows.
_PG_BAND = (
    f"SELECT case_id FROM {TABLE} WHERE terms @@ %s::tsquery AND case_id >= %s AND case_id < %s "
    "AND ts_match_vq(terms, %s::tsquery) ORDER BY case_id DESC LIMIT %s"
)
_PG_STATS = (
    "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
    "WHERE schemaname = current_schema() AND tablename = %s AND attname = 'terms'"
)

Plan = Literal["auto", "scan", "band"]

_stats: tuple[float, str, dict[str, float]] | None = None  # (read at, schema, frequency of each lexeme)


def _lexeme_frequencies(cur: Any) -> dict[str, float]:
    """The share of rows holding each of the most common lexemes, {lexeme: 0–1} (ANALYZE's sample, as the
    planner sees it in `pg_stats.most_common_elems`), cached for `_STATS_TTL` seconds per schema."""
    global _stats
    cur.execute("SELECT current_schema()")
    schema = cur.fetchone()[0]
    now = time.monotonic()
    if _stats is None or _stats[1] != schema or now - _stats[0] > _STATS_TTL:
        cur.execute(_PG_STATS, [TABLE])
        row = cur.fetchone()
        # The frequencies end with three more numbers (lowest, highest, null share): zip drops them.
        freqs = dict(zip(row[0], row[1], strict=False)) if row and row[0] else {}
        _stats = (now, schema, freqs)
    return _stats[2]


class _PgMatches:
    """Matching case ids of one query on PostgreSQL, newest first, read in id windows below a moving cursor.

    Each window is an id range read completely or up to the matches still wanted, so the result is every
    match below the cursor whichever way a window was read. A window of at most `_SCAN_SPAN_MAX` ids is
    scanned in id order (`_PG_SCAN`), a wider one read as a band of the GIN index (`_PG_BAND`); `plan="scan"`
    or `"band"` reads every window one way (tests, measurements). Window sizes: see `_FIRST_SPAN_PER_MATCH`.
    When the ids left below a window are fewer than the window's, it reaches down to the lowest id. `steps`
    records what ran: (kind, lo, hi, found); lo and hi are None for a first window over the newest ids that
    found every match wanted (the table's bounds are then not read).
    """

    def __init__(self, phrases: list[list[str]], plan: Plan = "auto") -> None:
        self.tsquery = textseg.tsquery_literal(phrases)
        self.lexemes = sorted({t for p in phrases for t in p})
        self.plan = plan
        self.ids_read = 0  # ids covered by the windows read completely or up to their last match
        self.matched = 0  # matches found in them
        self.span = 0  # the last window's width
        self.steps: list[tuple[Any, ...]] = []
        self.floor: int | None = None  # the lowest indexed id, once read
        self.top = 0  # then: above the highest
        self.rarest: str | None = None

    def _bounds(self, cur: Any) -> None:
        cur.execute(f"SELECT min(case_id), max(case_id) FROM {TABLE}")
        low, top = cur.fetchone()
        self.floor, self.top = (low, top + 1) if low is not None else (0, 0)

    def _next_span(self, need: int) -> int:
        if not self.ids_read:
            return min(need * _FIRST_SPAN_PER_MATCH, _FIRST_SPAN_MAX)
        density = max(self.matched, 0.5) / self.ids_read
        return max(1, min(math.ceil(_SPAN_MARGIN * need / density), _SPAN_GROWTH * self.span))

    def _band(self, cur: Any, lo: int, hi: int, need: int) -> list[int]:
        if self.rarest is None:
            freqs = _lexeme_frequencies(cur)
            # A lexeme missing from the statistics is rarer than every one listed.
            self.rarest = f"'{min(self.lexemes, key=lambda t: freqs.get(t, 0.0))}'"
        cur.execute(_PG_BAND, [self.rarest, lo, hi, self.tsquery, need])
        return [r[0] for r in cur.fetchall()]

    def below(self, hi: int | None, want: int) -> list[int]:
        """Up to `want` matching ids below `hi` (None: all), newest first (fewer only when no more exist).

        A word found `want` times in the first window costs one query; the bounds of the table are read
        only when a window falls short or the first window is a band.
        """
        out: list[int] = []
        with connection.cursor() as cur:
            while len(out) < want:
                need = want - len(out)
                span = self._next_span(need)
                scan = self.plan == "scan" or (self.plan == "auto" and span <= _SCAN_SPAN_MAX)
                if hi is None and scan:
                    cur.execute(_PG_SCAN_NEWEST, [span, self.tsquery, need])
                    ids = [r[0] for r in cur.fetchall()]
                    out += ids
                    self.span = span
                    if len(ids) == need:  # stopped inside the window, at the last id returned
                        self.steps.append(("scan", None, None, len(ids)))
                        self.ids_read += ids[0] + 1 - ids[-1]  # from the newest match: the top is unread
                        self.matched += len(ids)
                        break
                    self._bounds(cur)
                    assert self.floor is not None
                    lo = max(self.top - span, self.floor)
                    self.steps.append(("scan", lo, self.top, len(ids)))
                    self.ids_read += self.top - lo
                    self.matched += len(ids)
                    hi = lo
                else:
                    if self.floor is None:
                        self._bounds(cur)
                        assert self.floor is not None
                    top = hi if hi is not None else self.top
                    lo = max(top - span, self.floor)
                    if lo - self.floor < span:  # a sliver would be left below: read it with this window
                        lo = self.floor
                    if lo >= top:
                        break
                    scan = self.plan == "scan" or (self.plan == "auto" and top - lo <= _SCAN_SPAN_MAX)
                    if scan:
                        cur.execute(_PG_SCAN, [lo, top, self.tsquery, need])
                        ids = [r[0] for r in cur.fetchall()]
                    else:
                        ids = self._band(cur, lo, top, need)
                    out += ids
                    self.span = top - lo
                    if len(ids) == need:
                        self.steps.append(("scan" if scan else "band", lo, top, len(ids)))
                        self.ids_read += top - ids[-1]
                        self.matched += len(ids)
                        break
                    self.steps.append(("scan" if scan else "band", lo, top, len(ids)))
                    self.ids_read += top - lo
                    self.matched += len(ids)
                    hi = lo
                if hi <= self.floor:
                    break
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
        return _PgMatches(phrases, plan).below(below, limit or 2**62)
    sql, param = _match_sql(phrases)
    with connection.cursor() as cur:
        cur.execute(sql, [param, below if below is not None else 2**62, limit or 2**62])
        return [r[0] for r in cur.fetchall()]


def _candidates(query: str) -> Callable[[int | None, int], list[int]]:
    """A reader of matching ids: (below, want) → up to `want` ids below the cursor, newest first."""
    phrases = _phrases(query)
    if connection.vendor == "postgresql":
        return _PgMatches(phrases).below
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
