"""The work list's read path in process: CPU time per request of the API and of the HTML page (我的清单).

    NUANQI_HOME=<a writable copy of a seeded home> .venv/bin/python bench/worklist_bench.py \
        [--who commissioner,handler] [--warm 3] [--reps 20] [--profile 0] [--dump DIR] [--json] [--only …]

Runs on a seeded bench world (`bench/harness.py` or `nuanqi bench seed`; PostgreSQL through
NUANQI_DATABASE_URL with a home of its own). It writes (a bearer token and a session per persona, and the
token's last use), so give it a copy of the world, never the seeded original.

For each persona of `bench/workloads.py` that reads the list (the commissioner and the unit handler), the
requests of the bench's `worklist_api` and `worklist_html` workloads — `GET /api/v1/cases/worklist?limit=50`
with a bearer token, `GET /` after `force_login` — and the floor under them (`floor_api`: `GET /api/v1/me`
with the token, an authenticated call that does nothing; `floor_html`: `GET /notifications/`, a page with
little on it) go through Django's test client in this process (`--only` picks some of the four): `--warm`
untimed requests, then `--reps` timed ones. Each figure is the median, over the timed requests, of the
process's CPU time for one request (`time.process_time`, milliseconds: the database server's own CPU is not
in it on PostgreSQL, the SQLite library's is), beside the median wall time and the number of statements.

`--dump DIR` writes each response body (the floor's two, the API's first page, the whole list in pages of 7
with their cursors, the HTML's first two pages, with the CSRF token and the script nonce blanked) so that
two versions of the code can be compared byte for byte; `--profile N` prints the top N functions of a
cProfile over `--reps` more requests (the figures above come from the requests without the profiler)."""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import statistics
import time
from pathlib import Path
from typing import Any

API = "/api/v1/cases/worklist?limit=50"
HTML = "/"
# The floor: an authenticated API call that does nothing, and a page with little on it.
FLOOR_API = "/api/v1/me"
FLOOR_HTML = "/notifications/"


def _measure(call: Any, warm: int, reps: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warm):
        call()
    cpu, wall, queries = [], [], []
    for _ in range(reps):
        with CaptureQueriesContext(connection) as ctx:
            c0, w0 = time.process_time(), time.perf_counter()
            call()
            c1, w1 = time.process_time(), time.perf_counter()
        cpu.append((c1 - c0) * 1000)
        wall.append((w1 - w0) * 1000)
        queries.append(len(ctx.captured_queries))
    return {
        "cpu_ms": round(statistics.median(cpu), 2),
        "wall_ms": round(statistics.median(wall), 2),
        "queries": max(queries),
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--who", default="commissioner,handler")
    p.add_argument("--warm", type=int, default=3)
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--profile", type=int, default=0)
    p.add_argument("--dump", default="")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--only", default="", help="comma-separated: floor_api,floor_html,worklist_api,worklist_html"
    )
    args = p.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanqi.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    import nuanqi
    from nuanqi.accounts.models import ApiToken, User
    from nuanqi.cases.models import Case

    settings.ALLOWED_HOSTS = ["*"]
    world = {
        "db": connection.vendor,
        "cases": Case.objects.count(),
        "code": str(Path(nuanqi.__file__).parent),
    }
    print(json.dumps(world, ensure_ascii=False) if args.json else world, flush=True)
    for who in args.who.split(","):
        user = User.objects.get(username=who)
        token = ApiToken.issue(user, name="worklist_bench")[1]
        api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        html = Client()
        html.force_login(user)

        def get_api(client: Client = api) -> Any:
            r = client.get(API)
            assert r.status_code == 200, r.status_code
            return r

        def get_html(client: Client = html) -> Any:
            r = client.get(HTML)
            assert r.status_code == 200, r.status_code
            return r

        def get_floor_api(client: Client = api) -> Any:
            r = client.get(FLOOR_API)
            assert r.status_code == 200, r.status_code
            return r

        def get_floor_html(client: Client = html) -> Any:
            r = client.get(FLOOR_HTML)
            assert r.status_code == 200, r.status_code
            return r

        calls = (
            ("floor_api", get_floor_api),
            ("floor_html", get_floor_html),
            ("worklist_api", get_api),
            ("worklist_html", get_html),
        )
        only = set(args.only.split(",")) if args.only else None
        for name, call in calls:
            if only is not None and name not in only:
                continue
            fig = {"workload": name, "who": who, **_measure(call, args.warm, args.reps)}
            print(json.dumps(fig, ensure_ascii=False) if args.json else fig, flush=True)
            if args.profile:
                prof = cProfile.Profile(time.process_time)  # CPU time: the host is shared
                prof.enable()
                for _ in range(args.reps):
                    call()
                prof.disable()
                pstats.Stats(prof).sort_stats("cumulative").print_stats(args.profile)
        if args.dump:
            out = Path(args.dump)
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{who}-api-1.json").write_bytes(get_api().content)
            (out / f"{who}-me.json").write_bytes(get_floor_api().content)
            body = get_floor_html().content.decode()
            body = re.sub(r'(name="csrfmiddlewaretoken" value="|nonce=")[^"]*', r"\1", body)
            (out / f"{who}-notifications.html").write_text(body)
            # The whole list in pages of 7 (cursors included), as a client walks it.
            pages, nxt = [], ""
            while nxt is not None:
                body = api.get(API.replace("limit=50", "limit=7") + (f"&next={nxt}" if nxt else "")).content
                pages.append(body.decode())
                nxt = json.loads(body)["next"]
            (out / f"{who}-api-pages.json").write_text("\n".join(pages))
            page, path = 1, HTML
            while path and page <= 2:
                body = html.get(path).content.decode()
                body = re.sub(r'(name="csrfmiddlewaretoken" value="|nonce=")[^"]*', r"\1", body)
                (out / f"{who}-html-{page}.html").write_text(body)
                found = re.search(r'href="\?(next=[0-9.-]+)"', body)
                page, path = page + 1, (f"{HTML}?{found.group(1)}" if found else "")


if __name__ == "__main__":
    main()
