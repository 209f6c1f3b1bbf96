"""The timeline: append-only events, hash-chained per case and anchored in the case row.

A chain per case (not one global chain) lets writers on different cases proceed in parallel; the case row
keeps the head hash and the count, so deleting the newest event, or any other, is detected too. The head is
keyed (`event_mac`, an HMAC with the key kept outside the database), so a chain rewritten with recomputed
hashes fails too; `cases.audit` reconciles the case row with what its events imply, finds deleted cases by
their gap-free numbers, and writes and checks the signed head file a district keeps elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from nuanqi.lib import fastinsert

from . import kinds
from .models import Case, Event

if TYPE_CHECKING:
    from nuanqi.accounts.models import User


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


# What `json.dumps(..., ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)` builds
# anew on each call: one encoder, the same output.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(
    prev_hash: str,
    case_number: str,
    seq: int,
    at: datetime,
    actor_id: int | None,
    action: str,
    from_status: str,
    to_status: str,
    changes: dict[str, Any],
    reason: str,
    actor_name: str,
) -> str:
    """The SHA-256 of an event and its predecessor's hash: every field the timeline shows is covered."""
    payload = _ENCODER.encode(
        [
            prev_hash,
            case_number,
            seq,
            _canonical(at),
            actor_id,
            action,
            from_status,
            to_status,
            changes,
            reason,
            actor_name,
        ]
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def canonical_changes(changes: dict[str, Any]) -> str:
    """An event's `changes` as `event_hash` encodes them (keys sorted, compact, non-ASCII kept)."""
    return _ENCODER.encode(changes)


def canonical_at(at: datetime) -> str:
    """An event's moment as `event_hash` encodes it: ISO 8601 in UTC with microseconds."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


_STR = json.encoder.encode_basestring  # what _ENCODER does with a str (ensure_ascii=False)


def encoded_event_hash(
    prev_hash: str,
    case_number: str,
    seq: int,
    at: str,
    actor_id: int | None,
    action: str,
    from_status: str,
    to_status: str,
    changes: str,
    reason: str,
    actor_name: str,
) -> str:
    """`event_hash` of an event whose moment is already `canonical_at` and whose changes are already
    `canonical_changes`: the same hex digest (the same payload, its list written out), for a bulk writer that
    needs those texts anyway."""
    s = _STR
    actor = "null" if actor_id is None else str(int(actor_id))
    payload = (
        f"[{s(prev_hash)},{s(case_number)},{int(seq)},{s(at)},{actor},{s(action)},{s(from_status)},"
        f"{s(to_status)},{changes},{s(reason)},{s(actor_name)}]"
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def keyed(*parts: object) -> str:
    """HMAC-SHA256 of the parts with the audit key (settings.NUANQI_AUDIT_KEY, outside the database)."""
    message = "\x1f".join(str(p) for p in parts).encode()
    return hmac.new(settings.NUANQI_AUDIT_KEY, message, hashlib.sha256).hexdigest()


def head_mac(number: str, count: int, head: str) -> str:
    return keyed("case", number, count, head)


def json_safe(value: Any) -> Any:
    """Values as they will read back from a JSON column (dates as ISO strings)."""
    return json.loads(
        json.dumps(value, default=lambda v: _canonical(v) if isinstance(v, datetime) else str(v))
    )


def append(
    case: Case,
    *,
    actor: User | None,
    action: str,
    from_status: str = "",
    to_status: str = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
    at: datetime | None = None,
    sealed: bytes | None = None,
    actor_name: str | None = None,
) -> Event:
    """Write the next event of the case's chain. The caller holds the case row lock and saves the case.

    For a sealed kind the event keeps only the names of what changed, never values or a reason; the module's
    ciphertext note (`sealed`) is stored beside it and its SHA-256 is part of the hashed `changes`."""
    return write(
        chain(
            case,
            actor=actor,
            action=action,
            from_status=from_status,
            to_status=to_status,
            changes=changes,
            reason=reason,
            at=at,
            sealed=sealed,
            actor_name=actor_name,
        ),
        case,
    )


def write(event: Event, case: Case) -> Event:
    """Insert an event that `chain` made (the case row must exist: a filing inserts the case in between).
    Its `post_save` runs as for `save()` (the notification fan-out)."""
    event.case = case
    fastinsert.insert(event)
    return event


def chain(
    case: Case,
    *,
    actor: User | None,
    action: str,
    from_status: str = "",
    to_status: str = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
    at: datetime | None = None,
    sealed: bytes | None = None,
    actor_name: str | None = None,
) -> Event:
    """The next event of the case's chain, not yet written, with the case's head (`HEAD_FIELDS`) moved to
    it: the hash covers the case's number, never its id, so a filing computes the head before the case's
    INSERT and writes the case once. `write` inserts the event; `append` does both."""
    at = at or timezone.now()
    if kinds.is_sealed(case.kind):
        if reason:
            raise ValueError("a sealed kind's event carries no plaintext reason")
        changes = {"fields": sorted(changes or {})}
    if sealed is not None:
        changes = {**(changes or {}), "sealed_sha256": hashlib.sha256(sealed).hexdigest()}
    # Stored timestamps keep microseconds on both databases; hashing the same value we store.
    changes = json_safe(changes or {})
    seq = case.event_count + 1
    prev = case.event_head
    shown_name = actor_name or (str(actor) if actor else "系统")
    digest = event_hash(
        prev,
        case.number,
        seq,
        at,
        actor.pk if actor else None,
        action,
        from_status,
        to_status,
        changes,
        reason,
        shown_name,
    )
    event = Event(
        seq=seq,
        at=at,
        actor=actor,
        actor_name=shown_name,
        action=action,
        from_status=from_status,
        to_status=to_status,
        changes=changes,
        reason=reason,
        sealed=sealed,
        prev_hash=prev,
        hash=digest,
    )
    case.event_count = seq
    case.event_head = digest
    case.event_mac = head_mac(case.number, seq, digest)
    return event


def _verify_files(number: str, events: list[Event]) -> Iterator[Breach]:
    """Each file an event recorded must still hold the bytes whose SHA-256 the event's hash covers."""
    from nuanqi.attachments.models import Attachment
    from nuanqi.attachments.services import file_sha256

    recorded = [(ev.seq, f) for ev in events for f in (ev.changes or {}).get("attachments", []) or []]
    if not recorded:
        return
    files = Attachment.objects.in_bulk([f["id"] for _seq, f in recorded])
    for seq, f in recorded:
        att = files.get(f["id"])
        if att is None:
            yield Breach(number, seq, f"附件“{f.get('name', '')}”的记录已被删除")
            continue
        try:
            actual = file_sha256(att)
        except OSError:
            yield Breach(number, seq, f"附件“{att.name}”的文件已丢失")
            continue
        if actual != f.get("sha256") or att.sha256 != f.get("sha256"):
            yield Breach(number, seq, f"附件“{att.name}”的文件内容与记录的哈希不符（文件被替换）")


def notice(
    case: Case,
    *,
    actor: User | None,
    action: str,
    changes: dict[str, Any],
    at: datetime,
    actor_name: str | None = None,
    sealed: bytes | None = None,
) -> Event:
    """Append an event that records something about the case without changing its state (a file, a link, a
    message, a clock's card) and save the chain's head: no version bump, so nobody's open form turns stale.
    The caller holds the case row lock. `sealed`: a sealed kind's ciphertext note."""
    event = append(
        case, actor=actor, action=action, changes=changes, at=at, actor_name=actor_name, sealed=sealed
    )
    case.updated_at = at
    case.save(update_fields=[*HEAD_FIELDS, "updated_at"])
    return event


# The case row's columns that append() sets: a caller saving only some fields saves these.
HEAD_FIELDS = ("event_count", "event_head", "event_mac")


@dataclass(frozen=True)
class Breach:
    case_number: str
    seq: int | None
    problem: str


def verify(batch: int = 2000) -> Iterator[Breach]:
    """Walk every case's chain; yield each place where the stored history no longer adds up: an event edited
    or deleted, a head not keyed with our key, a case row whose state its events do not imply, a deleted
    case (a missing number)."""
    from . import audit

    last_id = 0
    while True:
        cases = list(
            Case.objects.filter(pk__gt=last_id).order_by("pk").values("pk", *audit.CASE_FIELDS)[:batch]
        )
        if not cases:
            break
        last_id = cases[-1]["pk"]
        by_case: dict[int, list[Event]] = {c["pk"]: [] for c in cases}
        for ev in Event.objects.filter(case_id__in=by_case.keys()).order_by("case_id", "seq"):
            by_case[ev.case_id].append(ev)
        for c in cases:
            events = by_case[c["pk"]]
            chain = list(_verify_chain(c["number"], c["event_count"], c["event_head"], events))
            yield from chain
            if not chain:
                yield from audit.check_head(c)
                yield from audit.reconcile(c, events)
            yield from _verify_files(c["number"], events)
    yield from audit.check_numbers()


def _verify_chain(number: str, count: int, head: str, events: list[Event]) -> Iterator[Breach]:
    prev = ""
    for expected_seq, ev in enumerate(events, start=1):
        if ev.seq != expected_seq:
            yield Breach(number, expected_seq, f"缺少第 {expected_seq} 条记录（下一条为第 {ev.seq} 条）")
            return
        if ev.prev_hash != prev:
            yield Breach(number, ev.seq, "前一条记录的哈希不符（记录被删除或改动）")
            return
        digest = event_hash(
            prev,
            number,
            ev.seq,
            ev.at,
            ev.actor_id,
            ev.action,
            ev.from_status,
            ev.to_status,
            ev.changes,
            ev.reason,
            ev.actor_name,
        )
        if digest != ev.hash:
            yield Breach(number, ev.seq, "记录内容与哈希不符（记录被改动）")
            return
        if ev.sealed is not None and (
            hashlib.sha256(bytes(ev.sealed)).hexdigest() != (ev.changes or {}).get("sealed_sha256")
        ):
            yield Breach(number, ev.seq, "密文与记录的哈希不符（密文被改动）")
            return
        prev = ev.hash
    if len(events) != count or prev != head:
        yield Breach(number, None, f"事项记录 {count} 条、链头与实际 {len(events)} 条不符（末尾记录被删除）")
