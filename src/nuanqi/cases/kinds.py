"""The registry of case kinds: each regime's lifecycle, declared as data by the module that owns it.

A module registers a `KindSpec` from its `AppConfig.ready()`: its statuses (code, label, phase, and
whether the status counts as resolved or rated), its transition table, its number prefix, its SLA
defaults, its named clocks, and whether it is *sealed*. The engine then runs lists, 我的清单, sweeps,
KPIs, search, exports and the API from the spec alone; nothing in `cases` names a module's kind or status.

Phases (DESIGN.md rule 2):
- `open`   — somebody's work now: counts in 我的清单, can go overdue, is carded by the sweeps;
- `held`   — parked on purpose (挂账): on no one's list, the clock stopped;
- `closed` — finished, one way or another.

A status code means the same phase (and the same queue in 我的清单) in every kind that uses it, so lists
filter by `status IN (…)` on the existing indexes; `register_kind` refuses a spec that would break this.

A kind is unknown until registered: `get_kind` raises `UnknownKind` (HTTP 422), never falls back to another
kind's table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import Invalid

if TYPE_CHECKING:
    from .public import PublicIntake

OPEN = "open"
HELD = "held"
CLOSED = "closed"
PHASES = (OPEN, HELD, CLOSED)

# Whose queue an open status puts a case in (我的清单): the office's (受理/派单) or the lead unit's.
TURN_OFFICE = "office"
TURN_LEAD_UNIT = "lead_unit"
TURNS = ("", TURN_OFFICE, TURN_LEAD_UNIT)

# Units of a named clock's duration.
CLOCK_HOURS = "clock_hours"  # 7×24 hours
WORKING_HOURS = "working_hours"  # hours inside the working sessions of the calendar
WORKING_DAYS = "working_days"  # whole working days (调休 and closures included)
CLOCK_UNITS = (CLOCK_HOURS, WORKING_HOURS, WORKING_DAYS)

# The action name that starts a clock when the case is filed.
ON_CREATE = "create"
# The name under which a clock restarts when a 不满意 rating sends the case back (`KindSpec.unsatisfied_to`).
REOPEN = "reopen"


class UnknownKind(Invalid):
    code = "unknown_kind"


@dataclass(frozen=True)
class Transition:
    """One row of a kind's transition table: `action` moves a case from any of `sources` to `target`
    (None: the status stays) when the person has one of the relations in `who`; `required` fields must be
    given. `evidence` marks actions whose form takes files as evidence."""

    action: str
    label: Any  # a lazy translation: rendered in the reader's language
    sources: tuple[str, ...]
    target: str | None
    who: frozenset[str]
    required: tuple[str, ...] = ()
    style: str = ""
    fields: tuple[str, ...] = field(default=())  # optional inputs the form offers besides `required`
    evidence: bool = False

    def allows_from(self, status: str) -> bool:
        return status in self.sources


def transition(
    action: str,
    label: Any,
    sources: Iterable[str],
    target: str | None,
    who: Iterable[str],
    required: tuple[str, ...] = (),
    style: str = "",
    fields: tuple[str, ...] = (),
    evidence: bool = False,
) -> Transition:
    return Transition(
        action, label, tuple(sources), target, frozenset(who), required, style, fields, evidence
    )


@dataclass(frozen=True)
class StatusDef:
    """A status of a kind. `resolved`: reaching it stamps the case resolved (办结) for the KPIs; `rated`:
    the requester's rating has been given; `counted`: the case counts in KPIs at all (a merged duplicate
    does not). `turn`: whose queue an open status puts the case in (我的清单)."""

    code: str
    label: Any
    phase: str
    turn: str = ""
    resolved: bool = False
    rated: bool = False
    counted: bool = True


@dataclass(frozen=True)
class Clock:
    """A named deadline that runs beside the case's resolve deadline: started by one of `starts_on` (an
    action, or "create" for filing), stopped by one of `stops_on` or when the case closes. The yellow
    card starts `warn_before` before the deadline (in the clock's unit; default one working day for day
    clocks, a fifth of the duration for hour clocks), the red card when it is overdue — both raised by the
    worker's sweeps."""

    name: str
    label: Any
    starts_on: tuple[str, ...]
    stops_on: tuple[str, ...]
    duration: float
    unit: str = WORKING_DAYS
    warn_before: float | None = None
    # A clock that a closing action starts and that runs on after the case closed (a tip's reporter must be
    # told the result within 15 working days of 办结); only its own `stops_on` stops it.
    runs_closed: bool = False


