"""Server-rendered SVG charts. Pure Python, no Django, no JavaScript, no fonts from the network.

Each chart is a <figure>: a caption, the picture (an SVG marked role="img" with a name that says what
it shows), and the same numbers as a table under a <details> (shown on demand, read by screen readers). Links
live in the table, never inside the picture (interactive content inside an image is hidden from assistive
technology). Chinese labels stay as <text>. Count axes tick at whole numbers.

Sizes are for phones first: the picture is drawn at PHONE_WIDTH user units and never scaled up, and no text is
smaller than MIN_FONT units, so at a 390 px phone (about 340 px of card) text renders at 12 px or more.

All text is XML-escaped here: the output is safe to mark as safe in a template.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape as _html_escape
from xml.sax.saxutils import escape, quoteattr

FONT = "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"
# Each checked at 3:1 or more against white (WCAG 1.4.11, graphical objects).
COLORS = ("#b4232a", "#1d4ed8", "#2e7d32", "#b45309", "#6b21a8", "#0e7490")
PHONE_WIDTH = 340
MIN_FONT = 13
INK = "#1f2933"
MUTED = "#556070"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    href: str = ""
    color: str = ""


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    hrefs: Sequence[str] = ()


@dataclass(frozen=True)
class Words:
    """The figure's own words (the caller translates them; this module has no Django)."""

    table: str = "数据表"
    label: str = "项目"
    value: str = "数值"
    empty: str = "暂无数据"
    picture: str = "图表，数据见下方数据表"


