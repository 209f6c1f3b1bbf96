"""The workloads of bench/harness.py. Each repetition starts a fresh server, so `dashboard_cold` is the
first request a new worker process serves; the rest are closed-loop runs of bench/loadgen.py. The modules'
workloads (`open311_intake`, `tip_intake`, `programme`, `routing_suggest`) use the fixtures of
bench/modules.py; the two intakes are ratios to the `reference_insert` of the same repetition."""

from __future__ import annotations

import http.client
import json
import os
import random
import subprocess
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from harness import Bench

from harness import BENCH, PY, SEARCH_TERMS, log


class Personas:
    """Tokens and sessions made directly in the database (the load generator only speaks HTTP)."""

    def __init__(self, b: Bench) -> None:
        os.environ.update(b.env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanqi.settings")
        import django

        django.setup()
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.sessions.backends.db import SessionStore
        from django.utils import timezone

        from nuanqi.accounts.models import ApiToken, User
        from nuanqi.enterprise.access import served_company_ids

        self.tokens: dict[str, str] = {}
        self.cookies: dict[str, str] = {}
        # Intake posts as a second commissioner, so the measured commissioner's 我的清单 does not grow with
        # every run of the intake workload on a reused database.
        for name in ("commissioner", "commissioner_001", "handler", "leader", "dispatcher"):
            user = User.objects.get(username=name)
            self.tokens[name] = ApiToken.issue(user, name="bench")[1]
            s = SessionStore()
            s[SESSION_KEY] = str(user.pk)
            s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            s[HASH_SESSION_KEY] = user.get_session_auth_hash()
            s.create()
            self.cookies[name] = f"sessionid={s.session_key}"
        self.companies = list(served_company_ids(User.objects.get(username="commissioner_001")))
        today = timezone.localdate()
        self.period = ((today - timedelta(days=3 * 365 + 1)).isoformat(), today.isoformat())

    def bearer(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}


def _intake_bodies(companies: list[int], n: int = 500) -> list[dict[str, Any]]:
    from nuanqi.demo import scale_text as T

    rng = random.Random(7)
    out = []
    for _ in range(n):
        title, description = T.case_text(rng, "环评", "区生态环境分局")
        out.append(
            {
                "title": title,
                "description": description,
                "company": rng.choice(companies),
                "category": "政府审批/环评",
                "channel": "volunteered",
                "nature": "help",
            }
        )
    return out


DASHBOARD = "/api/v1/kpis?by=unit over 3 years (all cases), as the leader"


def _one(b: Bench, path: str, headers: dict[str, str]) -> tuple[int, float]:
    conn = http.client.HTTPConnection("127.0.0.1", b.port, timeout=300)
    t0 = time.perf_counter()
    try:
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        status = resp.status
    except (OSError, http.client.HTTPException):
        status = 0
    finally:
        conn.close()
    return status, round((time.perf_counter() - t0) * 1000, 2)


def _kpis_in_process(people: Personas) -> float:
    """The same KPI computation called directly, without HTTP or the server (for the profile)."""
    from datetime import date

    from nuanqi.cases import kpis
    from nuanqi.cases.models import Case

    start, end = date.fromisoformat(people.period[0]), date.fromisoformat(people.period[1])
    t0 = time.perf_counter()
    if hasattr(kpis, "compute_all"):  # the office's figures, from the daily roll-up
        kpis.compute_all(start, end, "unit")
    else:
        kpis.compute(Case.objects.all(), start, end, "unit")
    return round((time.perf_counter() - t0) * 1000, 1)


def _fold_loop(b: Bench) -> subprocess.Popen[bytes] | None:
    """The worker's roll-up round (bench/fold_loop.py) every BENCH_FOLD_INTERVAL seconds (default 10, the
    worker's default; 0: none, the delta rows of the intake stay unfolded)."""
    interval = float(os.environ.get("BENCH_FOLD_INTERVAL", "10"))
    if interval <= 0:
        return None
    return subprocess.Popen(
        [PY, str(BENCH / "fold_loop.py"), "--interval", str(interval)], env=b.env, stdout=subprocess.PIPE
    )


def _stop_fold_loop(folder: subprocess.Popen[bytes] | None) -> dict[str, Any]:
    if folder is None:
        return {"fold_interval_s": 0}
    folder.terminate()
    out, _ = folder.communicate(timeout=300)
    if not out.strip():  # it failed before its first round (its error went to the harness's stderr)
        return {"fold_interval_s": float(os.environ.get("BENCH_FOLD_INTERVAL", "10")), "fold_rounds": 0}
    f = json.loads(out)
    return {
        "fold_interval_s": float(os.environ.get("BENCH_FOLD_INTERVAL", "10")),
        "fold_rounds": f["rounds"],
        "folded_rows": f["folded_rows"],
        "fold_slowest_ms": f["slowest_round_ms"],
    }


def _figures(r: dict[str, Any]) -> dict[str, Any]:
    return {k: r[k] for k in ("rps", "p50_ms", "p95_ms", "p99_ms", "errors", "count")}


def _write_load(
    b: Bench,
    workload: str,
    rep: int,
    insert_rps: float | None,
    extra: dict[str, Any] | None = None,
    **load: Any,
) -> None:
    """A writing workload (8 connections × 15 s of POSTs that must answer 201) recorded with its `ratio` to
    the `reference_insert` rps of the same repetition."""
    r = b.load(conns=8, seconds=15, method="POST", expect=201, **load)
    ratio = round(r["rps"] / insert_rps, 3) if insert_rps else None
    b.record(workload, rep=rep, conns=8, ratio=ratio, **(extra or {}), **_figures(r))


MODULE_WORKLOADS = ("open311_intake", "tip_intake", "programme", "routing_suggest")


def _routing_model(b: Bench) -> float | None:
    """With BENCH_ROUTING_TRAIN=1, `nuanqi routing train` on the seeded world's closed cases once (the model
    file stays in the home); its seconds, or None when nothing was trained now."""
    from nuanqi.routing.scorer import model_path

    if os.environ.get("BENCH_ROUTING_TRAIN") != "1" or model_path(b.home).exists():
        return None
    log("training the routing model on the seeded world (BENCH_ROUTING_TRAIN=1)")
    t0 = time.perf_counter()
    subprocess.run([PY, "-m", "nuanqi.cli", "routing", "train"], env=b.env, check=True, timeout=6 * 3600)
    return round(time.perf_counter() - t0, 1)


def _post_json(b: Bench, path: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", b.port, timeout=300)
    try:
        conn.request(
            "POST",
            path,
            body=json.dumps(body, ensure_ascii=False).encode(),
            headers={**headers, "Content-Type": "application/json"},
        )
        resp = conn.getresponse()
        data = resp.read()
        try:
            return resp.status, json.loads(data)
        except ValueError:
            return resp.status, None
    finally:
        conn.close()


def run_all(b: Bench, only: list[str]) -> None:
    people = Personas(b)

    def want(name: str) -> bool:
        return not only or name in only

    import modules

    mods = modules.prepare({w for w in MODULE_WORKLOADS if want(w)})
    train_s = _routing_model(b) if want("routing_suggest") else None

    recall = _recall() if want("search") else None
    kpis = f"/api/v1/kpis?date_from={people.period[0]}&date_to={people.period[1]}&by=unit"
    for rep in range(1, b.reps + 1):
        b.start()
        try:
            if want("dashboard_cold"):
                status, ms = _one(b, kpis, people.bearer("leader"))
                b.record(
                    "dashboard_cold",
                    rep=rep,
                    ms=ms,
                    p50_ms=ms,
                    p95_ms=ms,
                    status=status,
                    errors=int(status != 200),
                    path=DASHBOARD,
                    in_process_ms=_kpis_in_process(people),
                )
            insert_rps = None
            if want("reference_const"):
                r = b.load(conns=8, seconds=15, paths=["/bench/const/"])
                b.record("reference_const", rep=rep, conns=8, **_figures(r))
            if any(want(w) for w in ("reference_insert", "intake", "open311_intake", "tip_intake")):
                r = b.load(conns=8, seconds=15, paths=["/bench/insert/"], method="POST", expect=201)
                insert_rps = r["rps"]
                b.record("reference_insert", rep=rep, conns=8, **_figures(r))
            if want("intake"):
                _write_load(
                    b,
                    "intake",
                    rep,
                    insert_rps,
                    paths=["/api/v1/cases"],
                    headers=people.bearer("commissioner_001"),
                    bodies=_intake_bodies(people.companies),
                )
            if want("open311_intake"):
                import open311_bench

                _write_load(
                    b,
                    "open311_intake",
                    rep,
                    insert_rps,
                    paths=["/open311/v2/requests.json"],
                    bodies=open311_bench.bodies(mods.open311_key, mods.point_ids),
                    form=True,
                )
            if want("tip_intake"):
                # A thousand reporters, each well under the public per-client limit (20 a minute).
                _write_load(
                    b,
                    "tip_intake",
                    rep,
                    insert_rps,
                    {"clients": 1000},
                    paths=["/api/v1/public/tips"],
                    bodies=modules.tip_bodies(mods.tip_units),
                    xff_pool=1000,
                    timeout=120,
                )
            for who in ("commissioner", "handler"):
                if want("worklist_api"):
                    r = b.load(
                        conns=4,
                        seconds=10,
                        paths=["/api/v1/cases/worklist?limit=50"],
                        headers=people.bearer(who),
                    )
                    b.record("worklist_api", rep=rep, who=who, conns=4, **_figures(r))
                if want("worklist_html"):
                    r = b.load(conns=4, seconds=10, paths=["/"], headers={"Cookie": people.cookies[who]})
                    b.record("worklist_html", rep=rep, who=who, conns=4, **_figures(r))
            if want("search"):
                paths = [f"/api/v1/cases/search?q={quote(t)}&limit=25" for t in SEARCH_TERMS]
                r = b.load(conns=4, seconds=10, paths=paths, headers=people.bearer("leader"))
                assert recall is not None
                b.record(
                    "search",
                    rep=rep,
                    conns=4,
                    terms=len(SEARCH_TERMS),
                    recall=recall["recall"],
                    recall_by_term=recall["by_term"],
                    like_scan_ms=recall["like_ms"],
                    **_figures(r),
                )
            if want("routing_suggest"):
                bodies = modules.routing_bodies()
                status, answer = _post_json(
                    b, "/api/v1/routing/suggest", bodies[0], people.bearer("dispatcher")
                )
                basis = answer.get("basis") if status == 200 and isinstance(answer, dict) else None
                r = b.load(
                    conns=4,
                    seconds=10,
                    paths=["/api/v1/routing/suggest"],
                    method="POST",
                    headers=people.bearer("dispatcher"),
                    bodies=bodies,
                )
                b.record(
                    "routing_suggest",
                    rep=rep,
                    who=basis or "",
                    basis=basis,
                    conns=4,
                    train_s=train_s,
                    **_figures(r),
                )
            if want("dashboard_warm"):
                # Last in the repetition: on a slow aggregate the requests would hold workers for the rest.
                r = b.load(
                    conns=1,
                    seconds=10,
                    paths=[kpis],
                    headers=people.bearer("leader"),
                    warmup=0,
                    max_requests=5,
                    timeout=300,
                )
                b.record("dashboard_warm", rep=rep, conns=1, path=DASHBOARD, **_figures(r))
            if want("dashboard_busy"):
                # The leader's dashboard while intake writes (1 connection, closed loop: about the
                # 10 requests/s of the target on this machine; its rate is recorded beside), and the
                # worker's roll-up round folds the intake's delta rows on its schedule, as in production.
                folder = _fold_loop(b)
                writer = b.load(
                    conns=1,
                    seconds=14,
                    paths=["/api/v1/cases"],
                    method="POST",
                    expect=201,
                    headers=people.bearer("commissioner_001"),
                    bodies=_intake_bodies(people.companies),
                    background=True,
                )
                time.sleep(2)
                r = b.load(
                    conns=1,
                    seconds=10,
                    paths=[kpis],
                    headers=people.bearer("leader"),
                    warmup=0,
                    max_requests=2000,
                    timeout=300,
                )
                out, _ = writer.communicate(timeout=300)
                w = json.loads(out)
                b.record(
                    "dashboard_busy",
                    rep=rep,
                    conns=1,
                    path=DASHBOARD,
                    intake_rps=w["rps"],
                    intake_errors=w["errors"],
                    **_figures(r),
                    **_stop_fold_loop(folder),
                )
            if want("rss"):
                b.record(
                    "rss",
                    rep=rep,
                    mb=b.worker_peak_mb(),
                    workers=int(os.environ.get("BENCH_WORKERS", "4")),
                    **b.worker_memory_mb(),
                )
            if want("programme"):
                # Last: the leader's pages. A programme of projects (/programmes/<id>/, the projects
                # module), then the 暖企 programme (/programme/: every batch, commissioner and served
                # company), one request at a time with a long client timeout: it can outlast the worker
                # timeout, and a killed worker would spoil the other figures.
                path = f"/programmes/{mods.programme_id}/"
                r = b.load(conns=4, seconds=10, paths=[path], headers={"Cookie": people.cookies["leader"]})
                b.record("programme", rep=rep, who="projects", conns=4, path=path, **_figures(r))
                r = b.load(
                    conns=1,
                    seconds=10,
                    paths=["/programme/"],
                    headers={"Cookie": people.cookies["leader"]},
                    warmup=0,
                    max_requests=3,
                    timeout=120,
                )
                b.record("programme", rep=rep, who="enterprise", conns=1, path="/programme/", **_figures(r))
        finally:
            b.stop()
    if want("calendar"):
        for rep in range(1, b.reps + 1):
            # calendar_bench exits 1 when a result is not exact: its figures are still recorded (with
            # `exact: false`), and the other workloads of the run are not lost.
            out = subprocess.run(
                [PY, str(BENCH / "calendar_bench.py"), "--json", "--n", "100000", "--repeat", "1"],
                stdout=subprocess.PIPE,
                timeout=900,
            )
            if out.returncode:
                log(f"calendar_bench exited {out.returncode}: see the `exact` fields")
            for line in out.stdout.decode().splitlines():
                fig = json.loads(line)
                fig.pop("workload", None)
                b.record("calendar", rep=rep, exit_code=out.returncode, **fig)


def _recall() -> dict[str, Any]:
    """Search against a plain LIKE scan over the same fields, for each of the 20 terms (all matches)."""
    from nuanqi.cases.models import Case
    from nuanqi.cases.search import like_q, matching_ids

    by_term: dict[str, Any] = {}
    worst = 1.0
    like_ms: list[float] = []
    for term in SEARCH_TERMS:
        found = set(matching_ids(term))
        t0 = time.perf_counter()
        like = set(Case.objects.filter(like_q(term)).values_list("id", flat=True))
        like_ms.append((time.perf_counter() - t0) * 1000)
        r = len(found & like) / len(like) if like else 1.0
        worst = min(worst, r)
        by_term[term] = {"like": len(like), "index": len(found), "recall": round(r, 4)}
    log(f"recall against LIKE: {worst} over {len(SEARCH_TERMS)} terms")
    return {
        "recall": round(worst, 4),
        "by_term": by_term,
        "like_ms": round(sorted(like_ms)[len(like_ms) // 2], 1),
    }
