"""A small closed-loop HTTP load generator (its own process; loopback only; bounded in time and count).

    python bench/loadgen.py --port 8765 --conns 8 --seconds 15 --max-requests 200000 --method POST \
        --path /api/v1/cases --header "Authorization: Bearer …" --bodies bodies.json --expect 201

`--path` may be given several times (or `--paths-file` with a JSON list); each client cycles through them.
`--xff-pool N`: request k says it comes from client address k mod N (`X-Forwarded-For: 198.18.x.y`, the
benchmarking range of RFC 2544; only a header — every request still goes to the loopback), so per-client
limits see N clients, not one.
Prints one JSON object: count, errors, rps, p50_ms, p95_ms, p99_ms, max_ms, statuses.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import sys
import threading
import time
import urllib.parse


def percentile(sorted_ms: list[float], p: float) -> float | None:
    if not sorted_ms:
        return None
    k = min(len(sorted_ms) - 1, max(0, round(p / 100 * len(sorted_ms) + 0.5) - 1))
    return round(sorted_ms[k], 2)


def run(args: argparse.Namespace) -> dict[str, object]:
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("loadgen only talks to the loopback interface")
    paths: list[str] = list(args.path or [])
    if args.paths_file:
        with open(args.paths_file) as fh:
            paths += json.load(fh)
    bodies: list[bytes | None] = [None]
    if args.bodies:
        with open(args.bodies) as fh:
            if args.form:  # form-encoded, as Open311 clients post
                bodies = [urllib.parse.urlencode(b).encode() for b in json.load(fh)]
            else:
                bodies = [json.dumps(b, ensure_ascii=False).encode() for b in json.load(fh)]
    headers = dict(h.split(": ", 1) for h in args.header or [])
    if args.bodies:
        headers.setdefault(
            "Content-Type", "application/x-www-form-urlencoded" if args.form else "application/json"
        )
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    errors = 0
    issued = itertools.count()
    deadline = time.perf_counter() + args.seconds

    def client(n: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection(args.host, args.port, timeout=args.timeout)
        k = n
        mine: list[float] = []
        mine_status: dict[str, int] = {}
        mine_err = 0
        while time.perf_counter() < deadline and next(issued) < args.max_requests:
            path = paths[k % len(paths)]
            body = bodies[k % len(bodies)]
            sent = headers
            if args.xff_pool:
                n = k % args.xff_pool
                sent = {**headers, "X-Forwarded-For": f"198.18.{n // 250}.{n % 250 + 1}"}
            k += args.conns
            t0 = time.perf_counter()
            try:
                conn.request(args.method, path, body=body, headers=sent)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(args.host, args.port, timeout=args.timeout)
                mine_err += 1
                continue
            mine.append((time.perf_counter() - t0) * 1000)
            mine_status[str(status)] = mine_status.get(str(status), 0) + 1
            if status != args.expect:
                mine_err += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += mine_err
            for s, c in mine_status.items():
                statuses[s] = statuses.get(s, 0) + c

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(args.seconds + args.timeout + 30)
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "count": len(latencies),
        "errors": errors,
        "seconds": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 1) if elapsed else 0,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "max_ms": round(latencies[-1], 2) if latencies else None,
        "statuses": statuses,
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--method", default="GET")
    p.add_argument("--path", action="append")
    p.add_argument("--paths-file")
    p.add_argument("--header", action="append")
    p.add_argument("--bodies", help="JSON file with a list of request bodies, cycled")
    p.add_argument("--form", action="store_true", help="send the bodies (objects) form-encoded, not as JSON")
    p.add_argument("--conns", type=int, default=4)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--max-requests", type=int, default=500_000)
    p.add_argument("--expect", type=int, default=200)
    p.add_argument("--timeout", type=float, default=30, help="seconds before a request counts as an error")
    p.add_argument(
        "--xff-pool", type=int, default=0, help="spread requests over N client addresses (≤ 64,000)"
    )
    args = p.parse_args(argv)
    json.dump(run(args), sys.stdout)
    print()


if __name__ == "__main__":
    main()