def _num(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


def _text_width(text: str, size: float) -> float:
    """Rough width: CJK glyphs are square, Latin ones about half as wide."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.56 for ch in text)


def _fit(text: str, size: float, room: float) -> str:
    """`text`, cut with an ellipsis to fit `room` (the table beside the picture keeps the full label)."""
    if _text_width(text, size) <= room:
        return text
    while text and _text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


def nice_ticks(peak: float, count: int = 4) -> list[int]:
    """Whole-number ticks from 0 to at least `peak`: steps of 1, 2 or 5 × 10^k, about `count` of them."""
    if peak <= 0:
        return [0, 1]
    raw = max(1.0, peak / count)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    top = step * math.ceil(peak / step)
    return [int(v) for v in range(0, int(top) + 1, int(step))]


def _svg_open(width: int, height: int, name: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label={quoteattr(name)} font-family={quoteattr(FONT)} '
        f'font-size="{MIN_FONT}" fill="{INK}">'
    )


def _cell(text: str, href: str) -> str:
    text = _html_escape(text)
    return f'<a href="{_html_escape(href)}">{text}</a>' if href else text


def _figure(
    title: str, picture: str, head: Sequence[str], rows: Sequence[Sequence[str]], words: Words
) -> str:
    """The figure around a picture: caption, picture, and the data table (cells already HTML)."""
    caption = f"<figcaption>{_html_escape(title)}</figcaption>" if title else ""
    th = "".join(f'<th scope="col">{_html_escape(h)}</th>' for h in head)
    body = "".join(
        "<tr>" + f'<th scope="row">{r[0]}</th>' + "".join(f"<td>{c}</td>" for c in r[1:]) + "</tr>"
        for r in rows
    )
    if not rows:
        body = f'<tr><td colspan="{len(head)}">{_html_escape(words.empty)}</td></tr>'
    table = (
        f"<details><summary>{_html_escape(words.table)}</summary>"
        f'<table class="kpi chart-data"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></details>'
    )
    return f'<figure class="chart">{caption}{picture}{table}</figure>'


def hbar(
    bars: Sequence[Bar], *, title: str = "", width: int = PHONE_WIDTH, unit: str = "", words: Words = Words()
) -> str:
    """Horizontal bars, one row per label, the value at the end of each bar; a figure with its table."""
    size = MIN_FONT
    row = 26
    top = 6
    label_w = min(width * 0.42, max([_text_width(b.label, size) for b in bars] + [40.0]) + 8)
    value_w = max([_text_width(_num(b.value) + unit, size) for b in bars] + [size]) + 6
    plot_w = width - label_w - value_w
    height = top + row * max(1, len(bars)) + 6
    peak = max([b.value for b in bars] + [1.0])
    parts = [_svg_open(width, height, f"{title}（{words.picture}）" if title else words.picture)]
    if not bars:
        parts.append(f'<text x="0" y="{top + 16}" fill="{MUTED}">{escape(words.empty)}</text>')
    for i, b in enumerate(bars):
        y = top + i * row
        w = max(1.0, plot_w * b.value / peak) if b.value else 0
        parts.append(
            f'<text x="{label_w - 6:.0f}" y="{y + 17}" text-anchor="end">'
            f"{escape(_fit(b.label, size, label_w - 8))}</text>"
            f'<rect x="{label_w:.0f}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" rx="2" '
            f'fill="{b.color or COLORS[0]}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 17}">{_num(b.value)}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    rows = [[_cell(b.label, b.href), _html_escape(_num(b.value) + unit)] for b in bars]
    return _figure(
        title, "".join(parts), [words.label, words.value + (f"（{unit}）" if unit else "")], rows, words
    )


def line(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str = "",
    width: int = PHONE_WIDTH,
    height: int = 220,
    percent: bool = False,
    words: Words = Words(),
) -> str:
    """A line chart over `labels` (e.g. months); None values leave a gap. A legend names each series; the
    table has a row per label and a column per series (links from the series' hrefs)."""
    size = MIN_FONT
    values = [v for s in series for v in s.values if v is not None]
    if percent:
        ticks: list[float] = [0, 0.25, 0.5, 0.75, 1.0]
    else:
        ticks = [float(t) for t in nice_ticks(max([*values, 0.0]))]
    tick_text = [f"{t * 100:.0f}%" if percent else _num(t) for t in ticks]
    left = int(max(_text_width(t, size) for t in tick_text)) + 8
    right, top, bottom = 10, 10, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = ticks[-1] or 1.0
    n = max(1, len(labels) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + plot_w * i / n, top + plot_h * (1 - v / peak)

    parts = [_svg_open(width, height, f"{title}（{words.picture}）" if title else words.picture)]
    for t, text in zip(ticks, tick_text, strict=True):
        y = top + plot_h * (1 - t / peak)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e8ef"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{text}</text>'
        )
    # As many x labels as fit side by side, always the last one.
    widest = max([_text_width(lab, size) for lab in labels] + [1.0]) + 8
    step = max(1, math.ceil(len(labels) / max(1, int(plot_w // widest))))
    for i, lab in enumerate(labels):
        if (len(labels) - 1 - i) % step == 0:
            x, _y = xy(i, 0)
            parts.append(
                f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle" fill="{MUTED}">'
                f"{escape(lab)}</text>"
            )
    for si, s in enumerate(series):
        color = COLORS[si % len(COLORS)]
        points = [f"{xy(i, v)[0]:.1f},{xy(i, v)[1]:.1f}" for i, v in enumerate(s.values) if v is not None]
        if points:
            parts.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="{color}" stroke-width="2"/>'
            )
        for i, val in enumerate(s.values):
            if val is not None:
                x, y = xy(i, val)
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"/>')
        lx = left + si * 110
        parts.append(
            f'<rect x="{lx}" y="{height - 17}" width="12" height="12" fill="{color}"/>'
            f'<text x="{lx + 16}" y="{height - 6}">{escape(s.name)}</text>'
        )
    parts.append("</svg>")

    def cell(s: Series, i: int) -> str:
        v = s.values[i] if i < len(s.values) else None
        if v is None:
            return "—"
        return _cell(f"{v * 100:.1f}%" if percent else _num(v), s.hrefs[i] if i < len(s.hrefs) else "")

    rows = [[_html_escape(lab), *(cell(s, i) for s in series)] for i, lab in enumerate(labels)]
    return _figure(title, "".join(parts), [words.label, *(s.name for s in series)], rows, words)
