"""The `nuanqi` command as a user runs it: a real subprocess, JSON on stdout, Chinese errors on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from nuanqi.cli import main

# The subprocesses read the calendar's overrides from the database NUANQI_DATABASE_URL names.
pytestmark = pytest.mark.both_databases


def run(*args: str, home: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    if home:
        env["NUANQI_HOME"] = home
    return subprocess.run(
        [sys.executable, "-m", "nuanqi.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_calendar_day_prints_json_for_a_make_up_workday(tmp_path):
    r = run("calendar", "day", "2023-01-29", home=str(tmp_path))
    assert r.returncode == 0
    assert json.loads(r.stdout) == {"date": "2023-01-29", "workday": True, "name": "调休上班"}


def test_calendar_day_names_a_holiday(tmp_path):
    out = json.loads(run("calendar", "day", "2023-10-02", home=str(tmp_path)).stdout)
    assert out == {"date": "2023-10-02", "workday": False, "name": "国庆节"}


def test_calendar_deadline_counts_from_the_next_workday_with_offsets(tmp_path):
    r = run("calendar", "deadline", "2023-01-20T10:00", "--working-days", "1", home=str(tmp_path))
    assert json.loads(r.stdout) == {
        "start": "2023-01-20T10:00:00+08:00",
        "deadline": "2023-01-28T17:00:00+08:00",
    }
    r = run("calendar", "deadline", "2023-03-27T11:30:00+08:00", "--working-hours", "1", home=str(tmp_path))
    assert json.loads(r.stdout)["deadline"] == "2023-03-27T14:30:00+08:00"


def test_an_unpublished_year_works_with_a_warning(tmp_path):
    r = run("calendar", "deadline", "2027-03-01T09:00", "--working-days", "5", home=str(tmp_path))
    assert r.returncode == 0
    assert json.loads(r.stdout)["deadline"] == "2027-03-08T17:00:00+08:00"
    assert "2027" in r.stderr and "尚未发布" in r.stderr


@pytest.mark.parametrize(
    "args", [("calendar", "day", "2023-13-01"), ("calendar", "deadline", "昨天", "--working-days", "1")]
)
def test_bad_dates_are_refused_in_chinese(tmp_path, args):
    r = run(*args, home=str(tmp_path))
    assert r.returncode == 2 and "格式不正确" in r.stderr


def test_token_create_prints_the_token_as_its_last_line(world, capsys):
    main(["token", "create", "commissioner"])
    token = capsys.readouterr().out.strip().splitlines()[-1]
    from django.test import Client

    r = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.json()["username"] == "commissioner"


def test_token_create_for_an_unknown_user_fails_clearly(world, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["token", "create", "nobody"])
    assert exc.value.code == 1 and "找不到" in capsys.readouterr().err
