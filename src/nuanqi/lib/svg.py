"""Server-rendered SVG charts. Pure Python, no Django, no JavaScript, no fonts from the network.

Chinese labels stay as <text> (searchable, selectable, crisp in print). Every value may carry a link, so a
bar or a point in a chart opens the list of cases behind it. All text is XML-escaped here: the output is
safe to mark as safe in a template.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

FONT = "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"
COLORS = ("#b4232a", "#1d4ed8", "#2e7d32", "#f9a825", "#6b21a8", "#0e7490")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    href: str = ""
    color: str = ""


def _num(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


def _link(inner: str, href: str) -> str:
    return f"<a href={quoteattr(href)}>{inner}</a>" if href else inner


def _text_width(text: str, size: float) -> float:
    """Rough width: CJK glyphs are square, Latin ones about half as wide."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.56 for ch in text)


def hbar(bars: Sequence[Bar], *, title: str = "", width: int = 460, unit: str = "") -> str:
    """Horizontal bars, one row per label, the value written at the end of each bar."""
    size = 13
    row = 24
    top = 26 if title else 6
    label_w = min(180.0, max([_text_width(b.label, size) for b in bars] + [40.0]) + 8)
    plot_w = width - label_w - 48
    height = top + row * max(1, len(bars)) + 6
    peak = max([b.value for b in bars] + [1.0])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label={quoteattr(title or "chart")} '
        f"font-family={quoteattr(FONT)}>"
    ]
    if title:
        parts.append(f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>')
    if not bars:
        parts.append(f'<text x="0" y="{top + 16}" font-size="{size}" fill="#65748b">暂无数据</text>')
    for i, b in enumerate(bars):
        y = top + i * row
        w = max(1.0, plot_w * b.value / peak) if b.value else 0
        color = b.color or COLORS[0]
        bar = (
            f'<text x="{label_w - 6:.0f}" y="{y + 16}" font-size="{size}" text-anchor="end">'
            f"{escape(b.label)}</text>"
            f'<rect x="{label_w:.0f}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" rx="2" '
            f'fill="{color}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 16}" font-size="{size}">'
            f"{_num(b.value)}{escape(unit)}</text>"
        )
        parts.append(f"<g>{_link(bar, b.href)}</g>")
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    hrefs: Sequence[str] = ()


def line(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str = "",
    width: int = 460,
    height: int = 220,
    percent: bool = False,
) -> str:
    """A line chart over `labels` (e.g. months); None values leave a gap. A legend names each series."""
    left, right, top, bottom = 40, 12, 28 if title else 10, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for s in series for v in s.values if v is not None]
    peak = 1.0 if percent else max([*values, 1.0])
    n = max(1, len(labels) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + plot_w * i / n, top + plot_h * (1 - v / peak)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label={quoteattr(title or "chart")} '
        f"font-family={quoteattr(FONT)}>"
    ]
    if title:
        parts.append(f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>')
    for k in range(5):
        y = top + plot_h * k / 4
        v = peak * (1 - k / 4)
        tick = f"{v * 100:.0f}%" if percent else _num(round(v, 1))
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e8ef"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end" '
            f'fill="#65748b">{tick}</text>'
        )
    step = max(1, len(labels) // 8)
    for i, lab in enumerate(labels):
        if i % step == 0 or i == len(labels) - 1:
            x, _y = xy(i, 0)
            parts.append(
                f'<text x="{x:.1f}" y="{height - bottom + 14}" font-size="10" text-anchor="middle" '
                f'fill="#65748b">{escape(lab)}</text>'
            )
    for si, s in enumerate(series):
        color = COLORS[si % len(COLORS)]
        path: list[str] = []
        for i, val in enumerate(s.values):
            if val is None:
                path.append("")
                continue
            x, y = xy(i, val)
            path.append(f"{x:.1f},{y:.1f}")
        segments = " ".join(p for p in path if p)
        if segments:
            parts.append(f'<polyline points="{segments}" fill="none" stroke="{color}" stroke-width="2"/>')
        for i, val in enumerate(s.values):
            if val is None:
                continue
            x, y = xy(i, val)
            label = f"{val * 100:.1f}%" if percent else _num(val)
            dot = (
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}">'
                f"<title>{escape(s.name)} {escape(labels[i])}: {label}</title></circle>"
            )
            parts.append(_link(dot, s.hrefs[i] if i < len(s.hrefs) else ""))
        lx = left + si * 120
        parts.append(
            f'<rect x="{lx}" y="{height - 14}" width="10" height="10" fill="{color}"/>'
            f'<text x="{lx + 14}" y="{height - 5}" font-size="11">{escape(s.name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
