"""The timeline is tamper-evident: `nuanqi audit verify` fails after a row is edited or deleted by SQL."""

from __future__ import annotations

import pytest
from django.db import connection

from nuanqi.cases.models import Event
from nuanqi.cases.timeline import verify
from nuanqi.cli import main

from .helpers import act, file_case


def _history(world):
    case = file_case(world.commissioner, world.huakang)
    act(case, "accept", world.dispatcher)
    act(case, "dispatch", world.dispatcher, lead_unit=world.zhujian.pk)
    act(case, "sign", world.handler)
    return case


def _cli_verify(capsys) -> tuple[int, str]:
    try:
        main(["audit", "verify"])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().out


def test_an_untouched_history_verifies(world, capsys):
    _history(world)
    assert list(verify()) == []
    code, out = _cli_verify(capsys)
    assert code == 0 and "审计通过" in out


def test_a_reason_edited_by_sql_is_detected(world, capsys):
    case = _history(world)
    ev = Event.objects.get(case=case, seq=2)
    with connection.cursor() as cur:
        cur.execute("UPDATE cases_event SET reason = %s WHERE id = %s", ["改过的理由", ev.pk])
    breaches = list(verify())
    assert [(b.case_number, b.seq) for b in breaches] == [(case.number, 2)]
    code, out = _cli_verify(capsys)
    assert code == 1 and case.number in out


def test_a_deleted_middle_row_is_detected(world):
    case = _history(world)
    with connection.cursor() as cur:
        cur.execute("DELETE FROM cases_event WHERE case_id = %s AND seq = 2", [case.pk])
    assert len(list(verify())) == 1


def test_a_deleted_last_row_is_detected_against_the_head_kept_on_the_case(world):
    case = _history(world)
    with connection.cursor() as cur:
        cur.execute("DELETE FROM cases_event WHERE case_id = %s AND seq = 4", [case.pk])
    [breach] = list(verify())
    assert breach.seq is None


@pytest.mark.parametrize(
    "column,value", [("action", "archive"), ("to_status", "archived"), ("actor_name", "别人")]
)
def test_any_edited_column_that_is_hashed_is_detected(world, column, value):
    case = _history(world)
    with connection.cursor() as cur:
        if column == "actor_name":
            # The display name is not evidence; the actor id is. Editing the id must be caught.
            cur.execute(
                "UPDATE cases_event SET actor_id = %s WHERE case_id = %s AND seq = 3",
                [world.admin.pk, case.pk],
            )
        else:
            cur.execute(
                f"UPDATE cases_event SET {column} = %s WHERE case_id = %s AND seq = 3", [value, case.pk]
            )
    assert len(list(verify())) == 1
