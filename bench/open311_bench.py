"""Open311 benchmark (issue 10): `POST /open311/v2/requests.json` intake against the reference insert, and
`GET /open311/v2/requests.json` over 100,000 patrol problems.

    python bench/open311_bench.py [--db sqlite|postgres] [--problems 100000] [--reps 2]

1. Seeds a fresh database (var/bench/open311-<db>-<N>/; PostgreSQL: nuanqi_bench_open311 on $BENCH_PG_URL,
   or the existing database $BENCH_PG_DB, emptied first) with 200 points on 8 streets and N patrol problems
   received over the last 180 days, rows written in bulk
   (5,000 a transaction): 70 % at a point, 30 % from Open311 clients with coordinates; statuses spread over
   the lifecycle, a running or stopped 整改 clock on those dispatched, ~2 % confidential. Rows only — no
   timeline events: the workloads read cases, reports, clocks and points, never events.
2. Serves with `nuanqi serve --workers 4` and NUANQI_BENCH=1 (the reference endpoints), as `harness.py` does.
3. Workloads (8 connections × 15 s for the POSTs, 4 × 10 s for the GETs), each repetition on a fresh server:
   - `reference_insert`: `POST /bench/insert/` — one row, the same server, middleware and database;
   - `open311_intake`: `POST /open311/v2/requests.json`, form-encoded with an api_key, cycling 300 bodies over
     the three location forms; `ratio` = its rps ÷ reference_insert's rps of the same repetition;
   - `open311_requests`: `GET /open311/v2/requests.json` (the default: the last 90 days, 1,000 newest), and
     `open311_requests_filtered` (`service_code=garbage&status=open` over a 30-day window).
4. Appends JSON lines to bench/results/open311-<db>.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import PG_URL, RESULTS, ROOT, Bench, log

STREETS = ["环南街道", "盐仓街道", "双桥街道", "临城街道", "千岛街道", "白泉镇", "岑港街道", "马岙街道"]
ZHOUSHAN = (30.0160, 122.1060)  # WGS-84


def patrol_world(n_points: int, rng: random.Random) -> tuple[list[Any], Any, str]:
    """What Open311 intake needs, made once in a database (the towns by name, taken when they exist): a point
    type with its checklist, a point leader, `n_points` points on the eight streets, and a new client key.
    Returns (the points, the client, its key). The province bench calls it on its seeded world too."""
    from decimal import Decimal

    from nuanqi.accounts.models import Role, RoleGrant, Unit, UnitKind, User
    from nuanqi.patrol.models import CheckItem, Point, PointType, Topic
    from nuanqi.patrol.open311.service import issue_key

    towns = [Unit.objects.get_or_create(name=s, defaults={"kind": UnitKind.TOWN})[0] for s in STREETS]
    estate, made = PointType.objects.get_or_create(name="居民小区")
    if made:
        for k, topic in enumerate(Topic):
            CheckItem.objects.create(point_type=estate, topic=topic.value, text=f"{topic.label}检查", sort=k)
    leader = User.objects.filter(username="pointleader").first()
    if leader is None:
        leader = User.objects.create_user(
            username="pointleader", password="bench-only", display_name="点位长"
        )
        RoleGrant.objects.create(user=leader, role=Role.POINT_LEADER)
    points = list(Point.objects.filter(name__startswith="基准点位").order_by("pk"))
    for i in range(len(points), n_points):
        points.append(
            Point.objects.create(
                name=f"基准点位{i:03d}",
                point_type=estate,
                town=towns[i % len(towns)],
                latitude=Decimal(f"{ZHOUSHAN[0] + rng.uniform(-0.05, 0.05):.6f}"),
                longitude=Decimal(f"{ZHOUSHAN[1] + rng.uniform(-0.05, 0.05):.6f}"),
                leader=leader,
                responsible_unit=towns[i % len(towns)],
            )
        )
    from nuanqi.patrol.models import Open311Key

    # Only a key's hash is kept, so a world used again gets a new client (名称 unique) and key each time.
    taken = Open311Key.objects.filter(name__startswith="基准客户端").count()
    client, key = issue_key("基准客户端" + (f"{taken + 1}" if taken else ""))
    return points, client, key


def seed(n: int) -> dict[str, Any]:
    """The world and N problems, in bulk. Runs in this process against the bench database."""
    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    call_command("migrate", interactive=False, verbosity=0)
    from nuanqi.cases.models import Case, CaseClock, Channel, NumberCounter
    from nuanqi.patrol.models import Open311Report, Topic
    from nuanqi.patrol.services import ensure_category
    from nuanqi.patrol.workflow import (
        CLOSED_OK,
        DISMISSED,
        FILED,
        FIXING,
        FOUND,
        ON_HOLD,
        REVIEW,
    )

    rng = random.Random(311)
    t0 = time.perf_counter()
    points, client, key = patrol_world(200, rng)
    categories = {t.value: ensure_category(t.value) for t in Topic}
    statuses = [FOUND] * 5 + [FILED] * 5 + [FIXING] * 25 + [REVIEW] * 10 + [ON_HOLD] * 2 + [CLOSED_OK] * 48
    statuses += [DISMISSED] * 5
    now = timezone.now()
    counters: dict[int, int] = {}
    batch = 5000
    for start in range(0, n, batch):
        rows, reports, clocks = [], [], []
        for _i in range(start, min(n, start + batch)):
            received = now - timedelta(seconds=rng.uniform(0, 180 * 86400))
            year = timezone.localtime(received).year
            counters[year] = counters.get(year, 0) + 1
            topic = rng.choice(list(Topic))
            status = rng.choice(statuses)
            point = rng.choice(points) if rng.random() < 0.7 else None
            dispatched = (
                received + timedelta(hours=2) if status in (FIXING, REVIEW, ON_HOLD, CLOSED_OK) else None
            )
            case = Case(
                number=f"XC{year}-{counters[year]:06d}",
                kind="patrol",
                title=f"{topic.label}：{point.name if point else '东门'}",
                description="基准数据",
                category=categories[topic.value],
                channel=Channel.PATROL if point else Channel.ONLINE,
                subject_type="point" if point else "",
                subject_id=point.pk if point else None,
                subject_label=point.name if point else "",
                lead_unit=point.responsible_unit if point and dispatched else None,
                status=status,
                confidential=rng.random() < 0.02,
                received_at=received,
                dispatched_at=dispatched,
                resolved_at=received + timedelta(days=3) if status == CLOSED_OK else None,
                created_at=received,
                updated_at=received + timedelta(days=rng.uniform(0, 5)),
            )
            rows.append((case, point, topic, dispatched))
        with transaction.atomic():
            made = Case.objects.bulk_create([r[0] for r in rows], batch_size=1000)
            for case, (_case, point, _topic, dispatched) in zip(made, rows, strict=True):
                if point is None:
                    reports.append(
                        Open311Report(
                            case=case,
                            client=client,
                            latitude=Decimal(f"{ZHOUSHAN[0] + rng.uniform(-0.05, 0.05):.6f}"),
                            longitude=Decimal(f"{ZHOUSHAN[1] + rng.uniform(-0.05, 0.05):.6f}"),
                            address_string="定海区某路",
                        )
                    )
                if dispatched is not None:
                    due = dispatched + timedelta(days=3)
                    stopped = None if case.status in (FIXING,) else dispatched + timedelta(days=2)
                    clocks.append(
                        CaseClock(
                            case=case,
                            name="fix",
                            started_at=dispatched,
                            due_at=due,
                            warn_at=due - timedelta(hours=8),
                            stopped_at=stopped,
                        )
                    )
            Open311Report.objects.bulk_create(reports, batch_size=1000)
            CaseClock.objects.bulk_create(clocks, batch_size=1000)
    for year, value in counters.items():
        NumberCounter.objects.update_or_create(prefix="XC", year=year, defaults={"value": value})
    return {"problems": n, "points": len(points), "key": key, "seconds": round(time.perf_counter() - t0, 1)}


def bodies(key: str, point_ids: list[int]) -> list[dict[str, str]]:
    rng = random.Random(7)
    out = []
    for i in range(300):
        body = {
            "api_key": key,
            "service_code": rng.choice(["garbage", "greenery", "facilities", "zombie_car"]),
        }
        body["description"] = (
            f"市民上报第 {i} 件：{rng.choice(['门口垃圾堆放', '绿化带裸露', '箱门缺失', '车辆积灰'])}"
        )
        form = i % 3
        if form == 0:
            body["lat"] = f"{ZHOUSHAN[0] + rng.uniform(-0.05, 0.05):.6f}"
            body["long"] = f"{ZHOUSHAN[1] + rng.uniform(-0.05, 0.05):.6f}"
        elif form == 1:
            body["address_string"] = f"定海区某路 {i} 号"
        else:
            body["address_id"] = str(rng.choice(point_ids))
        out.append(body)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--problems", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=2)
    args = ap.parse_args()
    b = Bench(argparse.Namespace(db=args.db, cases=args.problems, reps=args.reps))
    b.home = ROOT / "var" / "bench" / f"open311-{args.db}-{args.problems}"
    b.home.mkdir(parents=True, exist_ok=True)
    b.env["NUANQI_HOME"] = str(b.home)
    b.out = RESULTS / f"open311-{args.db}.jsonl"
    if args.db == "postgres":
        import psycopg

        # BENCH_PG_DB, as for harness.py: an existing database, emptied by dropping its public schema.
        name = b.pg_db or "nuanqi_bench_open311"
        if b.pg_db:
            b._pg_database(drop=True)
        else:
            with psycopg.connect(PG_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
                conn.execute(f'ALTER DATABASE "{name}" SET jit = off')
        b.env["NUANQI_DATABASE_URL"] = f"{PG_URL.rsplit('/', 1)[0]}/{name}"
    else:
        for suffix in ("", "-wal", "-shm"):
            (b.home / f"nuanqi.sqlite3{suffix}").unlink(missing_ok=True)
    os.environ.update({k: v for k, v in b.env.items() if k.startswith("NUANQI_")})
    if "NUANQI_DATABASE_URL" not in b.env:
        os.environ.pop("NUANQI_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanqi.settings")
    log(f"seeding {args.problems:,} patrol problems on {args.db}")
    info = seed(args.problems)
    b.seed_s = info["seconds"]
    log(f"seeded: {info['problems']:,} problems in {info['seconds']} s")
    from nuanqi.patrol.models import Point

    posts = bodies(info["key"], list(Point.objects.values_list("pk", flat=True)))
    from django.db import connections

    connections.close_all()

    def figures(r: dict[str, Any]) -> dict[str, Any]:
        return {k: r[k] for k in ("rps", "p50_ms", "p95_ms", "p99_ms", "errors", "count")}

    try:
        for rep in range(1, args.reps + 1):
            b.start()
            r = b.load(conns=8, seconds=15, paths=["/bench/insert/"], method="POST", expect=201)
            insert_rps = r["rps"]
            b.record("reference_insert", rep=rep, conns=8, **figures(r))
            r = b.load(
                conns=8,
                seconds=15,
                paths=["/open311/v2/requests.json"],
                method="POST",
                expect=201,
                bodies=posts,
                form=True,
            )
            ratio = round(r["rps"] / insert_rps, 3) if insert_rps else None
            b.record("open311_intake", rep=rep, conns=8, ratio=ratio, **figures(r))
            r = b.load(conns=4, seconds=10, paths=["/open311/v2/requests.json"])
            b.record("open311_requests", rep=rep, conns=4, **figures(r))
            today = time.strftime("%Y-%m-%d")
            month_ago = time.strftime("%Y-%m-%d", time.localtime(time.time() - 30 * 86400))
            path = (
                "/open311/v2/requests.json?service_code=garbage&status=open"
                f"&start_date={month_ago}&end_date={today}T23:59:59%2B08:00"
            )
            r = b.load(conns=4, seconds=10, paths=[path])
            b.record("open311_requests_filtered", rep=rep, conns=4, **figures(r))
            b.stop()
    finally:
        b.stop()
    print(json.dumps({"results": str(b.out), "run_id": b.run_id}))


if __name__ == "__main__":
    main()
