"""The model learns from the district's closed cases, beats both baselines on time-ordered folds, and the
web workers score it in plain Python."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stdout

from nuanqi.cases.models import Case
from nuanqi.routing import data, scorer, train
from nuanqi.routing.retrain import model_path, train_now


def test_evaluate_prints_time_blocked_cv_beside_both_baselines_and_the_model_beats_them(district):
    from nuanqi.cli import main

    out = io.StringIO()
    with redirect_stdout(out):
        main(["routing", "evaluate"])
    report = json.loads(out.getvalue())
    assert report["cases"] == len(data.samples()) >= 499
    cv = report["cv"]
    assert cv["folds"] == 5 and len(cv["fold_sizes"]) == 5
    for method in ("model", "most_frequent", "char_tfidf_linearsvc"):
        for target in ("subcategory", "category", "lead_unit"):
            assert set(cv[method][target]["top1"]) == {"mean", "sd"}
    # Beats both baselines on every target (top-1, mean over the folds).
    for target in ("subcategory", "category", "lead_unit"):
        model = cv["model"][target]["top1"]["mean"]
        assert model > cv["most_frequent"][target]["top1"]["mean"] + 0.3, target
        assert model > cv["char_tfidf_linearsvc"][target]["top1"]["mean"], target
    assert report["holdout"]["test_cases"] == round(report["cases"] * 0.2)
    assert report["holdout"]["lead_unit_confusion"][0]["cases"] > 0


def test_no_fold_trains_on_its_test_cases_or_on_anything_newer():
    for n in (50, 523, 10_000):
        for train_range, test_range in train.blocked_folds(n):
            assert train_range.stop == test_range.start and len(test_range) > 0
            assert not set(train_range) & set(test_range)
    samples = []
    seen: list[tuple[set[int], set[int]]] = []
    real_fitted = train.Fitted

    class Spy(real_fitted):  # type: ignore[misc, valid-type]
        def __init__(self, train_samples, docs=None):
            seen.append(({id(s) for s in train_samples}, set()))
            super().__init__(train_samples, docs)

        def rankings(self, docs):
            return super().rankings(docs)

    from datetime import datetime, timedelta

    from nuanqi.routing.data import Sample

    for i in range(60):
        samples.append(
            Sample(
                datetime(2023, 1, 1) + timedelta(days=i),
                f"用电 增容 {i}" if i % 2 else f"招工 {i}",
                "",
                "",
                i % 2,
                9,
                i % 2,
            )
        )
    chosen_on: list[list[list[str]]] = []
    real_choose = train.choose

    def spy_choose(docs, labels, k=train.INNER_FOLDS):
        chosen_on.append(list(docs))
        return real_choose(docs, labels, k)

    train.Fitted = Spy
    train.choose = spy_choose
    try:
        for tr, te in train.blocked_folds(len(samples)):
            trained = [samples[i] for i in tr]
            tested = [samples[i] for i in te]
            chosen_on.clear()
            train._model(trained, tested)
            assert not seen[-1][0] & {id(s) for s in tested}
            assert max(s.received_at for s in trained) < min(s.received_at for s in tested)
            # the views are chosen (inner folds) on the training cases alone, once per target
            assert chosen_on == [[s.terms() for s in trained]] * len(train.TARGETS)
    finally:
        train.Fitted = real_fitted
        train.choose = real_choose


def test_generated_cases_never_train_or_evaluate(district):
    before = data.count()
    Case.objects.filter(pk__in=list(data.learnable().values_list("pk", flat=True)[:30])).update(
        generated=True
    )
    assert data.count() == before - 30
    assert len(data.samples()) == before - 30


def test_the_plain_python_scorer_ranks_as_scikit_learn_does(district, tmp_path):
    samples = data.samples()
    fitted = train.Fitted(samples)
    path = tmp_path / "model.json"
    train.export(fitted, path, cases=len(samples), seconds=0)
    model = scorer.load(path)
    assert model is not None
    texts = [s.terms() for s in samples[:40]]
    expected = fitted.rankings(texts)
    for target in ("subcategory", "lead_unit"):
        margins = fitted.margins(texts, target)
        for i, terms in enumerate(texts):
            vector = model.vector(terms)
            assert model.rank(target, vector, 1)[0][0] == expected[target][i][0]
            plain = model.targets[target].scores(vector)
            assert max(abs(a - b) for a, b in zip(plain, margins[i], strict=True)) < 1e-4
    scores = [p for _c, p, _r in model.rank("subcategory", model.vector(texts[0]), 30)]
    assert abs(sum(scores) - 1) < 0.02 and scores == sorted(scores, reverse=True)


def test_a_retrain_replaces_the_file_and_the_scorer_reloads_it(district):
    meta = train_now()
    assert meta["cases"] == data.count()
    first = scorer.load(model_path())
    assert scorer.load(model_path()) is first  # read once
    os.utime(model_path(), ns=(1, 1))
    assert scorer.load(model_path()) is not first


def test_web_workers_score_without_importing_scikit_learn_or_scipy(district):
    train_now()
    code = (
        "import sys, django; django.setup();"
        "import nuanqi.urls, nuanqi.wsgi;"  # every view and API module a web worker loads
        "from nuanqi.routing.suggest import rank;"
        "basis, ranked = rank('新厂房高压报装两个月了还没通电，需要增容');"
        "assert basis == 'model' and len(ranked['lead_unit']) == 3, (basis, ranked);"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')];"
        "assert not bad, bad;"
        "print('ok')"
    )
    env = {
        **os.environ,
        "NUANQI_HOME": str(model_path().parent.parent),
        "DJANGO_SETTINGS_MODULE": "nuanqi.settings",
    }
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-2000:]
