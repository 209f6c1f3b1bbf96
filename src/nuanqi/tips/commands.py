"""`nuanqi tips escrow init|reseal`: the deployment's escrow key for tips (docs/tips-keys.md).

- `init --private-key-out FILE` makes a key pair, writes the private key to FILE (to be moved offline, e.g.
  onto a USB key in the 巡察办's safe) and the public key to $NUANQI_HOME/tips-escrow.pub; tips filed from
  then on are also sealed to it.
- `reseal USERNAME --private-key FILE` seals every tip (and, for a group leader, every identity) of the
  member's groups to the member's current key: the recovery after a password reset when no other member can
  re-seal.
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
from pathlib import Path
from typing import Any


def _fail(message: str) -> None:
    print(message, file=sys.stderr)
    raise SystemExit(2)


def cmd_escrow_init(args: argparse.Namespace) -> None:
    from nuanqi.cli import setup

    setup(getattr(args, "home", None))
    from nuanqi.tips import crypto, keys

    out = Path(args.private_key_out)
    if out.exists():
        _fail(f"{out} 已存在，不会覆盖 / exists, not overwritten")
    if keys.escrow_path().exists() and not args.replace:
        _fail("已有托管公钥；确需更换请加 --replace（旧托管私钥仍须保存，用于此前的举报）")
    private, public = crypto.new_keypair()
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.b64encode(private).decode() + "\n")
    keys.escrow_path().parent.mkdir(parents=True, exist_ok=True)
    keys.escrow_path().write_text(base64.b64encode(public).decode() + "\n")
    print(f"托管私钥已写入 {out}：请立即移出本机离线保管，本机不留副本。")
    print(f"托管公钥 / escrow public key: {base64.b64encode(public).decode()}")


def cmd_escrow_reseal(args: argparse.Namespace) -> None:
    from nuanqi.cli import setup

    setup(getattr(args, "home", None))
    from nuanqi.accounts.models import User
    from nuanqi.tips import crypto, keys

    try:
        private = base64.b64decode(Path(args.private_key).read_text().strip(), validate=True)
    except (OSError, ValueError) as exc:
        _fail(f"无法读取托管私钥：{exc}")
    if len(private) != crypto.KEY_BYTES:
        _fail("托管私钥格式不对（应为 32 字节的 base64）")
    user = User.objects.filter(username=args.username).first()
    if user is None:
        _fail(f"没有账号“{args.username}”")
        return
    try:
        written = keys.escrow_reseal(private, user)
    except (ValueError, crypto.Unreadable) as exc:
        _fail(f"无法恢复：{exc}")
    print(f"已为 {user} 重新授权 {written} 份密钥 / {written} shares re-sealed")


def register(sub: Any, home: argparse.ArgumentParser) -> None:
    tips = sub.add_parser("tips", help="巡察举报").add_subparsers(dest="tips_command", required=True)
    escrow = tips.add_parser("escrow", help="托管密钥").add_subparsers(dest="escrow_command", required=True)
    sp = escrow.add_parser("init", help="生成托管密钥对（私钥写入文件，须离线保管）", parents=[home])
    sp.add_argument("--private-key-out", required=True, help="托管私钥写入的文件（不得已存在）")
    sp.add_argument("--replace", action="store_true", help="更换已有的托管公钥")
    sp.set_defaults(func=cmd_escrow_init)
    sp = escrow.add_parser("reseal", help="用托管私钥为成员恢复举报授权（密码重置后）", parents=[home])
    sp.add_argument("username", help="巡察组成员的账号")
    sp.add_argument("--private-key", required=True, help="托管私钥文件")
    sp.set_defaults(func=cmd_escrow_reseal)
