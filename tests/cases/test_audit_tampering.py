"""Every tampering by SQL that an insider with the database (but not the audit key) could try makes
`nuanqi audit verify` fail; an untouched world passes; the signed head file catches even someone holding the
key who cut the end of a history or a case."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from nuanqi.cases.audit import check_anchor, write_anchor
from nuanqi.cases.models import Case, Event, NumberCounter
from nuanqi.cases.timeline import (
    canonical_at,
    canonical_changes,
    encoded_event_hash,
    event_hash,
    head_mac,
    verify,
)
from nuanqi.cli import main

from .helpers import act, file_case

pytestmark = pytest.mark.django_db


def _history(world: Any) -> Case:
    """Filed, accepted, dispatched to 住建局, signed by its handler, resolved with a result: five events."""
    case = file_case(world.commissioner, world.huakang)
    act(case, "accept", world.dispatcher)
    act(case, "dispatch", world.dispatcher, lead_unit=world.zhujian.pk)
    act(case, "sign", world.handler)
    act(case, "resolve", world.handler, result="已开具合规证明")
    case.refresh_from_db()
    return case


def _sql(query: str, *params: Any) -> None:
    with connection.cursor() as cur:
        cur.execute(query, list(params))


def _json(value: Any) -> str:
    return "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"


def _cli(capsys: Any, *extra: str) -> tuple[int, str]:
    try:
        main(["audit", "verify", *extra])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().out


@contextmanager
def _constraints_off() -> Iterator[None]:
    """What an insider does to delete rows that others point at."""
    if connection.vendor == "postgresql":
        _sql("SET session_replication_role = replica")
        yield
        _sql("SET session_replication_role = DEFAULT")
    else:
        _sql("PRAGMA foreign_keys = OFF")  # no effect inside the test's transaction, hence the next line
        _sql("PRAGMA defer_foreign_keys = ON")
        yield


def _delete_case(case: Case) -> None:
    with _constraints_off():
        for rel in Case._meta.related_objects:
            model = rel.related_model
            if rel.many_to_many or not hasattr(rel.field, "column"):
                continue
            _sql(f'DELETE FROM "{model._meta.db_table}" WHERE "{rel.field.column}" = %s', case.pk)
        _sql('DELETE FROM "cases_case" WHERE id = %s', case.pk)


def _rehash_from(case: Case, seq: int) -> None:
    """Recompute every hash from `seq` on, and the case's head, as someone without the key can."""
    prev = Event.objects.get(case=case, seq=seq - 1).hash if seq > 1 else ""
    for ev in Event.objects.filter(case=case, seq__gte=seq).order_by("seq"):
        digest = event_hash(
            prev,
            case.number,
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
        _sql("UPDATE cases_event SET prev_hash = %s, hash = %s WHERE id = %s", prev, digest, ev.pk)
        prev = digest
    _sql("UPDATE cases_case SET event_head = %s WHERE id = %s", prev, case.pk)


# Each tampering: a sentence, and what it does to the history built by _history.
TAMPERINGS: dict[str, Callable[[Case, Any], None]] = {
    "an event's reason": lambda c, w: _sql(
        "UPDATE cases_event SET reason = %s WHERE case_id = %s AND seq = 2", "改过的理由", c.pk
    ),
    "an event's to-status": lambda c, w: _sql(
        "UPDATE cases_event SET to_status = %s WHERE case_id = %s AND seq = 2", "rejected", c.pk
    ),
    "an event's changes": lambda c, w: _sql(
        f"UPDATE cases_event SET changes = {_json(0)} WHERE case_id = %s AND seq = 5",
        json.dumps({"result": "另一个结果"}),
        c.pk,
    ),
    "an event's time": lambda c, w: _sql(
        "UPDATE cases_event SET at = %s WHERE case_id = %s AND seq = 3",
        Event.objects.get(case=c, seq=3).at - timedelta(days=3),
        c.pk,
    ),
    "an event's actor": lambda c, w: _sql(
        "UPDATE cases_event SET actor_id = %s WHERE case_id = %s AND seq = 4", w.admin.pk, c.pk
    ),
    "an event's shown actor name": lambda c, w: _sql(
        "UPDATE cases_event SET actor_name = %s WHERE case_id = %s AND seq = 4", "别人", c.pk
    ),
    "the last event deleted": lambda c, w: _sql(
        "DELETE FROM cases_event WHERE case_id = %s AND seq = 5", c.pk
    ),
    "a middle event deleted": lambda c, w: _sql(
        "DELETE FROM cases_event WHERE case_id = %s AND seq = 3", c.pk
    ),
    "the case's status": lambda c, w: _sql("UPDATE cases_case SET status = %s WHERE id = %s", "new", c.pk),
    "the case's result": lambda c, w: _sql(
        "UPDATE cases_case SET result = %s WHERE id = %s", "别的结果", c.pk
    ),
    "the case's title": lambda c, w: _sql("UPDATE cases_case SET title = %s WHERE id = %s", "别的标题", c.pk),
    "the case's lead unit": lambda c, w: _sql(
        "UPDATE cases_case SET lead_unit_id = %s WHERE id = %s", w.jingxin.pk, c.pk
    ),
    "the case's owner": lambda c, w: _sql(
        "UPDATE cases_case SET owner_id = %s WHERE id = %s", w.admin.pk, c.pk
    ),
    "the case deleted with all its events": lambda c, w: _delete_case(c),
    "the chain rewritten with every later hash recomputed": lambda c, w: (
        _sql("UPDATE cases_event SET reason = %s WHERE case_id = %s AND seq = 2", "改过的理由", c.pk),
        _rehash_from(c, 2),
    ),
    "the last event deleted and the head recomputed": lambda c, w: (
        _sql("DELETE FROM cases_event WHERE case_id = %s AND seq = 5", c.pk),
        _sql(
            "UPDATE cases_case SET event_count = 4, event_head = %s WHERE id = %s",
            Event.objects.get(case=c, seq=4).hash,
            c.pk,
        ),
    ),
    "the newest case deleted and its number counter lowered": lambda c, w: (
        _delete_case(c),
        _sql("UPDATE cases_numbercounter SET value = value - 1"),
    ),
}


def test_an_untouched_world_passes(world, capsys):
    _history(world)
    assert list(verify()) == []
    code, out = _cli(capsys)
    assert code == 0 and "审计通过" in out


@pytest.mark.parametrize("tampering", list(TAMPERINGS))
def test_each_tampering_by_sql_fails_the_audit(world, capsys, tampering):
    case = _history(world)
    TAMPERINGS[tampering](case, world)
    assert list(verify()), tampering
    code, out = _cli(capsys)
    # The report names the case, or for a rewound counter its number series (QY2026-).
    assert code == 1 and "审计失败" in out and case.number.split("-")[0] in out


def test_a_chain_rewritten_with_another_key_fails(world, settings):
    _history(world)
    settings.NUANQI_AUDIT_KEY = b"\x01" * 32
    problems = {b.problem for b in verify()}
    assert any("密钥签名不符" in p for p in problems)


def _cut_with_the_key(case: Case) -> None:
    """Someone holding the key: the last event deleted, the head recomputed and re-keyed."""
    _sql("DELETE FROM cases_event WHERE case_id = %s AND seq = 5", case.pk)
    head = Event.objects.get(case=case, seq=4).hash
    _sql(
        "UPDATE cases_case SET event_count = 4, event_head = %s, event_mac = %s, status = %s, result = %s "
        "WHERE id = %s",
        head,
        head_mac(case.number, 4, head),
        "in_progress",
        "",
        case.pk,
    )


def test_the_signed_head_file_catches_a_history_cut_by_someone_holding_the_key(world, tmp_path, capsys):
    case = _history(world)
    anchor = tmp_path / "anchor.json"
    assert write_anchor(anchor) == {"cases": 1, "counters": 1}
    assert list(check_anchor(anchor)) == []
    _cut_with_the_key(case)
    assert list(verify()) == []  # the key re-signed the cut history ...
    [breach] = list(check_anchor(anchor))  # ... but it no longer extends the one kept elsewhere
    assert breach.case_number == case.number and breach.seq == 5
    code, out = _cli(capsys, "--anchor", str(anchor))
    assert code == 1 and case.number in out


def test_the_signed_head_file_catches_a_deleted_case_and_a_rewound_counter(world, tmp_path):
    case = _history(world)
    anchor = tmp_path / "anchor.json"
    write_anchor(anchor)
    _delete_case(case)
    counter = NumberCounter.objects.get()
    counter.value -= 1
    counter.mac = ""
    counter.save()
    problems = [b.problem for b in check_anchor(anchor)]
    assert any("计数器" in p for p in problems) and any("已不存在" in p for p in problems)


def test_an_edited_head_file_is_refused(world, tmp_path):
    _history(world)
    anchor = tmp_path / "anchor.json"
    write_anchor(anchor)
    data = json.loads(anchor.read_text())
    data["counters"] = {k: 0 for k in data["counters"]}
    anchor.write_text(json.dumps(data))
    [breach] = list(check_anchor(anchor))
    assert "签名不符" in breach.problem


def test_the_anchor_command_writes_a_signed_file(world, tmp_path, capsys):
    _history(world)
    out = tmp_path / "heads.json"
    main(["audit", "anchor", "--out", str(out)])
    assert "已写出链头文件" in capsys.readouterr().out
    assert list(check_anchor(out)) == []
    code, text = _cli(capsys, "--anchor", str(out))
    assert code == 0 and "与链头文件一致" in text


@pytest.mark.parametrize(
    ("actor", "changes", "reason"),
    [
        (None, {}, ""),
        (
            7,
            {"title": '环评"审批\\', "priority": 2, "resolve_due": ["", "2025-01-01T00:00:00.000000+00:00"]},
            "理由\n\t",
        ),
        (123456, {"z": None, "a": True, "remaining_hours": 6.5, "unit": "港航局\u2028"}, "不属于本单位职责"),
    ],
)
def test_the_bulk_writers_hash_is_the_timelines(actor, changes, reason):
    """The scale generator hashes from the texts it writes (`encoded_event_hash`); the digest must be
    `event_hash`'s, or its worlds would fail the audit."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    for at in (
        datetime(2025, 3, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
        datetime(2024, 1, 1, 1, 2, 3, 45),
    ):
        at = at if at.tzinfo else at.astimezone(ZoneInfo("UTC"))
        args = (
            "ab" * 32,
            "QY2025-000123",
            3,
            at,
            actor,
            "dispatch",
            "accepted",
            "dispatched",
            changes,
            reason,
        )
        expected = event_hash(*args, "张三")
        prev, number, seq, _, _, action, frm, to, _, _ = args
        got = encoded_event_hash(
            prev,
            number,
            seq,
            canonical_at(at),
            actor,
            action,
            frm,
            to,
            canonical_changes(changes),
            reason,
            "张三",
        )
        assert got == expected
