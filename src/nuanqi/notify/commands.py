"""`nuanqi worker [--once]`: SLA sweeps and delivery of the outbox, in one loop."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from typing import Any

from nuanqi.cli import setup


def run_once() -> dict[str, Any]:
    from nuanqi.cases.sweeps import sweep

    from .outbox import deliver_all

    swept = sweep()
    delivered = deliver_all()
    return {
        "cards": swept.raised,
        "sent": delivered.sent,
        "failed": delivered.failed,
        "dead": delivered.dead,
    }


def cmd_worker(args: argparse.Namespace) -> None:
    setup(args.home)
    stop = {"now": False}

    def _stop(signum: int, frame: Any) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if args.once:
        r = run_once()
        cards = "，".join(f"{k}={v}" for k, v in r["cards"].items() if v) or "无"
        print(f"时限巡检：{cards}；通知：送达 {r['sent']}，待重试 {r['failed']}，失败 {r['dead']}")
        return
    print(f"暖企 worker 已启动（每 {args.interval} 秒一轮，Ctrl+C 退出）", flush=True)
    while not stop["now"]:
        try:
            r = run_once()
            if r["sent"] or r["failed"] or r["dead"] or any(r["cards"].values()):
                print(r, flush=True)
        except Exception as exc:  # the loop survives a bad round (e.g. the database restarting)
            print(f"本轮出错：{exc}", file=sys.stderr, flush=True)
        for _ in range(int(args.interval * 10)):
            if stop["now"]:
                break
            time.sleep(0.1)


def register(sub: Any, home: argparse.ArgumentParser) -> None:
    sp = sub.add_parser("worker", help="后台任务：时限巡检（黄牌/红牌/催办/督办）与通知投递", parents=[home])
    sp.add_argument("--once", action="store_true", help="只执行一轮巡检和一轮投递后退出")
    sp.add_argument("--interval", type=float, default=10.0, help="两轮之间的秒数（默认 10）")
    sp.set_defaults(func=cmd_worker)
