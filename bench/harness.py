"""The province-scale benchmark: seed, serve the way a user does, load it from another process, write figures.

    python bench/harness.py [--db sqlite|postgres] [--cases 1000000 | --sizes 100000,300000,1000000]
                            [--reps 2] [--reseed] [--only w1,w2]

With `--sizes` (or BENCH_SIZES) the whole run below is repeated for each size, smallest first, each on its
own seeded world, under one run id: the cost curve (`bench/summarize.py --curve`).

1. Seeds a database with `nuanqi bench seed --cases N` (kept in var/bench/<db>-<N>/ and reused when it
   already holds N seeded cases; PostgreSQL uses the database nuanqi_bench_<N> on $BENCH_PG_URL, or the one
   database $BENCH_PG_DB, reseeded whenever it holds another size's world). Then the fixtures of the
   modules' workloads (bench/modules.py: patrol points and an Open311 key, an open round of inspections, a
   programme of projects, routing keyword rules), made once per world through the app's services.
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
# BENCH_RESULTS: another folder for the JSON lines (a trial run that should not join bench/results/).
RESULTS = Path(os.environ.get("BENCH_RESULTS") or BENCH / "results")
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


def seconds_scale() -> float:
    """BENCH_SECONDS_SCALE: every load's duration times this (default 1; below 1 only for a quick check of
    the tooling — the figures are then noisier and are tagged with `seconds_scale`)."""
    return float(os.environ.get("BENCH_SECONDS_SCALE", "1") or 1)


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.db = args.db
        self.cases = args.cases
        self.reps = args.reps
        # BENCH_RUN_ID: given by the parent of a run over several sizes, so that they share it.
        self.run_id = os.environ.get("BENCH_RUN_ID") or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        # BENCH_HOME: where the seeded world lives (default var/bench/<db>-<N>/ in the checkout).
        home = os.environ.get("BENCH_HOME")
        self.home = Path(home) if home else ROOT / "var" / "bench" / f"{self.db}-{self.cases}"
        self.env = {
            **os.environ,
            "NUANQI_HOME": str(self.home),
            "NUANQI_BENCH": "1",
            # The public tip intake's load comes from many clients, told apart by X-Forwarded-For (the
            # load generator's --xff-pool); the server believes the header from the loopback only.
            "NUANQI_TRUSTED_PROXIES": "127.0.0.1",
        }
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
        if seconds_scale() != 1:
            row["seconds_scale"] = seconds_scale()
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
                "basis",
            )
        }
        log(f"{workload}: {shown}")

    # ------------------------------------------------------------ seed

    def seed(self, reseed: bool) -> None:
        marker = self.home / "seeded.json"
        if self.db == "postgres":
            if marker.exists() and not reseed and not self._pg_holds(marker):
                log(f"{self.pg_db} holds another world than {self.home}: reseeding")
                marker.unlink()
            self._pg_database(drop=reseed or not marker.exists())
        if marker.exists() and not reseed:
            info = json.loads(marker.read_text())
            # The wall time of the seeding, as a fresh seed records it (the seeder's own "seconds" leave out
            # the migrations and the start-up).
            self.seed_s = info.get("wall_s", info.get("seconds"))
            log(f"reusing the seeded database in {self.home} ({info.get('cases')} cases)")
            return
        if self.db == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                (self.home / f"nuanqi.sqlite3{suffix}").unlink(missing_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        if self.db == "postgres":
            self._pg_stamp(None)
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
        report["world"] = f"{self.db}-{self.cases}-{self.run_id}"
        if self.db == "postgres":
            self._pg_stamp(report["world"])
        marker.write_text(json.dumps(report, ensure_ascii=False))
        log(f"seeded in {self.seed_s} s: {report}")

    def _pg_url(self) -> str:
        return str(self.env["NUANQI_DATABASE_URL"]).replace("postgres://", "postgresql://")

    def _pg_name(self) -> str:
        return self.pg_db or f"nuanqi_bench_{self.cases}"

    def _pg_stamp(self, world: str | None) -> None:
        """Name the seeded world in the database's comment, so a home's marker is trusted only while its
        database still holds that world (one BENCH_PG_DB serves every size in turn); None before seeding,
        so that a seed stopped halfway leaves no world named."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self._pg_url(), autocommit=True) as conn:
            conn.execute(
                sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                    sql.Identifier(self._pg_name()), sql.Literal(f"nuanqi-bench {world}" if world else None)
                )
            )

    def _pg_holds(self, marker: Path) -> bool:
        import psycopg

        world = json.loads(marker.read_text()).get("world")
        if world is None:  # a marker written before worlds were stamped: trust it, as before
            return True
        try:
            with psycopg.connect(self._pg_url(), autocommit=True) as conn:
                row = conn.execute(
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                    [self._pg_name()],
                ).fetchone()
        except psycopg.OperationalError:
            return False
        return bool(row) and row[0] == f"nuanqi-bench {world}"

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
        xff_pool: int = 0,
    ) -> Any:
        """Run the load generator and return its figures; `background=True` starts it (no warm-up) and
        returns the process, whose stdout holds the figures when it ends. `xff_pool=N`: each request says
        it comes from one of N client addresses (X-Forwarded-For), for the per-client limits."""
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
        if xff_pool:
            cmd += ["--xff-pool", str(xff_pool)]
        seconds = round(seconds * seconds_scale(), 2)
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


