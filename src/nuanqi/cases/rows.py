"""A list row, read once and written twice: as the API's `CaseOut` item and as a page's `<li>`.

A row is first a *record*: a plain dict of the case's list columns (`RECORD_FIELDS`, the names below), read
either from a Case fetched with `queries.with_list_columns` (`record_of`) or, for a page of ids, by one
statement whose SQL text is compiled once per process (`page_records`). `api_item` and `html_row` then
shape a record; neither touches the database.

The page statement exists because, on a 50-row page of 我的清单, compiling the ORM's statement and building
~250 model instances (case, unit, owner, category and its parent) cost more CPU than everything else the
request did; the rows it returns are the same columns `with_list_columns` defines (it is built from it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape  # what Django's escape() and autoescaping run, without the SafeString per value
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from nuanqi.lib.compiled import Converters

from . import kinds
from .models import Case, Channel
from .sla import sla_state

if TYPE_CHECKING:
    from django.db.models import Expression

# The record's keys: the `values_list` lookups of the page statement, renamed ("category__name" →
# "category_name"). "pk" is the case's id.
_LOOKUPS = (
    "pk",
    "number",
    "kind",
    "title",
    "status",
    "priority",
    "importance",
    "urgency",
    "nature",
    "channel",
    "category_id",
    "category__name",
    "category__parent_id",
    "category__parent__name",
    "lead_unit_id",
    "lead_unit__name",
    "lead_unit__short_name",
    "owner_id",
    "owner__display_name",
    "owner__username",
    "subject_type",
    "subject_id",
    "subject_label",
    "received_at",
    "sign_due",
    "contact_due",
    "resolve_due",
    "warn_at",
    "supervised",
    "version",
    "tasks_done",
    "tasks_total",
)
RECORD_FIELDS = tuple(name.replace("__", "_") for name in _LOOKUPS)

# Labels by code, translated when shaped: Django's get_FOO_display() rebuilds a dict of every choice on each
# call, which was a quarter of a 50-row list's time.
CHANNEL_LABELS: dict[str, Any] = dict(Channel.choices)


def record_of(c: Case) -> dict[str, Any]:
    """The record of a Case read with `with_list_columns` (its unit, owner and category already joined;
    tasks_done/tasks_total 0 when not annotated)."""
    cat, unit, owner = c.category, c.lead_unit, c.owner
    parent = cat.parent if cat is not None and cat.parent_id else None
    return {
        "pk": c.pk,
        "number": c.number,
        "kind": c.kind,
        "title": c.title,
        "status": c.status,
        "priority": c.priority,
        "importance": c.importance,
        "urgency": c.urgency,
        "nature": c.nature,
        "channel": c.channel,
        "category_id": c.category_id,
        "category_name": cat.name if cat is not None else None,
        "category_parent_id": cat.parent_id if cat is not None else None,
        "category_parent_name": parent.name if parent is not None else None,
        "lead_unit_id": c.lead_unit_id,
        "lead_unit_name": unit.name if unit is not None else None,
        "lead_unit_short_name": unit.short_name if unit is not None else None,
        "owner_id": c.owner_id,
        "owner_display_name": owner.display_name if owner is not None else None,
        "owner_username": owner.username if owner is not None else None,
        "subject_type": c.subject_type,
        "subject_id": c.subject_id,
        "subject_label": c.subject_label,
        "received_at": c.received_at,
        "sign_due": c.sign_due,
        "contact_due": c.contact_due,
        "resolve_due": c.resolve_due,
        "warn_at": c.warn_at,
        "supervised": c.supervised,
        "version": c.version,
        "tasks_done": getattr(c, "tasks_done", 0),
        "tasks_total": getattr(c, "tasks_total", 0),
    }


class _PageStatement:
    """The page statement for `size` ids, compiled once: its SQL text, its parameters with the id slots
    marked, and the selected expressions (for the database's value converters)."""

    def __init__(self, size: int) -> None:
        from .queries import with_list_columns

        # Marker ids no case has (negative), found again among the compiled parameters.
        markers = [-(2**40) - i for i in range(size)]
        qs = with_list_columns(Case.objects.filter(pk__in=markers)).order_by().values_list(*_LOOKUPS)
        compiler = qs.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        slot = {m: i for i, m in enumerate(markers)}
        self.sql: str = sql
        self.params: list[Any] = list(params)
        self.slots: list[tuple[int, int]] = [(pos, slot[p]) for pos, p in enumerate(params) if p in slot]
        if len(self.slots) != size:  # the ids must be parameters, each once: otherwise the text is wrong
            raise RuntimeError("the list's page statement does not take its ids as parameters")
        self.expressions: list[Expression] = [s[0] for s in compiler.select[: compiler.col_count]]
        self.converters = Converters(self.expressions)

    def run(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        params = list(self.params)
        for pos, i in self.slots:
            params[pos] = ids[i]
        converters = self.converters.get()
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        out = []
        for raw in rows:
            row = list(raw)
            for at, funcs, expr in converters:
                value = row[at]
                for f in funcs:
                    value = f(value, expr, connection)
                row[at] = value
            out.append(dict(zip(RECORD_FIELDS, row, strict=True)))
        return out


# (database vendor, size) → the compiled statement. Sizes are powers of two (a page is padded with its last
# id, which the IN list ignores), so a process compiles at most nine.
_STATEMENTS: dict[tuple[str, int], _PageStatement] = {}


def page_records(ids: Sequence[int]) -> list[dict[str, Any]]:
    """The records of these cases, in the order of `ids`: one statement, no model instance. The ids must
    come from a visibility function (`visibility.my_worklist` …): this reads whatever it is given."""
    if not ids:
        return []
    size = 1 << (len(ids) - 1).bit_length()
    key = (connection.vendor, size)
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = _STATEMENTS[key] = _PageStatement(size)
    padded = list(ids) + [ids[-1]] * (size - len(ids))
    by_id = {r["pk"]: r for r in statement.run(padded)}
    return [by_id[i] for i in ids if i in by_id]


class Labels:
    """The words of a list's kinds, statuses and channels and the statuses' phases, each looked up and
    translated once per list (a page of 50 rows has a handful of each; every lookup translates a lazy
    string). One instance serves one list in one language: make a new one per response."""

    def __init__(self) -> None:
        self._kinds: dict[str, str] = {}
        self._statuses: dict[tuple[str, str], tuple[str, str]] = {}
        self._channels: dict[str, str] = {}

    def kind(self, code: str) -> str:
        found = self._kinds.get(code)
        if found is None:
            found = self._kinds[code] = kinds.kind_label(code)
        return found

    def status(self, kind: str, status: str) -> tuple[str, str]:
        """(label, phase) of a status in its kind's words."""
        found = self._statuses.get((kind, status))
        if found is None:
            found = (kinds.status_label(kind, status), kinds.phase_of(kind, status))
            self._statuses[(kind, status)] = found
        return found

    def channel(self, code: str) -> str:
        found = self._channels.get(code)
        if found is None:
            found = self._channels[code] = str(CHANNEL_LABELS.get(code, code))
        return found


def api_item(r: dict[str, Any], labels: Labels | None = None) -> dict[str, Any]:
    """A record as the API's `CaseOut` writes it (the same keys, order and values; tests/api compare the
    bytes with the validated schema's). `labels`: shared by the rows of one response."""
    labels = labels or Labels()
    cat_name = r["category_name"]
    status_label, phase = labels.status(r["kind"], r["status"])
    return {
        "number": r["number"],
        "kind": r["kind"],
        "kind_label": labels.kind(r["kind"]),
        "title": r["title"],
        "status": r["status"],
        "status_label": status_label,
        "phase": phase,
        "priority": f"P{r['priority']}",
        "importance": r["importance"],
        "urgency": r["urgency"],
        "nature": r["nature"],
        "channel": r["channel"],
        "channel_label": labels.channel(r["channel"]),
        "category": cat_name,
        "category_top": (r["category_parent_name"] if r["category_parent_id"] else cat_name)
        if r["category_id"]
        else None,
        "lead_unit": {"id": r["lead_unit_id"], "name": r["lead_unit_name"]} if r["lead_unit_id"] else None,
        "owner": {"id": r["owner_id"], "name": r["owner_display_name"] or r["owner_username"]}
        if r["owner_id"]
        else None,
        "subject": {"type": r["subject_type"], "id": r["subject_id"], "label": r["subject_label"]}
        if r["subject_type"]
        else None,
        "received_at": r["received_at"],
        "sign_due": r["sign_due"],
        "contact_due": r["contact_due"],
        "resolve_due": r["resolve_due"],
        "sla": sla_state(r["status"], r["resolve_due"], r["warn_at"]),
        "supervised": r["supervised"],
        "tasks_done": r["tasks_done"],
        "tasks_total": r["tasks_total"],
        "version": r["version"],
    }


def json_time(value: datetime | None) -> str | None:
    """A datetime as the API's JSON encoder (Django's `DjangoJSONEncoder`) writes it: ISO 8601, to the
    millisecond, "Z" for UTC. tests/api hold the list's bytes to the encoder's."""
    if value is None:
        return None
    text = value.isoformat()
    if value.microsecond:
        text = text[:23] + text[26:]
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    return text


# What django.urls.reverse() leaves unquoted in an argument (RFC 3986 sub-delimiters and "/~:@").
_URL_SAFE = "!$&'()*+,;=/~:@"


def _due_text(due: datetime | None) -> str:
    # What the template's `|date:"Y-m-d H:i"` wrote: the deadline in the current time zone.
    return timezone.localtime(due).strftime("%Y-%m-%d %H:%M") if due is not None else ""


def _words() -> dict[str, str]:
    """The row's fixed words, translated and escaped once per list."""
    return {
        "red": escape(_("红牌·超期")),
        "yellow": escape(_("黄牌·临期")),
        "supervised": escape(_("督办")),
        "lead": escape(_("主办")),
        "tasks": escape(_("协办")),
        "due": escape(_("期限")),
    }


def _row_html(r: dict[str, Any], w: dict[str, str]) -> str:
    """One `<li>` of a case list, every value escaped. The markup (and its accessibility: the link's text is
    the row, the cards are words, not colours alone) is the one the per-row template had, byte for byte:
    tests/cases/test_list_rows.py holds it to the template it replaced."""
    sla = r["sla"]
    card = ""
    if sla == "red":
        card = f'<span class="card-red">{w["red"]}</span>'
    elif sla == "yellow":
        card = f'<span class="card-yellow">{w["yellow"]}</span>'
    supervised = f'<span class="tag danger">{w["supervised"]}</span>' if r["supervised"] else ""
    kind = f'<span class="kind">{escape(r["kind_label"])}</span>' if r["kind_label"] else ""
    cat = f"<span>{escape(r['category'])}</span>" if r["category"] else ""
    lead = f"<span>{w['lead']}：{escape(r['lead_unit'])}</span>" if r["lead_unit"] else ""
    tasks = (
        f'<span class="progress-text">{w["tasks"]} {r["tasks_done"]}/{r["tasks_total"]}</span>'
        if r["tasks_total"]
        else ""
    )
    due = f'<span class="due">{w["due"]} {r["due"]}</span>' if r["due"] else ""
    return (
        f'<li class="row sla-{sla or "ok"}">\n'
        f'  <a href="{escape(r["href"])}">\n'
        f'    <div class="line1"><span class="prio p{r["priority"]}">P{r["priority"]}</span>\n'
        f"      {card}\n"
        f"      {supervised}\n"
        f'      <strong class="title">{escape(r["title"])}</strong></div>\n'
        f'    <div class="line2"><span>{escape(r["number"])}</span>{kind}'
        f"<span>{escape(r['subject_label'])}</span>\n"
        f"      <span>{escape(r['status_label'])}</span>\n"
        f"      {cat}\n"
        f"      <span>{escape(r['channel_label'])}</span>\n"
        f"      {lead}\n"
        f"      {tasks}\n"
        f"      {due}\n"
        "    </div>\n"
        "  </a>\n"
        "</li>\n"
    )


def html_rows(records: Iterable[dict[str, Any]], *, kind: bool = False) -> list[dict[str, Any]]:
    """The rows `cases/_rows.html` writes, prepared here once: the link, the labels, the category path, the
    lead unit's short label, the co-handling progress and the deadline as text, and the row's `html`.
    `kind`: show the kind's label (the lists that mix kinds: 我的清单, 全部事项).

    The `<li>` is written here rather than by a template: Django's template engine spent ~110 µs a row on
    its two dozen variables and conditions, more than reading the page."""
    # One reverse() for the page, each number quoted into it as reverse() quotes an argument.
    marker = "0" * 8
    head, tail = reverse("case_detail", args=[marker]).rsplit(marker, 1)
    labels = Labels()
    words = _words()
    rows = []
    for r in records:
        number = r["number"]
        cat = ""
        if r["category_id"]:
            cat = (
                f"{r['category_parent_name']}/{r['category_name']}"
                if r["category_parent_id"]
                else r["category_name"]
            )
        row = {
            "href": head + quote(number, safe=_URL_SAFE) + tail,
            "number": number,
            "title": r["title"],
            "priority": r["priority"],
            "sla": sla_state(r["status"], r["resolve_due"], r["warn_at"]),
            "supervised": r["supervised"],
            "kind_label": labels.kind(r["kind"]) if kind else "",
            "subject_label": r["subject_label"],
            "status_label": labels.status(r["kind"], r["status"])[0],
            "category": cat,
            "channel_label": labels.channel(r["channel"]),
            "lead_unit": (r["lead_unit_short_name"] or r["lead_unit_name"]) if r["lead_unit_id"] else "",
            "tasks_done": r["tasks_done"],
            "tasks_total": r["tasks_total"],
            "due": _due_text(r["resolve_due"]),
        }
        row["html"] = mark_safe(_row_html(row, words))  # every value in it escaped by _row_html
        rows.append(row)
    return rows


def case_rows(cases: Iterable[Case], *, kind: bool = False) -> list[dict[str, Any]]:
    """`html_rows` of Cases read with `with_list_columns`; each row also keeps its `case`."""
    cases = list(cases)
    rows = html_rows((record_of(c) for c in cases), kind=kind)
    for row, c in zip(rows, cases, strict=True):
        row["case"] = c
    return rows
