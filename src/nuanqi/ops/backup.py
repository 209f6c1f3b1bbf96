"""Backups an office can restore: one archive with a consistent database snapshot, the media files and a
manifest; and the restore that checks it before writing anything.

Archive (`.tar`): `manifest.json`, `db/nuanqi.sqlite3` (SQLite's online backup API: a consistent copy while
the server and worker write) or `db/nuanqi.pgdump` (`pg_dump --format=custom` on an exported snapshot), and
`media/…`. The manifest holds the product version, the applied migrations, the rows of every table counted in
the same snapshot, the SHA-256 of every part and the audit chain's summary (events, last event's hash).

Keys stay out: `secret_key`, `receipt_salt`, the tips' escrow key and the audit key live in `$NUANQI_HOME` and
are kept apart (docs/operations.md); tips stay ciphertext in the database copy.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

# Files in $NUANQI_HOME that are keys: never archived, copied by hand (or with `restore --keys DIR`).
KEY_FILES = ("secret_key", "receipt_salt", "tips-escrow.pub", "audit_key")
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot proceed; the message is for the operator (Chinese)."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nuanqi")
    except PackageNotFoundError:
        return "unknown"


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    """The tables of a SQLite snapshot, without SQLite's own and the full-text index's shadow tables."""
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    return [r[0] for r in rows if "_fts" not in r[0] and not r[0].endswith(("_data", "_idx", "_docsize"))]


def _counts_sqlite(path: Path) -> tuple[dict[str, int], dict[str, list[str]], dict[str, Any]]:
    conn = sqlite3.connect(path)
    try:
        counts = {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in _sqlite_tables(conn)}
        migrations: dict[str, list[str]] = {}
        for app, name in conn.execute("SELECT app, name FROM django_migrations ORDER BY id"):
            migrations.setdefault(app, []).append(name)
        audit = _audit_summary(conn.execute("SELECT COUNT(*), MAX(id) FROM cases_event").fetchone(), conn)
    finally:
        conn.close()
    return counts, migrations, audit


def _audit_summary(row: Any, conn: Any) -> dict[str, Any]:
    events, last = row
    head = conn.execute("SELECT hash FROM cases_event WHERE id = ?", (last,)).fetchone() if last else None
    return {"events": events, "last_event_id": last, "last_event_hash": head[0] if head else ""}


def _snapshot_sqlite(db: Path, out: Path, progress: Callable[[str], None]) -> None:
    """A consistent copy through SQLite's online backup API, in one step: a stepwise backup restarts whenever
    another connection writes, and with a busy server it would never finish; one step reads one WAL snapshot
    while the writers go on."""
    progress(f"数据库快照（{db.stat().st_size / 1048576:.1f} MB）…")
    src = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    dst = sqlite3.connect(out)
    try:
        src.backup(dst, pages=-1)
    finally:
        dst.close()
        src.close()


def _pg_env(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = ["-h", settings_dict.get("HOST") or "127.0.0.1", "-p", str(settings_dict.get("PORT") or 5432)]
    if settings_dict.get("USER"):
        args += ["-U", settings_dict["USER"]]
    return args, os.environ | {"PGPASSWORD": settings_dict.get("PASSWORD") or ""}


def pg_tool(name: str, connection: Any) -> str:
    """`pg_dump`/`pg_restore` of the server's major version when installed side by side, else the PATH's."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        major = int(cursor.fetchone()[0]) // 10000
    versioned = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    found = str(versioned) if versioned.exists() else shutil.which(name)
    if not found:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端（postgresql-client）")
    return found


