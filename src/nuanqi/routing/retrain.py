"""Training as the command line and the worker run it: read the closed cases, fit, export, log."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from . import scorer

log = logging.getLogger(__name__)
_last_check = 0.0


def model_path() -> Path:
    return scorer.model_path(settings.HOME)


def train_now() -> dict[str, Any]:
    """Fit on every learnable closed case and replace the model file; the summary it wrote."""
    from . import data, train  # scikit-learn: the command line and the worker only

    samples = data.samples()
    if len({s.subcategory for s in samples}) < 2 or len({s.lead_unit for s in samples}) < 2:
        raise ValueError("已办结事项不足（至少需要两个小项、两个主办单位的事项）")
    from nuanqi.accounts.models import Unit
    from nuanqi.cases.models import Category

    names = {
        "subcategory": dict(Category.objects.values_list("pk", "name")),
        "lead_unit": dict(Unit.objects.values_list("pk", "name")),
    }
    meta = train.train(samples, model_path(), names)
    log.info("routing model trained on %s cases in %ss", meta["cases"], meta["seconds"])
    return meta


def due(closed: int, model: scorer.Model | None) -> bool:
    """Whether the worker should retrain: enough closed cases, and enough new ones since the last model."""
    if closed < settings.NUANQI_ROUTING_MIN_CASES:
        return False
    trained_on = int(model.meta.get("cases", 0)) if model else 0
    return closed - trained_on >= settings.NUANQI_ROUTING_RETRAIN_EVERY or model is None


def sweep(now: datetime, batch: int) -> int:
    """The worker's check (at most every NUANQI_ROUTING_CHECK_SECONDS in a process): 1 when it retrained."""
    global _last_check
    if time.monotonic() - _last_check < settings.NUANQI_ROUTING_CHECK_SECONDS and _last_check:
        return 0
    _last_check = time.monotonic()
    from . import data

    if not due(data.count(), scorer.load(model_path())):
        return 0
    try:
        train_now()
    except ValueError:
        return 0
    return 1
