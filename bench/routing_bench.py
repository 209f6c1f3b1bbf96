"""Routing at scale: train time, suggestion latency through the API, and the memory the model adds.

    .venv/bin/python bench/routing_bench.py --cases 10000 100000

For each size, a fresh SQLite database under a temporary NUANQI_HOME gets the demo's directory and catalogue
and N closed cases resampled from the demo's frozen history, each perturbed (a clause of another request of
the same 小项 appended, characters dropped, a company and a date drawn), filed through the historical import's
writer. Then: `nuanqi routing train` as the worker runs it (seconds), the exported file's size, the Python
heap the loaded model takes (tracemalloc, what each web worker adds), and `POST /api/v1/routing/suggest`
through Django's test client as a dispatcher (p50 and p95 over 300 requests, texts not in the training set).
Prints one JSON line per size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta
from typing import Any


def _world(n: int, rng: random.Random) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", interactive=False, verbosity=0)
    from nuanqi.accounts.models import Unit
    from nuanqi.cases.access import SubjectRef
    from nuanqi.cases.history import HistoricalCase, import_cases
    from nuanqi.cases.models import Category, Kind
    from nuanqi.demo import seed_data as S
    from nuanqi.demo.history import TEXTS
    from nuanqi.enterprise.models import Company
    from nuanqi.lib.uscc import with_check_digit

    units: dict[str, Unit] = {}
    for sort, (name, short, kind, inside, region) in enumerate(S.UNITS, start=1):
        u = Unit.objects.create(
            name=name, short_name=short, kind=kind, in_district=inside, region_code=region, sort=sort
        )
        units[name] = u
        if short:
            units[short] = u
    leaves: dict[str, Category] = {}
    for top_name, names in S.CATEGORIES.items():
        # the district's default catalogue may already be there (the same names)
        top, _ = Category.objects.get_or_create(kind=Kind.REQUEST, name=top_name)
        for leaf in names:
            leaves[leaf], _ = Category.objects.get_or_create(
                kind=Kind.REQUEST, name=leaf, defaults={"parent": top}
            )
    companies = [
        Company.objects.create(
            name=c.name, uscc=with_check_digit("91330902" + c.body), industry=c.industry, town=units[c.town]
        )
        for c in S.COMPANIES
    ]
    by_leaf: dict[str, list[tuple[str, str, str, str]]] = {}
    for t in TEXTS:
        by_leaf.setdefault(t[0], []).append(t)
    start = timezone.make_aware(datetime(2020, 1, 1, 9))
    items = []
    for i in range(n):
        leaf, unit, title, content = rng.choice(TEXTS)
        other = rng.choice(by_leaf[leaf])[3]
        text = content + (other[: rng.randint(0, len(other))] if rng.random() < 0.5 else "")
        if text and rng.random() < 0.3:
            cut = rng.randrange(len(text))
            text = text[:cut] + text[cut + 1 :]
        company = rng.choice(companies)
        received = start + timedelta(minutes=int(i * (6 * 365 * 24 * 60) / n))
        items.append(
            HistoricalCase(
                received_at=received,
                title=title[:200],
                description=text,
                status="resolved",
                category=leaves[leaf],
                subject=SubjectRef("company", company.pk, company.name),
                lead_unit=units[unit],
                resolved_at=received + timedelta(days=3),
                result="已办结",
            )
        )
    for i in range(0, len(items), 20_000):
        import_cases(items[i : i + 20_000], actor=None)


def measure(n: int, seed: int = 7) -> dict[str, Any]:
    from django.test import Client

    from nuanqi.accounts.models import Role, RoleGrant, User
    from nuanqi.routing import scorer
    from nuanqi.routing.retrain import model_path, train_now

    rng = random.Random(seed)
    t0 = time.perf_counter()
    _world(n, rng)
    seed_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    meta = train_now()
    train_s = time.perf_counter() - t0
    path = model_path()
    tracemalloc.start()
    scorer._cache.clear()
    model = scorer.load(path)
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert model is not None
    user = User.objects.create_user(username="bench_dispatcher", password="x-bench-2023")
    RoleGrant.objects.create(user=user, role=Role.DISPATCHER)
    client = Client()
    client.force_login(user)
    asks = [
        ("新厂房高压报装两个月了还没人来勘查", "投产日期一推再推"),
        ("环评报告书审批太慢", "技术评审会一直没开"),
        ("招不到电焊工", "船厂急需持证焊工"),
        ("留抵退税两个月没到账", ""),
        ("消防验收约不上", "厂房完工一个月"),
        ("统计直报系统登不上", "月底要报"),
    ]
    times = []
    for i in range(300):
        title, description = asks[i % len(asks)]
        body = json.dumps({"title": f"{title}（{i}）", "description": description})
        t0 = time.perf_counter()
        r = client.post("/api/v1/routing/suggest", body, content_type="application/json")
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200 and r.json()["basis"] == "model", r.content
    times.sort()
    return {
        "workload": "routing",
        "cases": n,
        "trained_on": meta["cases"],
        "features": meta["features"],
        "seed_s": round(seed_s, 1),
        "train_s": round(train_s, 1),
        "model_file_mb": round(path.stat().st_size / 1048576, 1),
        "model_heap_mb": round(current / 1048576, 1),
        "suggest_p50_ms": round(statistics.median(times), 1),
        "suggest_p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    for n in args.cases:
        # Each size in its own process: a fresh database and a fresh heap.
        if len(args.cases) > 1:
            import subprocess

            subprocess.run([sys.executable, __file__, "--cases", str(n)], check=True)
            continue
        home = tempfile.mkdtemp(prefix="routing-bench-")
        os.environ["NUANQI_HOME"] = home
        os.environ.pop("NUANQI_DATABASE_URL", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanqi.settings")
        import logging

        import django

        django.setup()
        logging.disable(logging.INFO)  # the request log: one line per suggestion
        try:
            print(json.dumps(measure(n), ensure_ascii=False), flush=True)
        finally:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
