"""Scoring from the exported model file in plain Python: what the web workers run.

The file (`$NUANQI_HOME/routing/model.json`, written by `train.export`) holds, per view of the terms (a set of
term prefixes), the vocabulary and the idf of each term, and per target (小项, lead unit) the classes,
intercepts, the views it uses and a float32 weight matrix per view (terms × classes). A request's vector is
scikit-learn's TF-IDF rebuilt here, one block a view (sublinear tf × idf, l2-normalised apart), its scores
the softmax of the linear model's margins (the same margins `decision_function` gives), without importing
scikit-learn or SciPy (about 100 MB per worker). The file is re-read when a retrain replaces it (its mtime
changes).
"""

from __future__ import annotations

import base64
import json
import math
import os
import threading
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import features

FORMAT = 2

Vector = dict[str, dict[int, float]]  # view → {term index in the view: value}


@dataclass
class View:
    prefixes: tuple[str, ...]
    vocab: dict[str, int]
    terms: list[str]
    idf: array

    def vector(self, terms: list[str]) -> dict[int, float]:
        counts: dict[int, int] = {}
        for t in terms:
            idx = self.vocab.get(t) if t.startswith(self.prefixes) else None
            if idx is not None:
                counts[idx] = counts.get(idx, 0) + 1
        vec = {i: (1.0 + math.log(n)) * self.idf[i] for i, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        return {i: v / norm for i, v in vec.items()} if norm else {}


@dataclass
class Target:
    classes: list[int]
    intercept: list[float]
    weights: dict[str, array]  # per view: float32, row-major, term index × class

    def scores(self, vector: Vector) -> list[float]:
        n = len(self.classes)
        out = list(self.intercept)
        for view, w in self.weights.items():
            for idx, value in vector.get(view, {}).items():
                base = idx * n
                for c in range(n):
                    out[c] += w[base + c] * value
        return out


@dataclass
class Model:
    views: dict[str, View]
    targets: dict[str, Target]
    meta: dict[str, Any]

    def vector(self, terms: list[str]) -> Vector:
        """Per view, the request's TF-IDF entries; empty when no term is known."""
        out = {name: view.vector(terms) for name, view in self.views.items()}
        return {name: vec for name, vec in out.items() if vec}

    def rank(self, target: str, vector: Vector, k: int = 3) -> list[tuple[int, float, list[str]]]:
        """The top k classes with their probability and the terms that weighed most for each."""
        t = self.targets[target]
        sharp = float(self.meta.get("sharpness", 1.0))
        raw = [sharp * s for s in t.scores(vector)]
        top = max(raw)
        exp = [math.exp(s - top) for s in raw]
        total = sum(exp)
        order = sorted(range(len(raw)), key=lambda c: -raw[c])[:k]
        n = len(t.classes)
        out = []
        for c in order:
            weighed = sorted(
                (
                    (w[i * n + c] * v, self.views[view].terms[i])
                    for view, w in t.weights.items()
                    for i, v in vector.get(view, {}).items()
                ),
                key=lambda x: -x[0],
            )
            out_reasons = _reasons([term for w, term in weighed if w > 0][:40])
            out.append((t.classes[c], exp[c] / total, out_reasons))
        return out


def _reasons(terms: list[str], k: int = 3) -> list[str]:
    """The words that weighed most, as a person reads them: whole words first, then the character runs
    that are not part of one already given; the company's industry and town by name."""
    out: list[str] = []
    for prefix in ("w:", "c:", "x:", "t:", "i:"):
        for term in terms:
            if not term.startswith(prefix) or len(out) >= k:
                continue
            word = features.shown(term)
            if prefix == "x:" and not word.isalnum():  # a whole-text n-gram across a space or a comma
                continue
            if prefix == "i:":
                word = f"行业 {word}"
            if len(word) >= 2 and not any(word in r or r in word for r in out):
                out.append(word)
    return out


def model_path(home: str | Path) -> Path:
    return Path(home) / "routing" / "model.json"


def parse(data: dict[str, Any]) -> Model:
    if data.get("format") != FORMAT:
        raise ValueError("unknown routing model format")
    views = {}
    for name, v in data["views"].items():
        idf = array("f")
        idf.frombytes(base64.b64decode(v["idf"]))
        terms = list(v["vocab"])
        views[name] = View(tuple(v["prefixes"]), {term: i for i, term in enumerate(terms)}, terms, idf)
    targets = {}
    for name, t in data["targets"].items():
        weights = {}
        for view in t["views"]:
            w = array("f")
            w.frombytes(base64.b64decode(t["weights"][view]))
            weights[view] = w
        targets[name] = Target(list(t["classes"]), list(t["intercept"]), weights)
    return Model(views, targets, dict(data.get("meta", {})))


_lock = threading.Lock()
_cache: dict[str, tuple[float, Model]] = {}


def load(path: Path) -> Model | None:
    """The model in `path`, read again only when the file changed; None when there is none (or it is
    unreadable: the caller falls back to the keyword rules)."""
    try:
        mtime = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        return None
    key = str(path)
    cached = _cache.get(key)
    if cached and cached[0] == mtime:
        return cached[1]
    with _lock:
        try:
            model = parse(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError):
            return None
        _cache[key] = (mtime, model)
    return model
