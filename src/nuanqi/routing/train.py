"""Training and evaluation with scikit-learn — imported by the command line and the worker only.

The model: TF-IDF (sublinear tf, l2) over views of the request's terms (`features.terms`, picked by prefix):
`terms` — character 1–3-grams of the Chinese runs, jieba words, the company's industry and town; `cjk` —
those character n-grams alone; `chars` — character 1–3-grams of the whole text. Each view is its own TF-IDF
block (normalised apart); per target (小项; lead unit) a linear SVM over the blocks of one of CANDIDATES, its
margins turned into scores by a softmax. Which candidate, each target's own, is chosen on the training cases
only: time-blocked inner cross-validation over the newest SELECT_MAX of them (`choose`). The 大类's scores are
the sums of its 小项's. Exported for the plain-Python scorer as each view's vocabulary and idf and float32
coefficients.

`evaluate` measures it on time-ordered data, never letting a test case into training (nor into the choice of
views, which is made inside each training part): a holdout (train on the older 80 %, test on the newest 20 %)
and time-blocked 5-fold cross-validation (the cases in ten blocks of time; fold i trains on blocks 0 … 4+i and
tests on block 5+i), beside two baselines on the same folds — the most frequent class, and character TF-IDF
with a linear SVM.
"""

from __future__ import annotations

import base64
import json
import os
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from . import features, scorer
from .data import Sample

TARGETS = ("subcategory", "lead_unit")
REPORTED = ("subcategory", "category", "lead_unit")
MAX_FEATURES = 60_000
C = 1.0
# Scores are the softmax of the SVM's margins times SHARPNESS (a margin of 1 against 0 ≈ 0.95 against 0.05).
# Tried on the demo history and not kept (no better on the folds): logistic regression (as good, twenty
# times slower), NB-SVM, a lead unit mixed with what the 小项 implies, title terms counted twice, 4-grams.
SHARPNESS = 3.0
# Views of the terms, by prefix (features.terms), and the sets of views a target may use. The first candidate
# wins ties, and is used when there are too few cases to choose.
VIEWS: dict[str, tuple[str, ...]] = {"terms": ("c:", "w:", "i:", "t:"), "cjk": ("c:",), "chars": ("x:",)}
CANDIDATES: tuple[tuple[str, ...], ...] = (("terms",), ("chars",), ("terms", "chars"), ("cjk", "chars"))
INNER_FOLDS = 4
SELECT_MIN = 40  # fewer training cases: no choice, the first candidate
SELECT_MAX = 3000  # the choice is made on the newest SELECT_MAX training cases (its cost stays bounded)


def _identity(terms: list[str]) -> list[str]:
    return terms


def _vectorizer(min_df: int = 1) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer=_identity, sublinear_tf=True, min_df=min_df, max_features=MAX_FEATURES, dtype=np.float32
    )


def _classifier() -> LinearSVC:
    # liblinear shuffles: a fixed seed, so a frozen history gives fixed figures
    return LinearSVC(C=C, random_state=0)


def softmax(margins: Any) -> Any:
    z = SHARPNESS * np.atleast_2d(margins)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _margins(model: Any, x: Any) -> Any:
    if isinstance(model, _Constant):
        return np.zeros((x.shape[0], 1))
    m = model.decision_function(x)
    return np.vstack([-m, m]).T if m.ndim == 1 else m


def _labels(samples: Sequence[Sample], target: str) -> list[int]:
    return [getattr(s, target) for s in samples]


def _view_docs(docs: Sequence[list[str]], view: str) -> list[list[str]]:
    prefixes = VIEWS[view]
    return [[t for t in d if t.startswith(prefixes)] for d in docs]


def _blocks(
    train_docs: Sequence[list[str]], test_docs: Sequence[list[str]], views: Sequence[str], min_df: int = 1
) -> tuple[Any, Any]:
    """The training and test matrices over `views`: one TF-IDF block a view, fitted on the training docs."""
    train_parts, test_parts = [], []
    for view in views:
        vec = _vectorizer(min_df)
        train_parts.append(vec.fit_transform(_view_docs(train_docs, view)))
        test_parts.append(vec.transform(_view_docs(test_docs, view)))
    return sp.hstack(train_parts).tocsr(), sp.hstack(test_parts).tocsr()


