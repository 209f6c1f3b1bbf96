"""The seed's world restored from its snapshot (tests/demo_snapshot.py) is the world the build left."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from nuanqi.accounts.models import User
from nuanqi.cases.models import Case
from nuanqi.cases.search import like_q, matching_ids
from nuanqi.cases.timeline import verify
from nuanqi.routing.retrain import model_path
from tests import demo_snapshot
from tests.demo_snapshot import demo_world, restore, take

pytestmark = pytest.mark.django_db


def _rows(snap: demo_snapshot.Snapshot) -> dict[str, list[object]]:
    """Each table's rows in a fixed order (PostgreSQL's COPY gives them in the order they lie on disk)."""
    return {
        table: sorted(data.split(b"\n")) if isinstance(data, bytes) else sorted(data[1], key=repr)
        for table, data in snap.tables.items()
    }


def test_a_restored_world_has_every_row_id_and_sequence_of_the_built_one():
    summary = demo_world()
    built = demo_snapshot._kept
    assert built is not None
    # What a test would change is undone by the next restore.
    case = Case.objects.order_by("pk").first()
    assert case is not None
    Case.objects.filter(pk=case.pk).update(title="改过的标题")
    User.objects.create_user(username="stranger", password="x")
    assert demo_world() == summary
    again = take(summary)
    assert _rows(again) == _rows(built)
    assert sorted(again.sequences) == sorted(built.sequences)
    assert again.search == built.search
    assert Case.objects.get(pk=case.pk).title == case.title
    assert not User.objects.filter(username="stranger").exists()
    assert sum(bool(rows) for rows in _rows(again).values()) > 20


def test_search_finds_in_a_restored_world_exactly_what_a_scan_finds():
    demo_world()
    titles = list(Case.objects.order_by("pk").values_list("title", flat=True)[:200:20])
    words = {title[i : i + 2] for title in titles for i in (0, 2) if len(title) >= i + 2}
    assert len(words) >= 5
    for word in sorted(words):
        scan = list(Case.objects.filter(like_q(word)).order_by("-pk").values_list("pk", flat=True))
        assert matching_ids(word) == scan, word


def test_the_files_the_build_wrote_are_written_back_under_the_current_home(tmp_path: Path, settings):
    demo_world()
    kept = demo_snapshot._kept
    assert kept is not None
    model = model_path().relative_to(Path(settings.HOME))
    assert str(model) in kept.home_files
    assert kept.media_files, "the patrols' photos"
    model_path().unlink()
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    demo_world()
    assert model_path().read_bytes() == kept.home_files[str(model)]
    assert all((media / name).read_bytes() == content for name, content in kept.media_files.items())


def test_the_audit_chain_of_a_restored_world_holds():
    demo_world()
    assert Case.objects.count() >= 55
    assert list(verify()) == []


def test_index_rows_of_cases_a_flush_removed_are_left_out_and_gone_after_a_restore():
    """SQLite: a transactional test's flush empties the cases but not the FTS table (on PostgreSQL the rows
    are copied as they are, and `index_case` overwrites them)."""
    demo_world()
    if connection.vendor != "sqlite":
        pytest.skip("the FTS5 table is SQLite's")
    stale = Case.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    with connection.cursor() as cur:
        cur.execute("INSERT INTO cases_search (rowid, terms) VALUES (%s, %s)", [stale, "陈旧 旧行"])
    snap = take({})
    assert stale not in {rowid for rowid, _ in snap.search}
    restore(snap)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_search_docsize WHERE id = %s", [stale])
        assert cur.fetchone() == (0,)
    assert matching_ids("陈旧") == []
