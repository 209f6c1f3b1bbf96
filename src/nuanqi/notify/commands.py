"""`nuanqi worker [--once]`: SLA sweeps and delivery of the outbox, in one loop; `nuanqi notify test`."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

from nuanqi.cli import setup


def run_once(should_stop: Callable[[], bool] | None = None) -> dict[str, Any]:
    from nuanqi.cases.sweeps import sweep
    from nuanqi.ops.models import beat

    from .outbox import PassResult, deliver_all

    beat("worker")  # /readyz turns unready when this grows stale
    swept = sweep()
    from nuanqi.cases import rollup

    # The KPI roll-up: a calendar change recounts it from the changed day; the writers' deltas are folded.
    rollup.follow_calendar()
    rollup.fold()
    from nuanqi.ops.metrics import SWEEPS

    SWEEPS.inc()
    # A round of deliveries is bounded in time (sends have timeouts, a round has a budget), so the
    # sweeps run again soon however slow a channel is.
    delivered = PassResult() if should_stop and should_stop() else deliver_all(should_stop=should_stop)
    return {
        "cards": swept.raised,
        "sent": delivered.sent,
        "failed": delivered.failed,
        "dead": delivered.dead,
        "waiting": delivered.waiting,
    }


def cmd_worker(args: argparse.Namespace) -> None:
    setup(args.home)
    from pathlib import Path

    from django.conf import settings

    from nuanqi.cli import metrics_dir

    metrics_dir(Path(settings.HOME), fresh=False)  # its sweeps count into the server's /metrics
    stop = {"now": False}
    asked_at = [0.0]

    def _stop(signum: int, frame: Any) -> None:
        # The send in flight finishes (it has a timeout); nothing more is started.
        stop["now"] = True
        asked_at[0] = asked_at[0] or time.monotonic()

    def should_stop() -> bool:
        return stop["now"]

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    from .channels import send_timeout
    from .outbox import lease

    if lease().total_seconds() < 2 * send_timeout():
        print(
            f"警告：认领租期 {lease().total_seconds():g} 秒短于发送超时 {send_timeout():g} 秒的两倍，"
            "慢速发送期间消息可能被另一 worker 重发",
            file=sys.stderr,
            flush=True,
        )
    if args.once:
        r = run_once(should_stop)
        cards = "，".join(f"{k}={v}" for k, v in r["cards"].items() if v) or "无"
        print(
            f"时限巡检：{cards}；通知：送达 {r['sent']}，待重试 {r['failed']}，"
            f"等待限速 {r['waiting']}，失败 {r['dead']}"
        )
        return
    print(f"暖企 worker 已启动（每 {args.interval} 秒一轮，Ctrl+C 退出）", flush=True)
    while not stop["now"]:
        try:
            r = run_once(should_stop)
            if r["sent"] or r["failed"] or r["dead"] or any(r["cards"].values()):
                print(r, flush=True)
        except Exception as exc:  # the loop survives a bad round (e.g. the database restarting)
            print(f"本轮出错：{exc}", file=sys.stderr, flush=True)
        for _ in range(int(args.interval * 10)):
            if stop["now"]:
                break
            time.sleep(0.1)
    took = time.monotonic() - asked_at[0] if asked_at[0] else 0.0
    print(f"暖企 worker 已停止（收到停止信号后 {took:.2f} 秒）", flush=True)


def cmd_notify_test(args: argparse.Namespace) -> None:
    """Send one message on one channel now, outside the outbox, and print the server's answer."""
    setup(args.home)
    from .channels import SENDERS, Notice, SendError
    from .posts import build

    sender = SENDERS.get(args.channel)
    if sender is None:
        print(f"未知渠道：{args.channel}", file=sys.stderr)
        raise SystemExit(2)
    notice = Notice(
        title="暖企通知测试",
        body="这是一条测试消息。",
        address=args.to,
        case_number="TEST",
        event_id=0,
        delivery_id=0,
    )
    post = build(args.channel, [notice])[0]
    try:
        answer = sender(post)
    except SendError as exc:
        kind = "永久失败" if exc.permanent else ("限流" if exc.throttled else "暂时失败")
        print(f"发送失败（{kind}）：{exc}", file=sys.stderr)
        raise SystemExit(1) from None
    print(f"已发送。服务器应答：{answer}")


def register(sub: Any, home: argparse.ArgumentParser) -> None:
    sp = sub.add_parser("worker", help="后台任务：时限巡检（黄牌/红牌/催办/督办）与通知投递", parents=[home])
    sp.add_argument("--once", action="store_true", help="只执行一轮巡检和一轮投递后退出")
    sp.add_argument("--interval", type=float, default=10.0, help="两轮之间的秒数（默认 10）")
    sp.set_defaults(func=cmd_worker)
    notify = sub.add_parser("notify", help="通知渠道工具", parents=[home])
    nsub = notify.add_subparsers(dest="notify_cmd", required=True)
    test = nsub.add_parser("test", help="立即发送一条测试消息并显示服务器应答", parents=[home])
    test.add_argument("--channel", required=True, choices=["email", "dingtalk", "wecom", "sms"])
    test.add_argument("--to", default="", help="邮箱或手机号（机器人渠道可留空）")
    test.set_defaults(func=cmd_notify_test)
