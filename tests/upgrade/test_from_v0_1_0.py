"""A database written by the previous release (v0.1.0: the demo built from that tag, kept here as a SQLite
file and a `pg_dump`) migrates to the current code with nothing lost and its audit chain verifying."""

from __future__ import annotations

import gzip
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

# The upgrade runs in a database of its own on the server the suite's half uses.
pytestmark = pytest.mark.both_databases

HERE = Path(__file__).parent
TABLES = ("cases_case", "cases_event", "cases_task", "enterprise_company", "accounts_user", "accounts_unit")


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nuanqi.cli", *args], capture_output=True, text=True, env=env, timeout=600
    )


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("NUANQI_HOME", "NUANQI_DATABASE_URL")}


def _upgrade_and_verify(home: Path, env: dict[str, str]) -> None:
    r = _cli("manage", "--home", str(home), "migrate", "--noinput", env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    r = _cli("audit", "verify", "--home", str(home), env=env)
    assert r.returncode == 0 and "审计通过" in r.stdout, r.stdout + r.stderr


def test_the_v0_1_0_database_upgrades_with_nothing_lost(tmp_path):
    env = _env()
    home = tmp_path / "home"
    home.mkdir()
    if connection.vendor == "sqlite":
        db = home / "nuanqi.sqlite3"
        with gzip.open(HERE / "v0.1.0-demo.sqlite3.gz") as src, db.open("wb") as out:
            shutil.copyfileobj(src, out)

        def counts() -> dict[str, int]:
            with sqlite3.connect(db) as c:
                return {t: c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}

        def kinds() -> set[str]:
            with sqlite3.connect(db) as c:
                return {r[0] for r in c.execute("SELECT DISTINCT kind FROM cases_case")}

        before = counts()
        _upgrade_and_verify(home, env)
        assert counts() == before and before["cases_case"] == 61
        assert kinds() <= {"request", "task"}
        return
    s = connection.settings_dict
    base = f"postgresql://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    name = f"nq_upgrade_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        # psql of the server's version loads the plain dump (it carries psql's own commands).
        with psycopg.connect(f"{base}/postgres") as c:
            major = int(c.execute("SHOW server_version_num").fetchone()[0]) // 10000  # type: ignore[index]
        versioned = Path(f"/usr/lib/postgresql/{major}/bin/psql")
        psql = versioned if versioned.exists() else Path(shutil.which("psql") or "psql")
        load = subprocess.run(
            [str(psql), "-q", "-v", "ON_ERROR_STOP=1", f"{base}/{name}"],
            input=gzip.decompress((HERE / "v0.1.0-demo.pg.sql.gz").read_bytes()),
            capture_output=True,
            timeout=300,
        )
        assert load.returncode == 0, load.stderr.decode()[-2000:]
        with psycopg.connect(f"{base}/{name}", autocommit=True) as c:

            def counts() -> dict[str, int]:
                return {t: c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}  # type: ignore[index]

            before = counts()
            env["NUANQI_DATABASE_URL"] = f"{base.replace('postgresql', 'postgres')}/{name}"
            _upgrade_and_verify(home, env)
            assert counts() == before and before["cases_case"] == 61
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
