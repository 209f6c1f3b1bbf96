"""Search reads matches in id windows (PostgreSQL): narrow ones scanned in id order, wide ones as bands of the
GIN index; whichever way each window is read, and however the pages fall, the result is the LIKE scan's rows
newest first."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection

from nuanqi.cases import search
from nuanqi.cases.models import Case
from nuanqi.cases.search import like_q, matching_ids
from tests.cases.helpers import file_case
from tests.conftest import World

PLANS: tuple[search.Plan, ...] = ("auto", "scan", "band")
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


pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="plans of the PostgreSQL reader")


def _reader(word: str, plan: search.Plan = "auto") -> search._PgMatches:
    return search._PgMatches(search._phrases(word), plan)


def _contiguous(steps: list[tuple[object, ...]]) -> bool:
    """Each window starts where the one before it ended (ids from the newest down, without a gap)."""
    return all(a[1] == b[2] for a, b in itertools.pairwise(steps))


@pg_only
def test_a_frequent_word_is_read_by_one_window_and_a_rare_one_by_widening_bands(
    filed: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "_SCAN_SPAN_MAX", 8)
    frequent = _reader("码头")
    assert frequent.below(None, 3) == _like("码头")[:3]
    assert [s[0] for s in frequent.steps] == ["scan"]

    rare = _reader("光伏并网")
    assert rare.below(None, 3) == _like("光伏并网")  # both of them: fewer than wanted exist
    kinds = [s[0] for s in rare.steps]
    assert kinds[0] == "scan" and kinds[-1] == "band", rare.steps
    assert _contiguous(rare.steps)
    assert rare.steps[-1][1] == Case.objects.order_by("id").values_list("id", flat=True).first()


@pg_only
def test_the_reader_keeps_what_it_learnt_across_rounds(filed: World) -> None:
    rare = _reader("光伏并网")
    first = rare.below(None, 1)
    assert rare.steps[-1][0] in ("scan", "band")
    rest = rare.below(first[-1], 4)
    assert first + rest == _like("光伏并网")


@pg_only
def test_pages_that_cross_bands_agree_with_like(filed: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every window past the first is a band, a few ids wide: pages of 1, 2 and 5 end inside bands and
    # between them, and the next page starts below the cursor, not below the band.
    monkeypatch.setattr(search, "_SCAN_SPAN_MAX", 2)
    monkeypatch.setattr(search, "_SPAN_GROWTH", 2)
    for word in ("专精特新", "台风过后"):
        like = _like(word)
        for size in (1, 2, 5):
            reader = _reader(word)
            out: list[int] = []
            below = None
            while True:
                ids = reader.below(below, size)
                out += ids
                if len(ids) < size:
                    break
                below = ids[-1]
            assert out == like, (word, size)
            assert sum(s[0] == "band" for s in reader.steps) > 2, reader.steps


@pg_only
def test_a_word_rarer_than_the_first_band_widens_the_bands_down_to_the_lowest_id(filed: World) -> None:
    reader = _reader("光伏并网", "band")
    assert reader.below(None, 3) == _like("光伏并网")  # the first band holds 6 ids; both cases are old
    widths = [hi - lo for _, lo, hi, _ in reader.steps]
    assert len(widths) > 1 and _contiguous(reader.steps)
    assert all(b <= search._SPAN_GROWTH * a for a, b in itertools.pairwise(widths[:-1]))
    assert reader.steps[-1][1] == reader.floor


@pg_only
@pytest.mark.parametrize("plan", PLANS)
def test_an_absent_word_reads_every_window_to_the_floor_and_finds_nothing(filed: World, plan: str) -> None:
    reader = _reader("不存在的词", plan)  # type: ignore[arg-type]
    assert reader.below(None, 26) == []
    assert _contiguous(reader.steps[1:]) and reader.steps[-1][1] == reader.floor
    assert reader.below(reader.floor, 26) == []


@pytest.mark.parametrize("plan", PLANS)
def test_a_cursor_at_the_floor_finds_nothing_and_one_above_it_finds_the_oldest_case(
    filed: World, plan: str
) -> None:
    oldest = Case.objects.order_by("id").first()
    assert oldest is not None and "专精特新" in oldest.description
    assert matching_ids("专精特新", below=oldest.pk, limit=5, plan=plan) == []  # type: ignore[arg-type]
    assert matching_ids("专精特新", below=oldest.pk + 1, limit=5, plan=plan) == [oldest.pk]  # type: ignore[arg-type]


@pg_only
def test_a_burst_without_the_word_widens_the_next_window_by_the_growth_factor_only(
    filed: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 20 newest cases of another kind: the first window (2 ids per wanted match) finds none of 专精特新, whose
    # density seen is then nil; the next window is four times the first, not one sized by that density (it
    # would reach the oldest case and read every match).
    for i in range(20):
        file_case(filed.commissioner, filed.huakang, f"环评审批{i}")
    reader = _reader("专精特新")
    assert reader.below(None, 3) == _like("专精特新")[:3]
    (_, lo0, hi0, found0), (_, lo1, hi1, _) = reader.steps[:2]
    assert found0 == 0 and hi1 == lo0
    assert hi1 - lo1 == search._SPAN_GROWTH * (hi0 - lo0)
    assert lo1 > reader.floor


@pg_only
def test_a_band_reads_the_index_by_the_rarest_lexeme_of_the_statistics(
    filed: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "_stats", None)
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {search.TABLE}")
        freqs = search._lexeme_frequencies(cur)
    assert freqs["码头"] > 0.5  # in three cases of four
    monkeypatch.setattr(search, "_lexeme_frequencies", lambda cur: {"光伏": 0.5, "伏并": 0.1, "并网": 0.3})
    reader = _reader("光伏并网", "band")
    assert reader.below(None, 26) == _like("光伏并网")
    assert reader.rarest == "'伏并'"
    # A lexeme the statistics do not list is rarer than every one they list.
    monkeypatch.setattr(search, "_lexeme_frequencies", lambda cur: {"光伏": 0.5, "并网": 0.3})
    reader = _reader("光伏并网", "band")
    assert reader.below(None, 26) == _like("光伏并网")
    assert reader.rarest == "'伏并'"


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