@dataclass(frozen=True)
class KindSpec:
    code: str
    label: Any
    prefix: str  # of the human number: QY2023-000123
    statuses: tuple[StatusDef, ...]
    transitions: tuple[Transition, ...]
    initial: str
    # Resolve limits in working days by nature, and the default for any other nature (SLA policy rows win).
    sla_days: Mapping[str, int] = field(default_factory=dict)
    sla_default_days: int = 5
    clocks: tuple[Clock, ...] = ()
    # Sealed kinds (tips): title and content only as ciphertext supplied by the module; no search entry, no
    # values in events, a fixed notification text, absent from every generic list, export and KPI.
    sealed: bool = False
    sealed_label: Any = ""
    # What the case page calls the description (诉求内容, 问题描述).
    description_label: Any = "内容"
    # The subject type a case of this kind must name ("company"), or "" when none is required.
    subject_required: str = ""
    # The roles that may file this kind through the generic new-case form and API.
    filers: frozenset[str] = frozenset()
    # Offered on the generic new-case form (not a kind with a filing page of its own: the department task).
    generic_form: bool = True
    # A panel of the kind's own on the generic case page (a template included after the facts, and the
    # context it needs: `panel_context(user, case) -> dict`), instead of a copy of the case page.
    panel_template: str = ""
    panel_context: Callable[..., dict[str, Any]] | None = None
    # Open to people without an account (`cases.public`): the slug, the form, what the public sees.
    public: PublicIntake | None = None
    # Who hears of this kind's events, instead of the engine's audiences: `notify(event, case)` → user ids.
    # A sealed kind names its own readers (a tip's group); nobody else may even learn that it exists.
    notify: Callable[[Any, Any], Iterable[int]] | None = None
    # The URL name of a case's page, taking its number (a sealed kind's cases live on its module's pages).
    page: str = "case_detail"
    # Where a 不满意 rating (the `rate` action) sends the case back to (重办: a fresh resolve deadline, and
    # the kind's clocks that start on `REOPEN` start again); "" when a rating never reopens the case.
    unsatisfied_to: str = ""
    # The kinds a case of this kind may become (派生): a consultation item an enterprise request or a project
    # issue, filed through the spawn form and linked `spawned_from` its origin.
    spawns: tuple[str, ...] = ()
    # The relations that may spawn them (the kind's office).
    spawners: frozenset[str] = frozenset({"admin", "dispatcher"})

    @property
    def table(self) -> dict[str, Transition]:
        return _tables[self.code]

    def status(self, code: str) -> StatusDef | None:
        # Read for every row of every list (labels, phases): a dict built at registration, not a scan.
        return _by_code.get(self.code, {}).get(code)

    def status_codes(self, phase: str | None = None, **flags: Any) -> tuple[str, ...]:
        return tuple(
            s.code
            for s in self.statuses
            if (phase is None or s.phase == phase) and all(getattr(s, k) == v for k, v in flags.items())
        )


_kinds: dict[str, KindSpec] = {}
_tables: dict[str, dict[str, Transition]] = {}
_by_code: dict[str, dict[str, StatusDef]] = {}
# code → (phase, turn, label, resolved, rated, counted), shared by every kind that uses the code.
_status_index: dict[str, StatusDef] = {}
# Counts the registrations: a statement compiled from the registered kinds is stale once it moves.
_generation = 0


def generation() -> int:
    """How many times the registered kinds changed in this process (a cache key for compiled statements
    that name statuses: `visibility._worklist_ids`)."""
    return _generation


def _check(spec: KindSpec) -> None:
    codes = [s.code for s in spec.statuses]
    problems: list[str] = []
    if len(set(codes)) != len(codes):
        problems.append("duplicate status codes")
    if spec.initial not in codes:
        problems.append(f"initial status {spec.initial!r} is not one of its statuses")
    for s in spec.statuses:
        if s.phase not in PHASES:
            problems.append(f"status {s.code!r} has unknown phase {s.phase!r}")
        if s.turn not in TURNS:
            problems.append(f"status {s.code!r} has unknown turn {s.turn!r}")
        if len(s.code) > 20:
            problems.append(f"status code {s.code!r} is longer than 20 characters")
        other = _status_index.get(s.code)
        if other is not None and (other.phase, other.turn, other.counted) != (s.phase, s.turn, s.counted):
            problems.append(f"status {s.code!r} has another phase, turn or counting in another kind")
    for t in spec.transitions:
        for code in (*t.sources, *((t.target,) if t.target else ())):
            if code not in codes:
                problems.append(f"action {t.action!r} names unknown status {code!r}")
    if spec.unsatisfied_to and spec.unsatisfied_to not in codes:
        problems.append(f"unsatisfied_to names unknown status {spec.unsatisfied_to!r}")
    elif (
        spec.unsatisfied_to and next(s for s in spec.statuses if s.code == spec.unsatisfied_to).phase != OPEN
    ):
        problems.append(f"unsatisfied_to must be an open status, not {spec.unsatisfied_to!r}")
    for c in spec.clocks:
        if c.unit not in CLOCK_UNITS:
            problems.append(f"clock {c.name!r} has unknown unit {c.unit!r}")
        if c.duration <= 0:
            problems.append(f"clock {c.name!r} needs a positive duration")
    for other_spec in _kinds.values():
        if other_spec.code != spec.code and other_spec.prefix == spec.prefix:
            problems.append(f"number prefix {spec.prefix!r} is already used by kind {other_spec.code!r}")
    if not 1 <= len(spec.prefix) <= 4 or len(spec.code) > 20:
        problems.append("prefix must have 1–4 characters and the code at most 20")
    if problems:
        raise ValueError(f"kind {spec.code!r}: " + "; ".join(problems))