def parse_sizes(text: str) -> list[int]:
    """ "100000,300000,1000000" (also "100k,300k,1M") → [100000, 300000, 1000000], smallest first."""
    out = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        mult = {"k": 1_000, "m": 1_000_000}.get(part[-1].lower(), 1)
        number = part[:-1] if mult != 1 else part
        try:
            value = int(float(number.replace("_", "")) * mult)
        except ValueError:
            raise SystemExit(f"BENCH_SIZES: not a size: {part!r}") from None
        if value <= 0:
            raise SystemExit(f"BENCH_SIZES: not a size: {part!r}")
        out.add(value)
    return sorted(out)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="nuanqi province-scale benchmark")
    p.add_argument("--db", choices=("sqlite", "postgres"), default=os.environ.get("BENCH_DB", "sqlite"))
    p.add_argument("--cases", type=int, default=int(os.environ.get("BENCH_CASES", "1000000")))
    p.add_argument(
        "--sizes",
        default=os.environ.get("BENCH_SIZES", ""),
        help="comma-separated sizes (e.g. 100000,300000,1000000): the same workloads on a world of each size",
    )
    p.add_argument("--reps", type=int, default=int(os.environ.get("BENCH_REPS", "2")))
    p.add_argument("--reseed", action="store_true", default=os.environ.get("BENCH_RESEED") == "1")
    p.add_argument("--only", default=os.environ.get("BENCH_ONLY", ""), help="comma-separated workloads")
    args = p.parse_args(argv)
    if args.sizes:
        run_sizes(args)
        return
    sys.path.insert(0, str(BENCH))
    from workloads import run_all

    b = Bench(args)
    b.seed(args.reseed)
    try:
        run_all(b, [w for w in args.only.split(",") if w])
    finally:
        b.stop()
    log(f"figures appended to {b.out} (run {b.run_id})")


def run_sizes(args: argparse.Namespace) -> None:
    """The whole bench once per size, smallest first, each in its own process (Django's settings, and so
    its database, are fixed once a process has set them up) under one run id. With BENCH_HOME, each size
    lives in $BENCH_HOME/<db>-<N>/."""
    run_id = os.environ.get("BENCH_RUN_ID") or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    parent = os.environ.get("BENCH_HOME")
    for size in parse_sizes(args.sizes):
        env = {**os.environ, "BENCH_RUN_ID": run_id, "BENCH_SIZES": ""}
        if parent:
            env["BENCH_HOME"] = str(Path(parent) / f"{args.db}-{size}")
        cmd = [
            PY,
            str(Path(__file__).resolve()),
            "--db",
            args.db,
            "--cases",
            str(size),
            "--reps",
            str(args.reps),
        ]
        cmd += ["--only", args.only] + (["--reseed"] if args.reseed else [])
        log(f"=== {size:,} cases ({args.db}, run {run_id})")
        subprocess.run(cmd, env=env, check=True)
    out = RESULTS / f"{args.db}.jsonl"
    log(f"the curve: .venv/bin/python bench/summarize.py --curve {out} --run {run_id}")


if __name__ == "__main__":
    main()
