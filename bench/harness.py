"""The province-scale benchmark: seed, serve the way a user does, load it from another process, write figures.

    python bench/harness.py [--db sqlite|postgres] [--cases 1000000] [--reps 2] [--reseed]

1. Seeds a database with `nuanqi bench seed --cases N` (kept in var/bench/<db>-<N>/ and reused when it
   already holds N seeded cases; PostgreSQL uses the database nuanqi_bench_<N> on $BENCH_PG_URL).
2. Starts `nuanqi serve` (gunicorn) as a subprocess with NUANQI_BENCH=1, so the reference endpoints exist.
3. Drives each workload with bench/loadgen.py, a separate process on the loopback interface, bounded in
   time and in request count; every workload runs `--reps` times.
4. Appends one JSON line per figure to bench/results/<db>.jsonl (fields: workload, db, cases, run_id, rep,
   rps, p50_ms, p95_ms, p99_ms, errors, recall, per_s, mb as they apply).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
PY = sys.executable
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")

# 20 words and phrases people type into the search box (frequent, rare, multi-word).
SEARCH_TERMS = [
    "环评", "用地", "融资", "消防", "人才公寓", "排污许可证", "施工许可证", "稳岗补贴", "专精特新",
    "光伏并网", "变压器增容", "危化品", "码头", "台风过后", "专利申请", "留抵退税", "华康", "船舶修造",
    "环评审批", "信用修复",
]  # fmt: skip


def log(msg: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.db = args.db
        self.cases = args.cases
        self.reps = args.reps
        self.run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        # BENCH_HOME: where the seeded world lives (default var/bench/<db>-<N>/ in the checkout).
        home = os.environ.get("BENCH_HOME")
        self.home = Path(home) if home else ROOT / "var" / "bench" / f"{self.db}-{self.cases}"
        self.env = {**os.environ, "NUANQI_HOME": str(self.home), "NUANQI_BENCH": "1"}
        self.env.pop("NUANQI_DATABASE_URL", None)
        # BENCH_PG_DB: an existing database to use (emptied by dropping its public schema on a reseed)
        # instead of creating and dropping nuanqi_bench_<N>.
        self.pg_db = os.environ.get("BENCH_PG_DB", "")
        if self.db == "postgres":
            base = PG_URL.rsplit("/", 1)[0]
            self.env["NUANQI_DATABASE_URL"] = f"{base}/{self.pg_db or f'nuanqi_bench_{self.cases}'}"
        self.port = _free_port()
        self.server: subprocess.Popen[bytes] | None = None
        self.seed_s: float | None = None
        self.out = RESULTS / f"{self.db}.jsonl"
        self.tmp = Path(tempfile.mkdtemp(prefix="nqbench-"))

    # ------------------------------------------------------------ records

    def record(self, workload: str, **fig: Any) -> None:
        row = {"workload": workload, "db": self.db, "cases": self.cases, "run_id": self.run_id, **fig}
        if self.seed_s is not None:
            row["seed_s"] = self.seed_s
        row["ts"] = datetime.now(UTC).isoformat(timespec="seconds")
        RESULTS.mkdir(parents=True, exist_ok=True)
        with self.out.open("a") as fh:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        shown = {
            k: v
            for k, v in fig.items()
            if k
            in (
                "rep",
                "who",
                "rps",
                "p50_ms",
                "p95_ms",
                "errors",
                "recall",
                "per_s",
                "mb",
                "ms",
                "ratio",
                "pss_max_mb",
                "uss_max_mb",
            )
        }
        log(f"{workload}: {shown}")

    # ------------------------------------------------------------ seed

    def seed(self, reseed: bool) -> None:
        marker = self.home / "seeded.json"
        if self.db == "postgres":
            self._pg_database(drop=reseed or not marker.exists())
        if marker.exists() and not reseed:
            info = json.loads(marker.read_text())
            self.seed_s = info.get("seconds")
            log(f"reusing the seeded database in {self.home} ({info.get('cases')} cases)")
            return
        if self.db == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                (self.home / f"nuanqi.sqlite3{suffix}").unlink(missing_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        log(f"seeding {self.cases:,} cases on {self.db}")
        t0 = time.perf_counter()
        out = subprocess.run(
            [PY, "-m", "nuanqi.cli", "bench", "seed", "--cases", str(self.cases)],
            env=self.env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.PIPE,
            timeout=3600,
        )
        report = json.loads(out.stdout.decode().strip().splitlines()[-1])
        self.seed_s = round(time.perf_counter() - t0, 1)
        report["wall_s"] = self.seed_s
        marker.write_text(json.dumps(report, ensure_ascii=False))
        log(f"seeded in {self.seed_s} s: {report}")

    def _pg_database(self, drop: bool) -> None:
        import psycopg

        if self.pg_db:
            base = PG_URL.rsplit("/", 1)[0].replace("postgres://", "postgresql://")
            with psycopg.connect(f"{base}/{self.pg_db}", autocommit=True) as conn:
                if drop:
                    conn.execute("DROP SCHEMA public CASCADE")
                    conn.execute("CREATE SCHEMA public")
                conn.execute(f'ALTER DATABASE "{self.pg_db}" SET jit = off')
            return
        name = f"nuanqi_bench_{self.cases}"
        with psycopg.connect(PG_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists and drop:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                exists = None
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
            # As the peer measured: JIT compilation made query times jump between repetitions there.
            conn.execute(f'ALTER DATABASE "{name}" SET jit = off')

    # ------------------------------------------------------------ server

    def start(self) -> None:
        # A fresh server must also mean a cold KPI cache: the file cache outlives server processes.
        shutil.rmtree(self.home / "cache", ignore_errors=True)
        log(f"starting nuanqi serve on 127.0.0.1:{self.port}")
        self.server = subprocess.Popen(
            [
                PY,
                "-m",
                "nuanqi.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(os.environ.get("BENCH_WORKERS", "4")),
            ],
            env=self.env,
            cwd=ROOT,
            stdout=(self.tmp / "server.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for _ in range(600):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                if self.server.poll() is not None:
                    raise SystemExit(
                        f"server exited: {(self.tmp / 'server.log').read_text()[-2000:]}"
                    ) from None
                time.sleep(0.2)
        time.sleep(1.5)  # let every worker boot

    def stop(self) -> None:
        if self.server and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait()
        self.server = None

    def worker_peak_mb(self) -> float:
        """The largest peak RSS (VmHWM) among the server's gunicorn workers."""
        peak = 0
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
            if self.server and fields.get("PPid", "").strip() in {str(p) for p in self._server_pids()}:
                peak = max(peak, int(fields.get("VmHWM", "0 kB").split()[0]))
        return round(peak / 1024, 1)

    def worker_memory_mb(self) -> dict[str, float]:
        """Each gunicorn worker's RSS, PSS and USS now, from /proc/<pid>/smaps_rollup: pages shared with the
        master across the fork count fully in every worker's RSS, but only a share of them in PSS and not at
        all in USS (private pages). The largest worker's figures and the sum over the workers."""
        per: list[dict[str, int]] = []
        assert self.server is not None
        masters = set(self._server_pids()) - {self.server.pid}  # `nuanqi serve` runs gunicorn's master
        workers = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            ppid = next((line.split()[1] for line in text.splitlines() if line.startswith("PPid:")), "")
            if ppid.isdigit() and int(ppid) in masters:
                workers.append(int(status.parent.name))
        for pid in workers:
            try:
                text = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            kb = {
                k.strip(): int(v.split()[0])
                for k, v in (line.split(":", 1) for line in text.splitlines()[1:] if ":" in line)
            }
            per.append(
                {
                    "rss": kb.get("Rss", 0),
                    "pss": kb.get("Pss", 0),
                    "uss": kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0),
                }
            )
        out: dict[str, float] = {}
        for f in ("rss", "pss", "uss"):
            out[f"{f}_max_mb"] = round(max((p[f] for p in per), default=0) / 1024, 1)
            out[f"{f}_sum_mb"] = round(sum(p[f] for p in per) / 1024, 1)
        return out

    def _server_pids(self) -> list[int]:
        assert self.server is not None
        pids = [self.server.pid]
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            if f"PPid:\t{self.server.pid}\n" in text:
                pids.append(int(status.parent.name))
        return pids

    # ------------------------------------------------------------ load

    def load(
        self,
        *,
        conns: int,
        seconds: float,
        paths: list[str],
        method: str = "GET",
        headers: dict[str, str] | None = None,
        bodies: list[Any] | None = None,
        expect: int = 200,
        max_requests: int = 200_000,
        warmup: float = 1.0,
        timeout: float = 30,
        form: bool = False,
        background: bool = False,
    ) -> Any:
        """Run the load generator and return its figures; `background=True` starts it (no warm-up) and
        returns the process, whose stdout holds the figures when it ends."""
        tag = "bg-" if background else ""
        cmd = [
            PY,
            str(BENCH / "loadgen.py"),
            "--port",
            str(self.port),
            "--method",
            method,
            "--timeout",
            str(timeout),
            "--conns",
            str(conns),
            "--expect",
            str(expect),
            "--max-requests",
            str(max_requests),
        ]
        pf = self.tmp / f"{tag}paths.json"
        pf.write_text(json.dumps(paths))
        cmd += ["--paths-file", str(pf)]
        for k, v in (headers or {}).items():
            cmd += ["--header", f"{k}: {v}"]
        if bodies is not None:
            bf = self.tmp / f"{tag}bodies.json"
            bf.write_text(json.dumps(bodies, ensure_ascii=False))
            cmd += ["--bodies", str(bf)]
            if form:
                cmd += ["--form"]
        if background:
            return subprocess.Popen([*cmd, "--seconds", str(seconds)], stdout=subprocess.PIPE)
        if warmup:
            subprocess.run(
                [*cmd, "--seconds", str(warmup)], check=True, stdout=subprocess.DEVNULL, timeout=warmup + 120
            )
        out = subprocess.run(
            [*cmd, "--seconds", str(seconds)],
            check=True,
            stdout=subprocess.PIPE,
            timeout=seconds + 2 * timeout + 180,
        )
        return json.loads(out.stdout)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="nuanqi province-scale benchmark")
    p.add_argument("--db", choices=("sqlite", "postgres"), default=os.environ.get("BENCH_DB", "sqlite"))
    p.add_argument("--cases", type=int, default=int(os.environ.get("BENCH_CASES", "1000000")))
    p.add_argument("--reps", type=int, default=int(os.environ.get("BENCH_REPS", "2")))
    p.add_argument("--reseed", action="store_true", default=os.environ.get("BENCH_RESEED") == "1")
    p.add_argument("--only", default=os.environ.get("BENCH_ONLY", ""), help="comma-separated workloads")
    args = p.parse_args(argv)
    sys.path.insert(0, str(BENCH))
    from workloads import run_all

    b = Bench(args)
    b.seed(args.reseed)
    try:
        run_all(b, [w for w in args.only.split(",") if w])
    finally:
        b.stop()
    log(f"figures appended to {b.out.relative_to(ROOT)} (run {b.run_id})")


if __name__ == "__main__":
    main()
