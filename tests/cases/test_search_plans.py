"""Search reads matches in id order while they are dense and from the index once they are sparse (PostgreSQL);
whichever plan runs, and however the pages fall, the result is the LIKE scan's rows newest first."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection

from nuanqi.cases import search
from nuanqi.cases.models import Case
from nuanqi.cases.search import like_q, matching_ids
from nuanqi.lib import textseg
from tests.cases.helpers import file_case
from tests.conftest import World

PLANS: tuple[search.Plan, ...] = ("auto", "scan", "index")
# 光伏并网 is a phrase of three bigrams; 伏并网 and 光伏板 hold all three without the phrase (the GIN bitmap's
# candidates the recheck must drop).
WORDS = ("码头", "光伏并网", "专精特新", "台风过后", "船舶修造", "华康")


def _texts(n: int) -> list[tuple[str, str]]:
    """Oldest first: 码头 in most cases, 光伏并网 in two old ones, 专精特新 in every fifth, some decoys."""
    out = []
    for i in range(n):
        title = "码头改造" if i % 4 else "厂区用电"
        description = "需协调"
        if i in (1, 3):
            description += "光伏并网验收"
        if i % 5 == 0:
            description += "申报专精特新"
        if i % 7 == 0:
            description += "光伏板和伏并网"  # all bigrams of 光伏并网, not the word
        if i % 6 == 0:
            title += "，台风过后船舶修造"
        out.append((title, description))
    return out


def _like(word: str) -> list[int]:
    return list(Case.objects.filter(like_q(word)).order_by("-id").values_list("id", flat=True))


def _paged(word: str, plan: search.Plan, size: int) -> list[int]:
    out: list[int] = []
    below = None
    while True:
        ids = matching_ids(word, below=below, limit=size, plan=plan)
        out += ids
        if len(ids) < size:
            return out
        below = ids[-1]


@pytest.fixture
def filed(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    # Small first windows, so that 40 cases exercise several windows and the switch to the index.
    monkeypatch.setattr(search, "_FIRST_SPAN_PER_MATCH", 2)
    for title, description in _texts(40):
        file_case(world.commissioner, world.huakang, title, description=description)
    return world


@pytest.mark.parametrize("plan", PLANS)
def test_every_plan_returns_the_like_rows_newest_first_at_any_page_size(filed: World, plan: str) -> None:
    for word in WORDS:
        like = _like(word)
        assert like, word
        assert matching_ids(word, plan=plan) == like, word  # type: ignore[arg-type]
        for size in (1, 3, 7):
            assert _paged(word, plan, size) == like, (word, size)  # type: ignore[arg-type]


def test_a_decoy_with_every_bigram_but_not_the_word_is_not_found(filed: World) -> None:
    decoys = set(_like("光伏板和伏并网")) - set(_like("光伏并网"))
    assert decoys
    for plan in PLANS:
        assert not decoys & set(matching_ids("光伏并网", plan=plan))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plans of the PostgreSQL reader")
def test_a_frequent_word_is_read_in_id_order_and_a_rare_one_from_the_index(filed: World) -> None:
    frequent = search._PgMatches(textseg.tsquery_literal(search._phrases("码头")))
    assert frequent.below(None, 3) == _like("码头")[:3]
    assert [s[0] for s in frequent.steps] == ["scan"]

    rare = search._PgMatches(textseg.tsquery_literal(search._phrases("光伏并网")))
    assert rare.below(None, 3) == _like("光伏并网")  # both of them: fewer than wanted exist
    kinds = [s[0] for s in rare.steps]
    assert kinds[0] == "scan" and kinds[-1] == "index", rare.steps
    # The scanned windows and the index read cover the ids from the newest down, without a gap.
    scans = [s for s in rare.steps if s[0] == "scan"]
    assert all(a[1] == b[2] for a, b in itertools.pairwise(scans))
    assert rare.steps[-1][1] == scans[-1][1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plans of the PostgreSQL reader")
def test_the_reader_keeps_what_it_learnt_across_rounds(filed: World) -> None:
    rare = search._PgMatches(textseg.tsquery_literal(search._phrases("光伏并网")))
    first = rare.below(None, 1)
    assert rare.steps[-1][0] in ("scan", "index")
    rest = rare.below(first[-1], 4)
    assert first + rest == _like("光伏并网")


def test_search_pages_agree_with_like_for_a_person_who_sees_part_of_the_cases(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "_FIRST_SPAN_PER_MATCH", 2)
    monkeypatch.setattr(search, "_BUDGET", 5)  # pages that end on the budget, with a cursor to continue
    mine = []
    for i in range(24):
        if i % 3:
            file_case(world.commissioner2, world.changhong, f"码头改造{i}")
        else:
            mine.append(file_case(world.commissioner, world.huakang, f"码头改造{i}").number)
    seen: list[str] = []
    below = None
    for _ in range(50):
        rows, nxt = search.search(world.commissioner, "码头", limit=2, below=below)
        seen += [c.number for c in rows]
        if nxt is None:
            break
        below = int(nxt)
    assert seen == mine[::-1]
