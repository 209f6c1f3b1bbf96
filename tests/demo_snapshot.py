"""The seed's world for the tests that need it: built once per test process and database, then restored.

`build_world` takes about half a minute of CPU (months of history through the services, the routing model's
training); a dozen files and browser tests start from it, so a run of the whole suite built it two dozen
times. `demo_world()` builds it on its first call in a process (a pytest-xdist worker) and keeps a snapshot:
every table's rows, the database's id sequences, the full-text index and the files the build wrote under the
home and the media root. Later calls make the database equal to that snapshot again (each table emptied and
refilled, inside one transaction: inside the caller's, when a module builds its world in a transaction that
it rolls back) and write the files back. The restored database holds the same rows, ids included, as the
database the build left (on SQLite less the index rows of cases a flush removed, see `take`);
tests/demo/test_snapshot.py compares the two.

tests/demo/test_world.py, the test of the loader, builds its world afresh (`fresh=True`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from nuanqi.demo.world import build_world

SEARCH = "cases_search"  # cases/search.py: SQLite FTS5 (contentless) or a PostgreSQL table


@dataclass
class Snapshot:
    vendor: str
    database: str
    summary: dict[str, int | str]
    # SQLite: table -> (column names, rows as stored); PostgreSQL: table -> COPY text.
    tables: dict[str, Any] = field(default_factory=dict)
    sequences: list[tuple[Any, ...]] = field(default_factory=list)
    search: list[tuple[int, str]] = field(default_factory=list)  # SQLite: (rowid, terms)
    home_files: dict[str, bytes] = field(default_factory=dict)  # path relative to the home -> content
    media_files: dict[str, bytes] = field(default_factory=dict)  # path relative to the media root


_kept: Snapshot | None = None


def demo_world(*, fresh: bool = False) -> dict[str, int | str]:
    """The seed's world in the test database, and what `build_world` returned when it built it; `fresh`
    builds it even when a snapshot is kept (and keeps the new one)."""
    global _kept
    database = str(connection.settings_dict["NAME"])
    if not fresh and _kept is not None and (_kept.vendor, _kept.database) == (connection.vendor, database):
        restore(_kept)
        return dict(_kept.summary)
    home, media = _files(Path(settings.HOME)), _files(Path(settings.MEDIA_ROOT))
    summary = build_world()
    _kept = take(summary)
    _kept.home_files = _written(Path(settings.HOME), home)
    _kept.media_files = _written(Path(settings.MEDIA_ROOT), media)
    return dict(summary)


def _tables() -> list[str]:
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%%' "
                "AND name != 'django_migrations' AND name != %s AND name NOT LIKE %s ORDER BY name",
                [SEARCH, f"{SEARCH}_%"],
            )
            return [name for (name,) in cur.fetchall()]
    return sorted(set(connection.introspection.table_names()) - {"django_migrations"})


def take(summary: dict[str, int | str]) -> Snapshot:
    """Every row of the current database (read in the caller's transaction)."""
    snap = Snapshot(connection.vendor, str(connection.settings_dict["NAME"]), dict(summary))
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "sqlite":
        for table in _tables():
            # `+column`: the value as stored, not converted by the column's declared type (the connection's
            # detect_types would turn a TIME column into a datetime.time, which sqlite3 cannot bind).
            names = [row[1] for row in raw.execute(f'PRAGMA table_info("{table}")')]
            columns = ", ".join(f'+"{name}"' for name in names)
            snap.tables[table] = (names, raw.execute(f'SELECT {columns} FROM "{table}"').fetchall())
        snap.sequences = raw.execute("SELECT name, seq FROM sqlite_sequence").fetchall()
        # The index is contentless: its terms cannot be read back, so they are the ones `index_case` wrote,
        # recomputed for the documents it holds (a case's indexed text never changes). Rows of cases that no
        # longer exist are left out: a transactional test's flush empties the tables Django knows, not this
        # index, and search only returns cases that exist.
        from nuanqi.cases.models import Case
        from nuanqi.cases.search import index_row

        indexed = {rowid for (rowid,) in raw.execute(f"SELECT id FROM {SEARCH}_docsize")}
        cases = Case.objects.filter(pk__in=indexed).values_list("id", "title", "description", "subject_label")
        snap.search = [index_row(*row) for row in cases.order_by("id")]
        return snap
    with raw.cursor() as cur:
        for table in _tables():
            with cur.copy(f'COPY "{table}" TO STDOUT') as copy:
                snap.tables[table] = b"".join(bytes(chunk) for chunk in copy)
        cur.execute(
            "SELECT schemaname, sequencename, last_value FROM pg_sequences "
            "WHERE schemaname = current_schema()"
        )
        snap.sequences = cur.fetchall()
    return snap


def restore(snap: Snapshot) -> None:
    """Make the database equal to the snapshot, and write its files back under the current home."""
    with transaction.atomic():
        connection.ensure_connection()
        raw = connection.connection
        tables = _tables()
        if sorted(snap.tables) != tables:
            raise RuntimeError("the database's tables changed since the snapshot was taken")
        if connection.vendor == "sqlite":
            # Foreign keys are checked at commit (Django declares them DEFERRABLE INITIALLY DEFERRED).
            for table in tables:
                raw.execute(f'DELETE FROM "{table}"')
            for table, (names, rows) in snap.tables.items():
                if rows:
                    columns = ", ".join(f'"{name}"' for name in names)
                    marks = ", ".join("?" * len(names))
                    raw.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', rows)
            raw.execute("DELETE FROM sqlite_sequence")
            raw.executemany("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", snap.sequences)
            raw.execute(f"INSERT INTO {SEARCH} ({SEARCH}) VALUES ('delete-all')")
            raw.executemany(f"INSERT INTO {SEARCH} (rowid, terms) VALUES (?, ?)", snap.search)
        else:
            with raw.cursor() as cur:
                cur.execute("SET CONSTRAINTS ALL DEFERRED")
                for table in tables:
                    cur.execute(f'DELETE FROM "{table}"')
                for table, data in snap.tables.items():
                    if data:
                        with cur.copy(f'COPY "{table}" FROM STDIN') as copy:
                            copy.write(data)
                for schema, name, last in snap.sequences:
                    if last is None:
                        cur.execute("SELECT setval(%s, 1, false)", [f'"{schema}"."{name}"'])
                    else:
                        cur.execute("SELECT setval(%s, %s, true)", [f'"{schema}"."{name}"', last])
    # Content types get new ids when a transactional test's flush re-creates them; the restored rows carry the
    # snapshot's ids, so the process's cache of them must go.
    ContentType.objects.clear_cache()
    _write(Path(settings.HOME), snap.home_files)
    _write(Path(settings.MEDIA_ROOT), snap.media_files)


def _files(root: Path) -> dict[str, tuple[int, int]]:
    """Size and time of each file under `root`, leaving out what is not the world's: the database files, the
    file cache, the media root (walked apart), and the homes of other workers and of the benchmarks."""
    found: dict[str, tuple[int, int]] = {}
    if not root.is_dir():
        return found
    pruned = {Path(str(settings.CACHES["default"].get("LOCATION") or root / "cache")), root / "workers"}
    pruned |= {root / "bench", Path(settings.MEDIA_ROOT)} - {root}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [name for name in dirs if Path(folder) / name not in pruned]
        for name in names:
            path = Path(folder) / name
            if ".sqlite3" not in name:
                stat = path.stat()
                found[str(path.relative_to(root))] = (stat.st_mtime_ns, stat.st_size)
    return found


def _written(root: Path, before: dict[str, tuple[int, int]]) -> dict[str, bytes]:
    """The files under `root` that the build created or changed."""
    return {
        name: (root / name).read_bytes() for name, state in _files(root).items() if before.get(name) != state
    }


def _write(root: Path, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
