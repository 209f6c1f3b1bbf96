"""`nuanqi bench seed --cases N`: fill a fresh database with the scale generator's world."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def cmd_bench_seed(args: argparse.Namespace) -> None:
    from nuanqi.cli import setup

    setup(getattr(args, "home", None))
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from nuanqi.demo.scale import build_scale

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    try:
        report = build_scale(args.cases, seed=args.seed, workers=args.workers, log=log)
    except RuntimeError as exc:
        print(str(exc), file=sys.stderr)
        raise SystemExit(2) from None
    print(
        f"已生成 {report['cases']:,} 个事项、{report['events']:,} 条时间线记录、"
        f"{report['tasks']:,} 个协办任务，"
        f"用时 {report['seconds']} 秒",
        file=sys.stderr,
    )
    print(json.dumps(report, ensure_ascii=False))


def register(sub: Any, home: argparse.ArgumentParser) -> None:
    bench = sub.add_parser("bench", help="压测工具").add_subparsers(dest="bench_command", required=True)
    sp = bench.add_parser("seed", help="向空库写入大规模压测数据（批量写入）", parents=[home])
    sp.add_argument("--cases", type=int, default=100_000, help="事项数（默认 100000）")
    sp.add_argument("--seed", type=int, default=20230330, help="随机种子")
    sp.add_argument("--workers", type=int, default=None, help="生成进程数（默认每核一个；0 表示不另起进程）")
    sp.set_defaults(func=cmd_bench_seed)
