"""What `nuanqi audit verify` checks beyond each chain's hashes, and the signed head file.

- The case row's head is keyed: `event_mac` is an HMAC of (number, count, head) with the audit key kept
  outside the database (settings.NUANQI_AUDIT_KEY), so a chain rewritten with every later hash recomputed,
  and the head updated to match, still fails.
- The case row agrees with its events: the status, title, result, lead unit and owner the events imply
  (each event's to-status checked against the kind's registered statuses and transitions) are the row's.
- No case was deleted: numbers are gap-free per prefix and year, and each counter is keyed, so a missing
  number, or a counter lowered to hide the newest one, is found.
- `write_anchor` exports every head and counter, signed with the key, to a file a district keeps elsewhere;
  `check_anchor` finds a history that no longer extends the anchored one (events removed from the end and the
  head re-keyed by someone holding the key, a case deleted with its number counter rewound).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone

from . import kinds
from .models import Case, Event, NumberCounter
from .timeline import Breach, head_mac, keyed

# The case row's columns verify reads: the chain's head and the state the events must imply.
CASE_FIELDS = (
    "number",
    "kind",
    "event_count",
    "event_head",
    "event_mac",
    "status",
    "title",
    "result",
    "lead_unit_id",
    "owner_id",
)

_LABELS = {
    "status": "状态",
    "title": "标题",
    "result": "办理结果",
    "lead_unit_id": "主办单位",
    "owner_id": "责任人",
}


def check_head(case: dict[str, Any]) -> Iterator[Breach]:
    if case["event_count"] and not hmac.compare_digest(
        case["event_mac"] or "", head_mac(case["number"], case["event_count"], case["event_head"])
    ):
        yield Breach(case["number"], None, "链头的密钥签名不符（时间线被整体改写，或审计密钥不对）")


def implied_state(kind: str, events: list[Event]) -> tuple[dict[str, Any], list[tuple[int, str]]]:
    """The state a case's events imply, and the events the kind's registry does not allow (seq, why).

    Status: each event's to-status; it must be a status of the kind, and an event of a registered
    transition must leave from one of its sources. Title: the filing's (or the import's). Result, lead unit
    and owner: the last event that recorded them (`result`, `lead_unit_id`, `owner_id` in its changes)."""
    spec = kinds.get_kind(kind)
    known = {s.code for s in spec.statuses}
    sources = {t.action: t.sources for t in spec.transitions}
    state: dict[str, Any] = {}
    wrong: list[tuple[int, str]] = []
    for ev in events:
        changes = ev.changes if isinstance(ev.changes, dict) else {}
        if ev.to_status:
            if ev.to_status not in known:
                wrong.append((ev.seq, f"状态“{ev.to_status}”不是该类事项的状态"))
            if ev.action in sources and ev.from_status not in sources[ev.action]:
                wrong.append((ev.seq, f"“{ev.action}”不能从“{ev.from_status}”执行"))
            state["status"] = ev.to_status
        # A case is filed by `create`, or brought in from a ledger by `imported` (cases.history).
        if ev.action in ("create", "imported") and isinstance(changes.get("title"), str):
            state["title"] = changes["title"]
        for key in ("result", "lead_unit_id", "owner_id"):
            if key in changes:
                state[key] = changes[key]
    return state, wrong


def reconcile(case: dict[str, Any], events: list[Event]) -> Iterator[Breach]:
    """The case row against the state its (verified) events imply."""
    state, wrong = implied_state(case["kind"], events)
    for seq, why in wrong:
        yield Breach(case["number"], seq, why)
    differ = [_LABELS[k] for k, v in state.items() if (case[k] or None) != (v or None)]
    if differ:
        yield Breach(case["number"], None, f"事项的{'、'.join(differ)}与时间线不符（事项记录被改动）")


def check_numbers() -> Iterator[Breach]:
    """Every number a counter handed out still has its case, and each counter carries our key."""
    for counter in NumberCounter.objects.order_by("prefix", "year"):
        stem = f"{counter.prefix}{counter.year}-"
        if not hmac.compare_digest(
            counter.mac or "", keyed("counter", counter.prefix, counter.year, counter.value)
        ):
            yield Breach(stem, None, f"编号计数器 {stem} 的密钥签名不符（计数器被改动）")
        present = set(Case.objects.filter(number__startswith=stem).values_list("number", flat=True))
        missing = [f"{stem}{n:06d}" for n in range(1, counter.value + 1) if f"{stem}{n:06d}" not in present]
        for number in missing[:20]:
            yield Breach(number, None, "事项已不存在（编号连续，该事项连同其时间线被删除）")
        if len(missing) > 20:
            yield Breach(stem, None, f"另有 {len(missing) - 20} 个编号的事项不存在")


# ---------------------------------------------------------------- the signed head file


def _signature(body: dict[str, Any]) -> str:
    return keyed("anchor", json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")))


def write_anchor(path: Path, now: datetime | None = None) -> dict[str, int]:
    """Write every case's head and every number counter, signed with the audit key, to `path`."""
    body = {
        "at": (now or timezone.now()).isoformat(),
        "cases": {
            number: [count, head]
            for number, count, head in Case.objects.order_by("number").values_list(
                "number", "event_count", "event_head"
            )
        },
        "counters": {
            f"{prefix}{year}-": value
            for prefix, year, value in NumberCounter.objects.values_list("prefix", "year", "value")
        },
    }
    path.write_text(json.dumps({**body, "signature": _signature(body)}, ensure_ascii=False, indent=0) + "\n")
    return {"cases": len(body["cases"]), "counters": len(body["counters"])}


def check_anchor(path: Path) -> Iterator[Breach]:
    """The present history must extend the anchored one: each anchored case still there with its anchored
    event at the anchored place, each counter at least as far."""
    data = json.loads(path.read_text())
    signature = data.pop("signature", "")
    if not hmac.compare_digest(str(signature), _signature(data)):
        yield Breach(path.name, None, "链头文件的签名不符（文件被改动，或审计密钥不对）")
        return
    for stem, value in data["counters"].items():
        counter = NumberCounter.objects.filter(prefix=stem[:-5], year=int(stem[-5:-1])).first()
        if counter is None or counter.value < value:
            yield Breach(stem, None, f"编号计数器低于链头文件记录的 {value}（事项被删除后计数器被回拨）")
    anchored = data["cases"]
    numbers = list(anchored)
    for start in range(0, len(numbers), 2000):
        chunk = numbers[start : start + 2000]
        found = dict(Case.objects.filter(number__in=chunk).values_list("number", "pk"))
        heads = {
            (case_id, seq): digest
            for case_id, seq, digest in Event.objects.filter(case_id__in=found.values()).values_list(
                "case_id", "seq", "hash"
            )
        }
        for number in chunk:
            count, head = anchored[number]
            if number not in found:
                yield Breach(number, None, "链头文件中的事项已不存在（事项被删除）")
            elif count and heads.get((found[number], count)) != head:
                yield Breach(number, count, "时间线与链头文件不符（记录被删除或改写）")
