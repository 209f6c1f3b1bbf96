"""`nuanqi open311 key create NAME | list | revoke NAME`: the Open311 clients' API keys."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from nuanqi.cli import setup


def cmd_key_create(args: argparse.Namespace) -> None:
    setup(args.home)
    from .open311.service import issue_key

    try:
        key, raw = issue_key(args.name)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        raise SystemExit(2) from None
    print(f"已为 Open311 客户端“{key.name}”创建 api_key，请妥善保存，仅显示这一次：", file=sys.stderr)
    print(raw)


def cmd_key_list(args: argparse.Namespace) -> None:
    setup(args.home)
    from .models import Open311Key

    for k in Open311Key.objects.order_by("name"):
        used = f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "从未使用"
        state = f"已吊销 {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "有效"
        print(f"{k.prefix}  {k.name}  创建 {k.created_at:%Y-%m-%d}  最近使用 {used}  {state}")


def cmd_key_revoke(args: argparse.Namespace) -> None:
    setup(args.home)
    from django.utils import timezone

    from .models import Open311Key

    count = Open311Key.objects.filter(name=args.name, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not count:
        print(f"没有名为“{args.name}”的有效密钥", file=sys.stderr)
        raise SystemExit(1)
    print(f"已吊销 Open311 客户端“{args.name}”的 api_key")


def register(sub: Any, home: argparse.ArgumentParser) -> None:
    o311 = sub.add_parser("open311", help="Open311 GeoReport v2 接口")
    keys = o311.add_subparsers(dest="open311_cmd", required=True).add_parser("key", help="客户端接口密钥")
    ksub = keys.add_subparsers(dest="key_cmd", required=True)
    sp = ksub.add_parser("create", help="为客户端创建 api_key（最后一行为密钥）", parents=[home])
    sp.add_argument("name", help="客户端名称，如“区数字城管平台”")
    sp.set_defaults(func=cmd_key_create)
    sp = ksub.add_parser("list", help="列出密钥（前缀、名称、最近使用）", parents=[home])
    sp.set_defaults(func=cmd_key_list)
    sp = ksub.add_parser("revoke", help="吊销某客户端的密钥", parents=[home])
    sp.add_argument("name")
    sp.set_defaults(func=cmd_key_revoke)
