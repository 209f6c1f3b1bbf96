"""`nuanqi routing train` and `nuanqi routing evaluate`: the routing model on the command line.

nuanqi routing train       # fit on the district's closed cases, write $NUANQI_HOME/routing/model.json
nuanqi routing evaluate    # JSON: holdout and time-blocked 5-fold CV beside two baselines
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def _setup(args: argparse.Namespace) -> None:
    from nuanqi.cli import setup

    setup(getattr(args, "home", None))
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def cmd_train(args: argparse.Namespace) -> None:
    _setup(args)
    from .retrain import model_path, train_now

    try:
        meta = train_now()
    except ValueError as exc:
        print(f"训练失败：{exc}", file=sys.stderr)
        raise SystemExit(1) from None
    what = f"{meta['cases']} 件已办结事项，{meta['features']} 个特征，用时 {meta['seconds']} 秒"
    print(f"已训练：{what} → {model_path()}")


def cmd_evaluate(args: argparse.Namespace) -> None:
    _setup(args)
    from nuanqi.accounts.models import Unit

    from . import data, train

    samples = data.samples()
    if len(samples) < 20:
        print(f"已办结事项只有 {len(samples)} 件，无法评估", file=sys.stderr)
        raise SystemExit(1)
    names = dict(Unit.objects.values_list("pk", "name"))
    print(json.dumps(train.evaluate(samples, names, k=args.folds), ensure_ascii=False, indent=1))


def register(sub: Any, home: argparse.ArgumentParser) -> None:
    p = sub.add_parser("routing", help="派单建议模型：训练与评估")
    psub = p.add_subparsers(dest="routing_command", required=True)
    sp = psub.add_parser("train", help="用已办结事项训练派单建议模型", parents=[home])
    sp.set_defaults(func=cmd_train)
    sp = psub.add_parser(
        "evaluate", help="按时间顺序评估（留出 20% 与 5 折时间分块交叉验证），输出 JSON", parents=[home]
    )
    sp.add_argument("--folds", type=int, default=5)
    sp.set_defaults(func=cmd_evaluate)