def _snapshot_pg(
    out: Path, progress: Callable[[str], None]
) -> tuple[dict[str, int], dict[str, list[str]], dict[str, Any]]:
    """pg_dump on a snapshot exported from a REPEATABLE READ transaction, in which the rows are counted too:
    the counts describe exactly what the dump holds."""
    import psycopg
    from django.db import connection

    s = connection.settings_dict
    dsn = {
        "host": s.get("HOST") or "127.0.0.1",
        "port": s.get("PORT") or 5432,
        "dbname": s["NAME"],
        "user": s.get("USER") or None,
        "password": s.get("PASSWORD") or None,
    }
    pg_dump = pg_tool("pg_dump", connection)
    with psycopg.connect(**{k: v for k, v in dsn.items() if v}) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = _one(conn, "SELECT pg_export_snapshot()")[0]
        args, env = _pg_env(s)
        progress("pg_dump …")
        subprocess.run(
            [
                pg_dump,
                *args,
                "--format=custom",
                f"--snapshot={snapshot}",
                "--no-owner",
                "-f",
                str(out),
                s["NAME"],
            ],
            check=True,
            env=env,
            capture_output=True,
            timeout=24 * 3600,
        )
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
            ).fetchall()
        ]
        counts = {t: _one(conn, f'SELECT COUNT(*) FROM "{t}"')[0] for t in tables}
        migrations: dict[str, list[str]] = {}
        for app, name in conn.execute("SELECT app, name FROM django_migrations ORDER BY id").fetchall():
            migrations.setdefault(app, []).append(name)
        events, last = _one(conn, "SELECT COUNT(*), MAX(id) FROM cases_event")
        head = (
            conn.execute("SELECT hash FROM cases_event WHERE id = %s", (last,)).fetchone() if last else None
        )
        conn.execute("COMMIT")
    audit = {"events": events, "last_event_id": last, "last_event_hash": head[0] if head else ""}
    return counts, migrations, audit


def _one(conn: Any, sql: str) -> Any:
    row = conn.execute(sql).fetchone()
    if row is None:
        raise BackupError(f"查询没有结果：{sql}")
    return row


def create(out: Path, progress: Callable[[str], None] = lambda _m: None) -> dict[str, Any]:
    """Write the backup archive to `out` (refusing to overwrite); returns the manifest."""
    from django.conf import settings
    from django.db import connection

    if out.exists():
        raise BackupError(f"{out} 已存在，不会覆盖")
    with tempfile.TemporaryDirectory(prefix="nq-backup-", dir=out.parent) as tmp:
        work = Path(tmp)
        if connection.vendor == "sqlite":
            db_part = "db/nuanqi.sqlite3"
            (work / "db").mkdir()
            _snapshot_sqlite(Path(connection.settings_dict["NAME"]), work / db_part, progress)
            counts, migrations, audit = _counts_sqlite(work / db_part)
        else:
            db_part = "db/nuanqi.pgdump"
            (work / "db").mkdir()
            counts, migrations, audit = _snapshot_pg(work / db_part, progress)
        parts = {db_part: _sha256(work / db_part)}
        media = Path(settings.MEDIA_ROOT)
        media_files = sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []
        for p in media_files:
            parts[f"media/{p.relative_to(media).as_posix()}"] = _sha256(p)
        manifest = {
            "product": "nuanqi",
            "version": _version(),
            "created_at": datetime.now().astimezone().isoformat(),
            "database": connection.vendor,
            "migrations": migrations,
            "rows": counts,
            "audit": audit,
            "parts": parts,
            "keys_excluded": list(KEY_FILES),
        }
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(work / db_part, arcname=db_part)
            for i, p in enumerate(media_files, start=1):
                tar.add(p, arcname=f"media/{p.relative_to(media).as_posix()}")
                if i % 500 == 0 or i == len(media_files):
                    progress(f"文件 {i}/{len(media_files)}")
        partial.rename(out)
    return manifest


# ---------------------------------------------------------------- restore


def read_manifest(archive: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive, "r") as tar:
            member = tar.getmember(MANIFEST)
            fh = tar.extractfile(member)
            if fh is None:
                raise KeyError(MANIFEST)
            manifest: dict[str, Any] = json.loads(fh.read())
    except (tarfile.TarError, KeyError, OSError, ValueError) as exc:
        raise BackupError(f"不是有效的暖企备份文件：{exc}") from None
    if manifest.get("product") != "nuanqi" or "parts" not in manifest:
        raise BackupError("不是暖企的备份文件（缺少清单）")
    return manifest


def verify(archive: Path, dest: Path) -> dict[str, Any]:
    """Extract into `dest` (a scratch directory) and check every part's SHA-256 against the manifest before
    anything is restored. Raises BackupError naming the first damaged or missing part."""
    manifest = read_manifest(archive)
    try:
        with tarfile.open(archive, "r") as tar:
            tar.extractall(dest, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"备份文件已损坏，无法读取：{exc}") from None
    for part, digest in manifest["parts"].items():
        path = dest / part
        if not path.is_file():
            raise BackupError(f"备份缺少 {part}，已停止，未写入任何数据")
        if _sha256(path) != digest:
            raise BackupError(f"{part} 的校验值不符（备份已损坏），已停止，未写入任何数据")
    return manifest