def choose(docs: Sequence[list[str]], labels: Sequence[int], k: int = INNER_FOLDS) -> tuple[str, ...]:
    """The candidate views with the most top-1 hits over time-blocked inner folds of these (training) docs,
    oldest first; the first candidate on a tie or with fewer than SELECT_MIN docs."""
    docs, labels = list(docs)[-SELECT_MAX:], list(labels)[-SELECT_MAX:]
    if len(docs) < SELECT_MIN or len(set(labels)) < 2:
        return CANDIDATES[0]
    hits = dict.fromkeys(CANDIDATES, 0)
    for tr, te in blocked_folds(len(docs), k):
        y = [labels[i] for i in tr]
        if len(set(y)) < 2:
            continue
        truth = np.array([labels[i] for i in te])
        for views in CANDIDATES:
            x_train, x_test = _blocks([docs[i] for i in tr], [docs[i] for i in te], views)
            hits[views] += int((_classifier().fit(x_train, y).predict(x_test) == truth).sum())
    return max(CANDIDATES, key=lambda views: hits[views])  # max keeps the first of equals


class Fitted:
    """Per target, the chosen views' vectorizers and a classifier, fitted on `samples`."""

    def __init__(self, samples: Sequence[Sample], docs: Sequence[list[str]] | None = None) -> None:
        docs = docs if docs is not None else [s.terms() for s in samples]
        min_df = 2 if len(samples) >= 2000 else 1
        self.parents = {s.subcategory: s.category for s in samples}
        self.views: dict[str, tuple[str, ...]] = {}
        self.vectorizers: dict[str, TfidfVectorizer] = {}
        blocks: dict[str, Any] = {}
        self.models: dict[str, Any] = {}
        for target in TARGETS:
            y = _labels(samples, target)
            self.views[target] = choose(docs, y)
            for view in self.views[target]:
                if view not in self.vectorizers:
                    self.vectorizers[view] = _vectorizer(min_df)
                    blocks[view] = self.vectorizers[view].fit_transform(_view_docs(docs, view))
            if len(set(y)) < 2:
                self.models[target] = _Constant(y[0])
            else:
                x = sp.hstack([blocks[v] for v in self.views[target]]).tocsr()
                self.models[target] = _classifier().fit(x, y)

    def _x(self, docs: Sequence[list[str]], target: str) -> Any:
        views = self.views[target]
        return sp.hstack([self.vectorizers[v].transform(_view_docs(docs, v)) for v in views]).tocsr()

    def margins(self, docs: Sequence[list[str]], target: str) -> Any:
        """Documents × classes: the linear scores the exported file reproduces."""
        return _margins(self.models[target], self._x(docs, target))

    def rankings(self, docs: Sequence[list[str]]) -> dict[str, list[list[int]]]:
        """For each test document, every class of each reported target, best first."""
        out: dict[str, list[list[int]]] = {}
        sub = self.models["subcategory"]
        probs = softmax(self.margins(docs, "subcategory"))
        out["subcategory"] = [[int(sub.classes_[i]) for i in np.argsort(-p)] for p in probs]
        cats: list[list[int]] = []
        for p in probs:
            by_parent: dict[int, float] = defaultdict(float)
            for i, c in enumerate(sub.classes_):
                by_parent[self.parents[int(c)]] += float(p[i])
            cats.append(sorted(by_parent, key=lambda k: -by_parent[k]))
        out["category"] = cats
        unit = self.models["lead_unit"]
        units = [int(u) for u in unit.classes_]
        out["lead_unit"] = [[units[i] for i in np.argsort(-m)] for m in self.margins(docs, "lead_unit")]
        return out


class _Constant:
    def __init__(self, value: int) -> None:
        self.classes_ = np.array([value])
        self.coef_ = np.zeros((1, 0))
        self.intercept_ = np.zeros(1)


# ---------------------------------------------------------------- export


def _b64(values: Any) -> str:
    return base64.b64encode(np.ascontiguousarray(values, dtype="<f4").tobytes()).decode()


