"""Charts as figures: a named picture with nothing to follow inside it, the numbers as a table with the links,
whole-number ticks on count axes, and text sized for a phone."""

from __future__ import annotations

import itertools
import re

from hypothesis import given
from hypothesis import strategies as st

from nuanqi.lib import svg


def _picture(html: str) -> str:
    return html[html.index("<svg") : html.index("</svg>")]


def test_a_bar_chart_is_a_figure_whose_links_live_in_its_table_not_in_the_picture():
    html = svg.hbar([svg.Bar("区住建局", 3, "/cases/?unit=1"), svg.Bar("<script>", 1)], title="超期事项")
    assert html.startswith('<figure class="chart"><figcaption>超期事项</figcaption>')
    picture = _picture(html)
    assert 'role="img"' in picture and 'aria-label="超期事项（' in picture
    assert "<a " not in picture
    assert '<th scope="row"><a href="/cases/?unit=1">区住建局</a></th><td>3</td>' in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_line_chart_has_a_row_per_label_and_a_column_per_series_with_its_links():
    html = svg.line(
        ["26-10", "26-11"],
        [svg.Series("受理", [15, 61], ["/a", "/b"]), svg.Series("办结", [None, 30])],
        title="趋势",
        words=svg.Words(label="月份"),
    )
    assert '<th scope="col">月份</th><th scope="col">受理</th><th scope="col">办结</th>' in html
    assert '<tr><th scope="row">26-11</th><td><a href="/b">61</a></td><td>30</td></tr>' in html
    assert '<tr><th scope="row">26-10</th><td><a href="/a">15</a></td><td>—</td></tr>' in html
    assert "<a " not in _picture(html)


def test_count_axes_tick_at_whole_numbers_that_cover_the_peak():
    html = svg.line(["a", "b", "c"], [svg.Series("受理", [15, 30, 61])])
    ticks = re.findall(r'text-anchor="end" fill="#556070">([^<]+)<', html)
    assert ticks == ["0", "20", "40", "60", "80"]


@given(st.floats(min_value=0, max_value=1e7, allow_nan=False))
def test_nice_ticks_are_whole_evenly_spaced_and_reach_the_peak(peak):
    ticks = svg.nice_ticks(peak)
    assert ticks[0] == 0 and ticks[-1] >= peak
    steps = {b - a for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1 and all(isinstance(t, int) for t in ticks)
    assert len(ticks) <= 6


def test_no_chart_text_is_smaller_than_the_phone_minimum_and_long_labels_are_cut_to_fit():
    html = svg.hbar([svg.Bar("舟山市自然资源和规划局定海分局不动产登记中心", 4)], title="单位")
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', _picture(html))]
    assert sizes and min(sizes) >= svg.MIN_FONT
    assert "…" in _picture(html)
    assert "舟山市自然资源和规划局定海分局不动产登记中心</th>" in html  # the table keeps the whole name
