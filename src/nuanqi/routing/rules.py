"""The keyword rules (权责清单 words → unit, and 小项): the suggestion while there is no usable model."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from . import features
from .models import KeywordRule


def suggest(text: str, k: int = 3) -> dict[str, list[tuple[int, float, list[str]]]]:
    """Units and 小项 whose rule words occur in the text, by how many occur; (id, share, the words)."""
    text = features.normalize(text)
    units: dict[int, list[str]] = defaultdict(list)
    subs: dict[int, list[str]] = defaultdict(list)
    for rule in KeywordRule.objects.filter(active=True).only("unit_id", "category_id", "words"):
        hits = [w for w in rule.word_list() if features.normalize(w) in text]
        if not hits:
            continue
        units[rule.unit_id].extend(hits)
        if rule.category_id:
            subs[rule.category_id].extend(hits)
    return {"lead_unit": _ranked(units, k), "subcategory": _ranked(subs, k)}


def _ranked(found: dict[int, list[str]], k: int) -> list[tuple[int, float, list[str]]]:
    total = sum(len(set(w)) for w in found.values())
    order = sorted(found.items(), key=lambda kv: (-len(set(kv[1])), kv[0]))[:k]
    return [(key, len(set(words)) / total, list(dict.fromkeys(words))[:3]) for key, words in order]


def describe() -> Any:
    return KeywordRule.objects.filter(active=True).count()