def export(
    fitted: Fitted, path: Path, *, cases: int, seconds: float, names: dict[str, dict[int, str]] | None = None
) -> dict[str, Any]:
    """Write the scorer's file atomically (a worker reading it sees the old file or the new one)."""
    views: dict[str, Any] = {}
    for view, vec in fitted.vectorizers.items():
        vocab = [""] * len(vec.vocabulary_)
        for term, idx in vec.vocabulary_.items():
            vocab[idx] = term
        views[view] = {"prefixes": list(VIEWS[view]), "vocab": vocab, "idf": _b64(vec.idf_)}
    targets: dict[str, Any] = {}
    for target in TARGETS:
        model = fitted.models[target]
        used = fitted.views[target]
        n_features = sum(len(views[v]["vocab"]) for v in used)
        classes = [int(c) for c in model.classes_]
        coef = np.asarray(model.coef_, dtype=np.float64)
        intercept = np.asarray(model.intercept_, dtype=np.float64)
        if len(classes) == 2:  # a binary model keeps one row; its margins are (-d, d), as in _margins
            coef = np.vstack([-coef[0], coef[0]])
            intercept = np.array([-intercept[0], intercept[0]])
        elif len(classes) == 1:
            coef = np.zeros((1, n_features))
        weights, start = {}, 0
        for v in used:  # the blocks in the order they were stacked
            stop = start + len(views[v]["vocab"])
            weights[v] = _b64(coef[:, start:stop].T)  # terms × classes
            start = stop
        targets[target] = {
            "classes": classes,
            "intercept": [float(v) for v in intercept],
            "views": list(used),
            "weights": weights,
        }
    meta = {
        "trained_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "cases": cases,
        "seconds": round(seconds, 2),
        "features": sum(len(v["vocab"]) for v in views.values()),
        "views": {t: list(fitted.views[t]) for t in TARGETS},
        "parents": {str(k): v for k, v in fitted.parents.items()},
        "sharpness": SHARPNESS,
        # Each class's name when trained: a class whose id now names something else is not suggested.
        "names": {t: {str(k): v for k, v in (names or {}).get(t, {}).items()} for t in TARGETS},
    }
    data = {
        "format": scorer.FORMAT,
        "views": views,
        "targets": targets,
        "meta": meta,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
    os.replace(tmp, path)
    return meta


def train(
    samples: Sequence[Sample], path: Path, names: dict[str, dict[int, str]] | None = None
) -> dict[str, Any]:
    start = time.perf_counter()
    fitted = Fitted(samples)
    return export(fitted, path, cases=len(samples), seconds=time.perf_counter() - start, names=names)


# ---------------------------------------------------------------- evaluate


def blocked_folds(n: int, k: int = 5) -> list[tuple[range, range]]:
    """Time-blocked folds over n samples sorted oldest first: 2k blocks; fold i trains on blocks 0 … k-1+i
    and tests on block k+i — training is always older than the test, and never contains it."""
    edges = [round(n * j / (2 * k)) for j in range(2 * k + 1)]
    return [(range(0, edges[k + i]), range(edges[k + i], edges[k + i + 1])) for i in range(k)]


def holdout(n: int) -> tuple[range, range]:
    cut = round(n * 0.8)
    return range(0, cut), range(cut, n)


def _hits(rankings: list[list[int]], truth: list[int], k: int) -> float:
    return sum(t in r[:k] for r, t in zip(rankings, truth, strict=True)) / max(len(truth), 1)


def _majority(train: Sequence[Sample], test: Sequence[Sample]) -> dict[str, list[list[int]]]:
    out = {}
    for target in REPORTED:
        order = [c for c, _n in Counter(_labels(train, target)).most_common()]
        out[target] = [order for _ in test]
    return out


def _char_svc(train: Sequence[Sample], test: Sequence[Sample]) -> dict[str, list[list[int]]]:
    """The known baseline: character 1–3-gram TF-IDF of the text and a linear SVM (ranked by its margins)."""
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    x_train = vec.fit_transform([features.normalize(s.text) for s in train])
    x_test = vec.transform([features.normalize(s.text) for s in test])
    parents = {s.subcategory: s.category for s in train}
    out: dict[str, list[list[int]]] = {}
    for target in TARGETS:
        y = _labels(train, target)
        classes = sorted(set(y))
        if len(classes) < 2:
            out[target] = [classes for _ in test]
            continue
        svc = LinearSVC(random_state=0).fit(x_train, y)
        margins = svc.decision_function(x_test)
        if margins.ndim == 1:
            margins = np.vstack([-margins, margins]).T
        out[target] = [[int(svc.classes_[i]) for i in np.argsort(-m)] for m in margins]
    out["category"] = [list(dict.fromkeys(parents[c] for c in r)) for r in out["subcategory"]]
    return out


def _model(train: Sequence[Sample], test: Sequence[Sample]) -> dict[str, list[list[int]]]:
    return Fitted(train).rankings([s.terms() for s in test])


Method = Callable[[Sequence[Sample], Sequence[Sample]], dict[str, list[list[int]]]]
METHODS: dict[str, Method] = {"model": _model, "most_frequent": _majority, "char_tfidf_linearsvc": _char_svc}


def _scores(rankings: dict[str, list[list[int]]], test: Sequence[Sample]) -> dict[str, dict[str, float]]:
    return {
        target: {
            "top1": _hits(rankings[target], _labels(test, target), 1),
            "top3": _hits(rankings[target], _labels(test, target), 3),
        }
        for target in REPORTED
    }


def _confusion(
    rankings: list[list[int]], test: Sequence[Sample], names: dict[int, str]
) -> list[dict[str, Any]]:
    """Per true lead unit: cases, top-1 correct, and where the rest went (most often first)."""
    by_unit: dict[int, list[int]] = defaultdict(list)
    for r, s in zip(rankings, test, strict=True):
        by_unit[s.lead_unit].append(r[0])
    out = []
    for unit, predicted in sorted(by_unit.items(), key=lambda kv: -len(kv[1])):
        wrong = Counter(p for p in predicted if p != unit)
        out.append(
            {
                "unit": names.get(unit, str(unit)),
                "cases": len(predicted),
                "top1_correct": len(predicted) - sum(wrong.values()),
                "confused_with": [
                    {"unit": names.get(u, str(u)), "cases": n} for u, n in wrong.most_common(3)
                ],
            }
        )
    return out


def evaluate(samples: Sequence[Sample], unit_names: dict[int, str], k: int = 5) -> dict[str, Any]:
    """The JSON `nuanqi routing evaluate` prints."""
    samples = list(samples)
    n = len(samples)
    train_idx, test_idx = holdout(n)
    train_set = [samples[i] for i in train_idx]
    test_set = [samples[i] for i in test_idx]
    held: dict[str, Any] = {"train_cases": len(train_set), "test_cases": len(test_set)}
    model_rank = _model(train_set, test_set)
    for name, method in METHODS.items():
        held[name] = _scores(model_rank if name == "model" else method(train_set, test_set), test_set)
    held["lead_unit_confusion"] = _confusion(model_rank["lead_unit"], test_set, unit_names)

    per_fold: dict[str, list[dict[str, dict[str, float]]]] = {name: [] for name in METHODS}
    folds = blocked_folds(n, k)
    for tr, te in folds:
        train_set = [samples[i] for i in tr]
        test_set = [samples[i] for i in te]
        for name, method in METHODS.items():
            per_fold[name].append(_scores(method(train_set, test_set), test_set))
    cv: dict[str, Any] = {
        "folds": k,
        "scheme": "time-blocked: 2k blocks, oldest first; fold i trains on blocks 0..k-1+i, tests block k+i",
        "fold_sizes": [{"train": len(tr), "test": len(te)} for tr, te in folds],
    }
    for name in METHODS:
        cv[name] = {
            target: {
                metric: {
                    "mean": round(statistics.fmean(f[target][metric] for f in per_fold[name]), 4),
                    "sd": round(statistics.pstdev([f[target][metric] for f in per_fold[name]]), 4),
                }
                for metric in ("top1", "top3")
            }
            for target in REPORTED
        }
    for name in METHODS:
        held[name] = {t: {m: round(v, 4) for m, v in d.items()} for t, d in held[name].items()}
    return {
        "cases": n,
        "classes": {
            "subcategory": len({s.subcategory for s in samples}),
            "category": len({s.category for s in samples}),
            "lead_unit": len({s.lead_unit for s in samples}),
        },
        "holdout": held,
        "cv": cv,
    }
