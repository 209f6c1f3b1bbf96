"""Chinese text for full-text search: what goes into the index and how a query is read. Pure Python.

The index holds the character bigrams of every run of Chinese characters, and lower-cased Latin/digit words.
A query word of two or more characters becomes the phrase of its bigrams, so it matches exactly the texts
in which it occurs as a substring: the same rows a plain ``LIKE '%word%'`` finds (recall 1.0), found through
an index. jieba splits a query typed without spaces into words (“华康环评问题” → 华康, 环评, 问题), which are
then all required, in any order; a single-character word stays glued to its neighbours.
"""

from __future__ import annotations

import logging
import operator
import re
from functools import lru_cache

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[0-9A-Za-z]+")


def index_terms(text: str) -> str:
    """The space-separated terms stored for a text: CJK bigrams (a lone character stays) and words."""
    out: list[str] = []
    for run in _CJK.findall(text):
        if len(run) == 1:
            out.append(run)
        else:
            out += map(operator.add, run, run[1:])  # its bigrams: run[i] + run[i + 1]
    out += map(str.lower, _WORD.findall(text))
    return " ".join(out)


@lru_cache(maxsize=1)
def _jieba() -> object:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def warm() -> None:
    """Load jieba's dictionary now (a server's master does, before it forks its workers)."""
    _jieba()


def _split(run: str) -> list[str]:
    """jieba's words of one CJK run, single characters merged into the preceding (or next) word."""
    words = [w for w in _jieba().cut(run, HMM=False) if w.strip()]  # type: ignore[attr-defined]
    merged: list[str] = []
    for w in words:
        if (len(w) == 1 and merged) or (merged and len(merged[-1]) == 1):
            merged[-1] += w
        else:
            merged.append(w)
    return merged


def query_phrases(query: str, segment: bool = True) -> list[list[str]]:
    """The query as phrases of index terms; a text matches when it contains every phrase.

    A phrase is a list of consecutive terms (the bigrams of one word). Empty when the query holds nothing
    searchable. Single-character words keep a one-term phrase that only matches lone characters, so
    callers treat a query whose phrases are all shorter than two characters as a substring scan.
    """
    phrases: list[list[str]] = []
    for chunk in query.split():
        for run in _CJK.findall(chunk):
            words = _split(run) if segment and len(run) > 2 else [run]
            for w in words:
                terms = index_terms(w).split()
                if terms:
                    phrases.append(terms)
        phrases.extend([w.lower()] for w in _WORD.findall(chunk))
    return phrases


def is_short(query: str) -> bool:
    """True when the query has no CJK run of two or more characters and no Latin word (no bigram to use)."""
    return not any(len(r) >= 2 for r in _CJK.findall(query)) and not _WORD.search(query)


def tsvector_literal(terms: str) -> str:
    """A PostgreSQL tsvector literal with positions for the terms (needed by phrase queries), built here
    so that it does not depend on the database's text-search parser or locale."""
    positions: dict[str, list[int]] = {}
    for pos, term in enumerate(terms.split(), start=1):
        if pos > 16383:  # PostgreSQL's largest position
            break
        positions.setdefault(term, []).append(pos)
    return " ".join(f"'{t}':{','.join(map(str, p[:256]))}" for t, p in positions.items())


def tsquery_literal(phrases: list[list[str]]) -> str:
    """Every phrase required: 'ab' <-> 'bc' & 'cd'."""
    return " & ".join("(" + " <-> ".join(f"'{t}'" for t in phrase) + ")" for phrase in phrases)


def fts5_query(phrases: list[list[str]]) -> str:
    """The same for SQLite FTS5: "ab bc" AND "cd"."""
    return " AND ".join('"' + " ".join(phrase) + '"' for phrase in phrases)
