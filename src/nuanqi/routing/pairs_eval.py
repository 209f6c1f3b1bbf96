"""The duplicate warning measured on a labelled pair set: recall over true duplicates and the share of
near-misses flagged, for the combined score and for character similarity alone (at its best threshold on
the same pairs, which favours it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .duplicates import WARN, signals, similarity

Pair = tuple[
    str, int | None, str, int | None, float, bool
]  # new, its predicted 小项, old, its 小项, gap, dup


def measure(pairs: Sequence[Pair], days: int = 90) -> dict[str, Any]:
    dups = [p for p in pairs if p[5]]
    nears = [p for p in pairs if not p[5]]

    def rates(flag: Callable[[Pair], bool]) -> dict[str, float]:
        recall = sum(flag(p) for p in dups) / max(len(dups), 1)
        flagged = sum(flag(p) for p in nears) / max(len(nears), 1)
        return {
            "recall": round(recall, 3),
            "near_miss_flagged": round(flagged, 3),
            "j": round(recall - flagged, 3),
        }

    def warned(p: Pair) -> bool:
        return signals(p[0], p[1], p[2], p[3], p[4]).score(days) >= WARN

    combined = rates(warned)
    best: dict[str, float] = {"j": -1.0}
    for t in sorted({round(similarity(p[0], p[2]), 3) for p in pairs}):

        def above(p: Pair, t: float = t) -> bool:
            return similarity(p[0], p[2]) >= t

        r = rates(above)
        if r["j"] > best["j"]:
            best = {**r, "threshold": t}
    return {
        "pairs": len(pairs),
        "duplicates": len(dups),
        "near_misses": len(nears),
        "combined": combined,
        "char_similarity_alone": best,
    }


def demo_pairs() -> list[Pair]:
    """The demo's frozen pairs, the new text's 小项 predicted by a model trained on the demo's ledger."""
    from nuanqi.demo.history import TEXTS
    from nuanqi.demo.history.pairs import PAIRS

    from . import train
    from .data import Sample

    names: dict[str, int] = {}

    def code(name: str) -> int:
        return names.setdefault(name, len(names) + 1)

    from datetime import datetime

    samples = [
        Sample(datetime(2023, 1, 1), f"{t}\n{c}", "", "", code(leaf), 0, code(unit))
        for leaf, unit, t, c in TEXTS
    ]
    fitted = train.Fitted(samples)
    by_title = {t: (f"{t}\n{c}", code(leaf)) for leaf, _u, t, c in TEXTS}
    new_texts = [f"{title}\n{content}" for _b, title, content, _g, _l in PAIRS]
    from . import features

    predicted = fitted.rankings([features.terms(t) for t in new_texts])["subcategory"]
    out: list[Pair] = []
    for (base, _title, _content, gap, label), new, ranking in zip(PAIRS, new_texts, predicted, strict=True):
        old_text, old_sub = by_title[base]
        out.append((new, ranking[0], old_text, old_sub, float(gap), label == "dup"))
    return out