def register_kind(spec: KindSpec) -> KindSpec:
    """Declare a kind (from the owning module's `AppConfig.ready()`). Registering the same code again replaces
    it (tests, reloads). Raises ValueError when the spec is inconsistent."""
    global _generation
    _check(spec)
    _generation += 1
    _kinds[spec.code] = spec
    _tables[spec.code] = {t.action: t for t in spec.transitions}
    _by_code[spec.code] = {st.code: st for st in spec.statuses}
    for s in spec.statuses:
        _status_index.setdefault(s.code, s)
    return spec


def unregister_kind(code: str) -> None:
    """Remove a kind (tests). Its status codes stay known while another kind uses them."""
    global _generation
    _generation += 1
    _kinds.pop(code, None)
    _tables.pop(code, None)
    _by_code.pop(code, None)
    used = {s.code for k in _kinds.values() for s in k.statuses}
    for c in list(_status_index):
        if c not in used:
            del _status_index[c]


def get_kind(code: str) -> KindSpec:
    """The registered kind, or UnknownKind — never another kind's table."""
    try:
        return _kinds[code]
    except KeyError:
        raise UnknownKind(f"未知的事项类别：{code}", field="kind") from None


def all_kinds() -> list[KindSpec]:
    return list(_kinds.values())


def parse_kind(value: Any, *, field: str = "kind") -> KindSpec:
    """A kind from its code or its label in any language (what forms, imports and the API accept)."""
    text = str(value or "").strip()
    if text in _kinds:
        return _kinds[text]
    for spec in _kinds.values():
        if text and text == str(spec.label):
            return spec
    choices = "、".join(str(k.label) for k in _kinds.values() if not k.sealed)
    raise UnknownKind(f"类别“{text}”无效，可选：{choices}", field=field)


def kind_choices() -> list[tuple[str, Any]]:
    """Choices for model fields and forms (a callable, so kinds registered later appear)."""
    return [(k.code, k.label) for k in _kinds.values()]


def status_choices() -> list[tuple[str, Any]]:
    return [(s.code, s.label) for s in _status_index.values()]


def kind_label(code: str) -> str:
    spec = _kinds.get(code)
    return str(spec.label) if spec else code


def status_label(kind: str, status: str) -> str:
    spec = _kinds.get(kind)
    s = spec.status(status) if spec else _status_index.get(status)
    return str(s.label) if s else status


def phase_of(kind: str, status: str) -> str:
    spec = _kinds.get(kind)
    s = spec.status(status) if spec else _status_index.get(status)
    return s.phase if s else CLOSED


# (registrations, phase, flags) → status codes: `statuses` is called per case by the KPI roll-up.
_statuses_memo: dict[tuple[Any, ...], tuple[str, ...]] = {}


def statuses(phase: str | None = None, **flags: Any) -> tuple[str, ...]:
    """Status codes of every kind in `phase` (and with the given flags, e.g. turn="office", counted=False):
    what lists, sweeps and KPIs filter on. Memoised until the registered kinds change (`generation`)."""
    key = (_generation, phase, *sorted(flags.items()))
    codes = _statuses_memo.get(key)
    if codes is None:
        codes = tuple(
            s.code
            for s in _status_index.values()
            if (phase is None or s.phase == phase) and all(getattr(s, k) == v for k, v in flags.items())
        )
        if len(_statuses_memo) > 256:  # registrations moved many times (tests): drop the stale ones
            _statuses_memo.clear()
        _statuses_memo[key] = codes
    return codes


def by_number(number: str) -> KindSpec | None:
    """The kind whose number prefix starts `number` (QY2023-000123 → the request kind); no database read."""
    for spec in _kinds.values():
        if number.startswith(spec.prefix) and number[len(spec.prefix) : len(spec.prefix) + 1].isdigit():
            return spec
    return None


def sealed_kinds() -> tuple[str, ...]:
    return tuple(k.code for k in _kinds.values() if k.sealed)


def is_sealed(kind: str) -> bool:
    spec = _kinds.get(kind)
    return bool(spec and spec.sealed)


def initial_statuses() -> tuple[str, ...]:
    """The status each kind's cases are filed in (the office's 新件)."""
    return tuple(dict.fromkeys(k.initial for k in _kinds.values()))


def sources_of(action: str) -> tuple[str, ...]:
    """Statuses from which any kind's table offers `action` (e.g. the statuses that await 签收)."""
    return tuple(
        dict.fromkeys(
            s for k in _kinds.values() for t in k.transitions if t.action == action for s in t.sources
        )
    )


def listed_kinds() -> list[KindSpec]:
    """The kinds generic lists show and filter by (all but the sealed ones)."""
    return [k for k in _kinds.values() if not k.sealed]


def fileable_kinds(roles: Iterable[str], default_filers: Iterable[str]) -> list[KindSpec]:
    """The kinds a person holding `roles` may file on the generic new-case form."""
    have = set(roles)
    return [
        k
        for k in _kinds.values()
        if k.generic_form and not k.sealed and have & set(k.filers or default_filers)
    ]
