"""Scoring from the exported model file in plain Python: what the web workers run.

The file (`$NUANQI_HOME/routing/model.json`, written by `train.export`) holds the vocabulary, the idf of each
term, and per target (小项, lead unit) the classes, intercepts and a float32 weight matrix (terms × classes).
A request's vector is scikit-learn's TF-IDF rebuilt here (sublinear tf × idf, l2-normalised), its scores the
softmax of the linear model's margins (the same margins `decision_function` gives), without importing
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

FORMAT = 1


@dataclass
class Target:
    classes: list[int]
    intercept: list[float]
    weights: array  # float32, row-major: term index × class

    def scores(self, vector: dict[int, float]) -> list[float]:
        n = len(self.classes)
        out = list(self.intercept)
        w = self.weights
        for idx, value in vector.items():
            base = idx * n
            for c in range(n):
                out[c] += w[base + c] * value
        return out


@dataclass
class Model:
    vocab: dict[str, int]
    terms: list[str]
    idf: array
    targets: dict[str, Target]
    meta: dict[str, Any]

    def vector(self, terms: list[str]) -> dict[int, float]:
        counts: dict[int, int] = {}
        for t in terms:
            idx = self.vocab.get(t)
            if idx is not None:
                counts[idx] = counts.get(idx, 0) + 1
        vec = {i: (1.0 + math.log(n)) * self.idf[i] for i, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        return {i: v / norm for i, v in vec.items()} if norm else {}

    def rank(self, target: str, vector: dict[int, float], k: int = 3) -> list[tuple[int, float, list[str]]]:
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
            weighed = sorted(((t.weights[i * n + c] * v, i) for i, v in vector.items()), key=lambda x: -x[0])
            out_reasons = _reasons([self.terms[i] for w, i in weighed if w > 0][:40])
            out.append((t.classes[c], exp[c] / total, out_reasons))
        return out


def _reasons(terms: list[str], k: int = 3) -> list[str]:
    """The words that weighed most, as a person reads them: whole words first, then the character runs
    that are not part of one already given; the company's industry and town by name."""
    out: list[str] = []
    for prefix in ("w:", "c:", "t:", "i:"):
        for term in terms:
            if not term.startswith(prefix) or len(out) >= k:
                continue
            word = features.shown(term)
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
    idf = array("f")
    idf.frombytes(base64.b64decode(data["idf"]))
    targets = {}
    for name, t in data["targets"].items():
        w = array("f")
        w.frombytes(base64.b64decode(t["weights"]))
        targets[name] = Target(list(t["classes"]), list(t["intercept"]), w)
    terms = list(data["vocab"])
    return Model({term: i for i, term in enumerate(terms)}, terms, idf, targets, dict(data.get("meta", {})))


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
