"""Routing suggestions and duplicate warnings, learned from the district's own closed cases.

- `features`: the text's terms (character n-grams and jieba words, plus the company's industry and town), one
  definition for training and scoring.
- `train`: scikit-learn (imported there only) fits the model and exports vocabulary, idf and coefficients to
  $NUANQI_HOME/routing/model.json; `evaluate` measures it against two baselines on time-ordered folds.
- `scorer`: plain Python over the exported file — what the web workers run; reloaded when a retrain
  replaces the file.
- `suggest`: the model's top-3 (小项, and so 大类; lead unit) with scores and reasons, or the admin's keyword
  rules (权责清单) while the district has fewer closed cases than NUANQI_ROUTING_MIN_CASES.
- `duplicates`: likely duplicates of a request before it is saved, from several signals.
"""
