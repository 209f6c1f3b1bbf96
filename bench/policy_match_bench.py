"""Benchmark of policy matching (workload "policy_match"): all companies × all policies, explained.

Builds a fresh SQLite database in a temporary directory (or uses NUANQI_DATABASE_URL when --use-env-db is
given) with --companies companies spread over the district's towns, GB/T 4754 divisions, scales and tags,
two years of yearly figures each, and --policies policies with random structured eligibility; then times
`nuanqi.enterprise.matching.recompute_all()` (load facts, index, match, explain, replace the stored matches).

Reference measured in the same run: the naive per-pair evaluation (`matching.evaluate`) over a sample of
policies × all companies, extrapolated to the full product. The sample's results are also compared with the
indexed matcher's — they must be identical.

    python bench/policy_match_bench.py [--companies 50000] [--policies 500] [--sample 10] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

TOWNS = [
    "环南街道", "城东街道", "解放街道", "昌国街道", "盐仓街道", "临城街道", "千岛街道", "岑港街道",
    "双桥街道", "马岙街道", "小沙街道", "白泉镇", "干览镇", "金塘镇", "长白乡",
]  # fmt: skip
TAGS = ["高新技术企业", "专精特新", "科技型中小企业", "农业产业化龙头企业", "外贸出口企业"]
SCALES = ["large", "medium", "small", "micro"]


def setup(use_env_db: bool) -> None:
    if not use_env_db:
        os.environ.pop("NUANQI_DATABASE_URL", None)
        os.environ["NUANQI_HOME"] = tempfile.mkdtemp(prefix="nuanqi-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanqi.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def seed(n_companies: int, n_policies: int, rng: random.Random) -> None:
    from django.db import transaction

    from nuanqi.accounts.models import Unit, UnitKind
    from nuanqi.enterprise.models import Company, Indicator, Policy, PolicyMatch
    from nuanqi.lib import gbt4754
    from nuanqi.lib.uscc import with_check_digit

    PolicyMatch.objects.all().delete()
    Policy.objects.all().delete()
    Indicator.objects.all().delete()
    Company.objects.all().delete()
    towns = []
    for name in TOWNS:
        unit, _ = Unit.objects.get_or_create(name=name, defaults={"kind": UnitKind.TOWN})
        towns.append(unit)
    divisions = [gbt4754.section_of(d) + d for d in gbt4754.DIVISIONS]
    # Manufacturing dominates a district like 定海's company register.
    weights = [6 if c[0] == "C" else 1 for c in divisions]
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    with transaction.atomic():
        companies = []
        for i in range(n_companies):
            industry = rng.choices(divisions, weights)[0]
            body = "91330902" + "".join(rng.choice(alphabet) for _ in range(5)) + f"{i:04d}"[-4:]
            companies.append(
                Company(
                    name=f"基准企业{i:06d}",
                    uscc=with_check_digit(body[:13] + f"{i:04X}"[-4:].replace("I", "J").replace("O", "P")),
                    industry=industry,
                    industry_name=gbt4754.lookup(industry).name,
                    scale=rng.choices(SCALES, [1, 4, 10, 20])[0],
                    above_scale=rng.random() < 0.3,
                    town=rng.choice(towns),
                    tags=[t for t in TAGS if rng.random() < 0.08],
                )
            )
        Company.objects.bulk_create(companies, batch_size=2000)
        ids = list(Company.objects.values_list("pk", flat=True))
        rows = []
        for pk in ids:
            for year in (2021, 2022):
                for metric, top in (("output", 200000), ("employees", 3000), ("tax", 20000)):
                    if rng.random() < 0.85:
                        rows.append(
                            Indicator(
                                company_id=pk,
                                metric=metric,
                                period_kind="year",
                                period_start=date(year, 1, 1),
                                period_end=date(year, 12, 31),
                                value=round(rng.random() ** 3 * top, 2),
                                source="bench",
                            )
                        )
        Indicator.objects.bulk_create(rows, batch_size=5000)
        policies = []
        sections = sorted({d[0] for d in divisions})
        for i in range(n_policies):
            kind = rng.random()
            policies.append(
                Policy(
                    title=f"基准政策{i:04d}",
                    industries=(
                        rng.sample(divisions, rng.randint(1, 4))
                        if kind < 0.5
                        else rng.sample(sections, 1)
                        if kind < 0.7
                        else []
                    ),
                    scales=rng.sample(SCALES, rng.randint(1, 3)) if rng.random() < 0.4 else [],
                    above_scale_only=rng.random() < 0.25,
                    towns=rng.sample(TOWNS, rng.randint(1, 3)) if rng.random() < 0.3 else [],
                    tags=rng.sample(TAGS, 1) if rng.random() < 0.2 else [],
                    thresholds=[
                        {
                            "metric": m,
                            "op": rng.choice([">=", "<="]),
                            "value": rng.choice([50, 500, 5000, 20000]),
                        }
                        for m in rng.sample(["output", "employees", "tax"], rng.choice([0, 0, 1, 2]))
                    ],
                )
            )
        Policy.objects.bulk_create(policies)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--companies", type=int, default=50000)
    ap.add_argument("--policies", type=int, default=500)
    ap.add_argument("--sample", type=int, default=10, help="policies evaluated naively (all companies each)")
    ap.add_argument("--seed", type=int, default=20230330)
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--use-env-db", action="store_true", help="use NUANQI_DATABASE_URL (its data is replaced)"
    )
    args = ap.parse_args()
    setup(args.use_env_db)
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    seed(args.companies, args.policies, rng)
    seeded = time.perf_counter() - t0

    from nuanqi.enterprise.matching import (
        CompanyIndex,
        Criteria,
        evaluate,
        live_policies,
        load_facts,
        recompute_all,
    )

    summary = recompute_all()
    matched = summary["seconds"]

    facts = load_facts()
    index = CompanyIndex(facts)
    policies = live_policies()
    sample = rng.sample(policies, min(args.sample, len(policies)))
    t1 = time.perf_counter()
    naive = []
    for p in sample:
        c = Criteria.of(p)
        naive.append({f.company_id: r for f in facts if (r := evaluate(c, f)) is not None})
    naive_s = time.perf_counter() - t1
    naive_full = naive_s / len(sample) * len(policies)
    equal = all(dict(index.match(Criteria.of(p))) == n for p, n in zip(sample, naive, strict=True))
    t2 = time.perf_counter()
    for p in policies:
        index.match(Criteria.of(p))
    indexed_s = time.perf_counter() - t2
    figures = {
        "workload": "policy_match",
        "companies": summary["companies"],
        "policies": summary["policies"],
        "matches": summary["matches"],
        "seconds": matched,
        "pairs_per_second": round(summary["companies"] * summary["policies"] / matched) if matched else None,
        "indexed_match_seconds": round(indexed_s, 2),
        "store_and_load_seconds": round(matched - indexed_s, 2),
        "naive_match_seconds_estimated": round(naive_full, 2),
        "indexed_speedup_vs_naive": round(naive_full / indexed_s, 1) if indexed_s else None,
        "sample_policies_equal_to_naive": f"{len(sample)}/{len(sample)}" if equal else "MISMATCH",
        "seed_seconds": round(seeded, 1),
        "target_seconds": 60,
    }
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        for k, v in figures.items():
            print(f"{k:32} {v}")
    if not equal:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
