"""A backup taken while a writer posts cases restores every case acknowledged before it began, with the audit
chain intact and the manifest's counts matching; a restore refuses a non-empty target and a damaged archive,
changing nothing. SQLite and PostgreSQL alike (`pg_dump`/`pg_restore` of the server's version)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from nuanqi.ops.backup import create, read_manifest
from tests.cases.helpers import file_case

pytestmark = pytest.mark.django_db(transaction=True)


def _restore(archive: Path, home: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nuanqi.cli", "restore", str(archive), "--home", str(home), *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


class Target:
    """An empty place to restore into: a fresh home, and on PostgreSQL a fresh database (dropped after)."""

    def __init__(self, tmp: Path) -> None:
        self.home = tmp / "restored"
        self.env = {k: v for k, v in os.environ.items() if k not in ("NUANQI_HOME", "NUANQI_DATABASE_URL")}
        self.db = ""
        if connection.vendor == "postgresql":
            s = connection.settings_dict
            self.db = f"nq_restore_{uuid.uuid4().hex[:10]}"
            self.admin = f"postgresql://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/postgres"
            with psycopg.connect(self.admin, autocommit=True) as c:
                c.execute(f'CREATE DATABASE "{self.db}"')
            self.env["NUANQI_DATABASE_URL"] = (
                self.admin.rsplit("/", 1)[0].replace("postgresql", "postgres") + f"/{self.db}"
            )

    def numbers(self) -> set[str]:
        if self.db:
            with psycopg.connect(self.admin.rsplit("/", 1)[0] + f"/{self.db}") as c:
                return {r[0] for r in c.execute("SELECT number FROM cases_case").fetchall()}
        with sqlite3.connect(self.home / "nuanqi.sqlite3") as c:
            return {r[0] for r in c.execute("SELECT number FROM cases_case").fetchall()}

    def drop(self) -> None:
        if self.db:
            with psycopg.connect(self.admin, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')


@pytest.fixture
def target(tmp_path):  # type: ignore[no-untyped-def]
    t = Target(tmp_path)
    yield t
    t.drop()


def test_a_backup_taken_while_cases_are_posted_restores_every_case_acknowledged_before_it(
    world, target, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    acknowledged: list[str] = []
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        from django.db import connection as thread_connection

        try:
            while not stop.is_set():
                case = file_case(world.dispatcher, world.huakang, f"并发写入 {len(acknowledged)}")
                acknowledged.append(case.number)  # committed: the writer was told it is saved
        except BaseException as exc:
            errors.append(exc)
        finally:
            thread_connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 20 and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not errors, errors
    assert len(acknowledged) >= 20
    before = list(acknowledged)
    archive = tmp_path / "nuanqi-backup.tar"
    manifest = create(archive)
    time.sleep(0.2)  # the writer goes on after the snapshot
    stop.set()
    thread.join(timeout=60)
    assert not errors, errors
    assert len(acknowledged) > len(before)
    assert manifest["rows"]["cases_case"] >= len(before)

    r = _restore(archive, target.home, target.env, "--keys", str(settings.HOME))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "审计通过" in r.stdout and "各表行数与清单一致" in r.stdout
    restored = target.numbers()
    assert set(before) <= restored
    assert len(restored) == manifest["rows"]["cases_case"]


def test_a_restore_refuses_a_damaged_archive_and_a_non_empty_target_changing_nothing(
    world, target, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    file_case(world.dispatcher, world.huakang, "备份里的事项")
    archive = tmp_path / "b.tar"
    manifest = create(archive)
    assert read_manifest(archive)["parts"] == manifest["parts"]

    damaged = tmp_path / "damaged.tar"
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit, in the database part
    damaged.write_bytes(bytes(data))
    r = _restore(damaged, target.home, target.env, "--keys", str(settings.HOME))
    assert r.returncode != 0 and ("校验值不符" in r.stderr or "损坏" in r.stderr), r.stderr
    assert not (target.home / "nuanqi.sqlite3").exists()
    if target.db:
        with psycopg.connect(target.admin.rsplit("/", 1)[0] + f"/{target.db}") as c:
            assert c.execute("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0

    r = _restore(archive, target.home, target.env, "--keys", str(settings.HOME))
    assert r.returncode == 0, r.stderr
    before = target.numbers()
    r = _restore(archive, target.home, target.env, "--keys", str(settings.HOME))
    assert r.returncode != 0 and "只能恢复到空" in r.stderr
    assert target.numbers() == before


def test_without_the_audit_key_the_restore_says_which_key_is_missing(world, target, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    file_case(world.dispatcher, world.huakang, "备份里的事项")
    archive = tmp_path / "b.tar"
    create(archive)
    r = _restore(archive, target.home, target.env)
    assert r.returncode == 1 and "audit_key" in r.stderr


def test_the_audit_key_can_be_given_as_its_own_file(world, target, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    file_case(world.dispatcher, world.huakang, "备份里的事项")
    archive = tmp_path / "b.tar"
    create(archive)
    key = Path(settings.HOME) / "audit_key"
    r = _restore(archive, target.home, target.env, "--audit-key", str(key))
    assert r.returncode == 0, r.stderr
    assert "审计通过" in r.stdout
