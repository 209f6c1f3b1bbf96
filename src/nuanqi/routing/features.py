"""A request's terms, the same for training (scikit-learn's analyzer) and for scoring (plain Python).

Character 1–3-grams of the Chinese runs catch what a word list misses (局名、证照名、错别字); jieba words
catch the longer terms whole; the company's industry (GB/T 4754 大类) and town add what the text leaves out;
character 1–3-grams of the whole text (punctuation, digits and Latin letters included, as scikit-learn's
`analyzer="char"` makes them) are a second view of it. Prefixes keep them apart in one list; the model's views
pick terms by prefix. Pure Python: no Django, no scikit-learn.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[0-9A-Za-z]+")
_SPACES = re.compile(r"\s\s+")
# Words that say nothing about the matter (every request asks for help with something).
STOP = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "我们",
        "我司",
        "公司",
        "企业",
        "请",
        "请问",
        "能",
        "能否",
        "能不能",
        "可以",
        "可不可以",
        "一下",
        "一个",
        "这个",
        "那个",
        "什么",
        "怎么",
        "怎么办",
        "还",
        "也",
        "就",
        "都",
        "和",
        "与",
        "及",
        "或",
        "有",
        "没有",
        "要",
        "需要",
        "希望",
        "帮忙",
        "协调",
        "问题",
        "情况",
        "事情",
        "现在",
        "已经",
        "一直",
        "到",
        "从",
        "把",
        "被",
        "给",
        "让",
        "吗",
        "呢",
        "吧",
        "啊",
    ]
)


@lru_cache(maxsize=1)
def _jieba() -> object:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def words(text: str) -> list[str]:
    """jieba's words of the text (CJK of two or more characters, Latin/digit words), stop words dropped."""
    out: list[str] = []
    for w in _jieba().cut(normalize(text), HMM=False):  # type: ignore[attr-defined]
        w = w.strip()
        if not w or w in STOP:
            continue
        if (_CJK.fullmatch(w) and len(w) >= 2) or _WORD.fullmatch(w):
            out.append(w)
    return out


def char_grams(text: str, n_max: int = 3) -> list[str]:
    out: list[str] = []
    for run in _CJK.findall(normalize(text)):
        for n in range(1, n_max + 1):
            out.extend(run[i : i + n] for i in range(len(run) - n + 1))
    return out


def text_grams(text: str, n_max: int = 3) -> list[str]:
    """Character 1…n_max-grams of the whole normalised text, runs of white space made one space first —
    the n-grams scikit-learn's `TfidfVectorizer(analyzer="char")` takes of the same text."""
    t = _SPACES.sub(" ", normalize(text))
    return [t[i : i + n] for n in range(1, n_max + 1) for i in range(len(t) - n + 1)]


def terms(text: str, industry: str = "", town: str = "") -> list[str]:
    """Every term of a request: `c:` character n-grams of the Chinese runs, `w:` words, `i:` industry,
    `t:` town, `x:` character n-grams of the whole text."""
    out = [f"c:{g}" for g in char_grams(text)]
    out.extend(f"w:{w}" for w in words(text))
    if industry:
        out.append(f"i:{industry[:3]}")
    if town:
        out.append(f"t:{town}")
    out.extend(f"x:{g}" for g in text_grams(text))
    return out


def shown(term: str) -> str:
    """A term as a reason shown to a person (the text it stands for)."""
    return term.split(":", 1)[1] if ":" in term else term
