"""`nuanqi import …`, `nuanqi export …` and `nuanqi policies match`: the ledgers on the command line.

nuanqi import template companies -o 企业导入模板.xlsx
nuanqi import companies 企业.xlsx          # exit 0 with a summary, or 1 listing every bad row; all or nothing
nuanqi import cases 历史事项.xlsx          # the historical case ledger (any kind on nuanqi.lib.importkinds)
nuanqi export companies -o 企业台账.xlsx --town 白泉镇
nuanqi policies match                     # JSON: companies, policies, matches, seconds
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXPORT_KINDS = (
    "companies",
    "commissioners",
    "assignments",
    "policies",
    "matches",
    "applications",
    "indicators",
    "inspections",
    "projects",
)
EXPORT_FILTERS = (
    *("town", "industry", "scale", "key", "q", "company", "batch"),
    *("level", "metric", "period_kind", "unit", "status", "current"),
)


def _setup(args: argparse.Namespace) -> None:
    from nuanqi.cli import setup

    setup(getattr(args, "home", None))
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _kind(key: str) -> Any:
    """The registered import kind (modules register theirs from their apps), or exit listing them."""
    from nuanqi.lib.importkinds import get_import, import_kinds

    kind = get_import(key)
    if kind is None:
        options = "、".join(f"{k.key}（{k.label}）" for k in import_kinds())
        print(f"未知的导入类型“{key}”（可选：{options}）", file=sys.stderr)
        raise SystemExit(2)
    return kind


def cmd_import(args: argparse.Namespace) -> None:
    """`import template KIND [-o FILE]` or `import KIND FILE`."""
    _setup(args)
    from nuanqi.lib.excel_import import TemplateError

    if args.kind == "template":
        kind = _kind(args.file)
        out = args.output or f"{kind.key}-template.xlsx"
        kind.write_template(out)
        print(f"已生成导入模板：{out}")
        return
    kind = _kind(args.kind)
    if args.file is None:
        print("请给出要导入的 Excel 文件", file=sys.stderr)
        raise SystemExit(2)
    try:
        report = kind.run(args.file, actor=None)
    except (TemplateError, FileNotFoundError) as exc:
        print(f"导入失败：{exc}", file=sys.stderr)
        raise SystemExit(1) from None
    if not report.ok:
        for e in report.errors:
            print(e)
        print(report.summary())
        raise SystemExit(1)
    print(report.summary())


def cmd_export(args: argparse.Namespace) -> None:
    _setup(args)
    from nuanqi.cases.errors import CaseError

    from .exports import export

    filters = {k: getattr(args, k) for k in EXPORT_FILTERS if getattr(args, k, None)}
    out = args.output or f"{args.kind}.xlsx"
    try:
        n = export(args.kind, out, filters=filters)
    except CaseError as exc:
        print(exc.message, file=sys.stderr)
        raise SystemExit(1) from None
    print(f"已导出 {n} 行：{out}")


def cmd_match(args: argparse.Namespace) -> None:
    _setup(args)
    from .matching import recompute_all

    print(json.dumps(recompute_all(), ensure_ascii=False))


def _export_group(sub: Any) -> Any:
    """The `export` group, shared with other modules that export ledgers (the first to register makes it)."""
    parser = sub.choices.get("export")
    if parser is None:
        return sub.add_parser("export", help="导出台账（Excel）").add_subparsers(
            dest="export_kind", required=True
        )
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise RuntimeError("export has no subcommands")


def register(sub: Any, home: argparse.ArgumentParser) -> None:
    # The kinds are those registered on nuanqi.lib.importkinds (companies, commissioners, assignments,
    # policies, indicators, cases, points, projects …): known once the apps are loaded, so checked then.
    imp = sub.add_parser(
        "import",
        help="从 Excel 模板导入台账（全部成功才写入）：import KIND FILE，或 import template KIND -o FILE",
        parents=[home],
    )
    imp.add_argument("kind", help="台账类型（companies、cases …），或 template")
    imp.add_argument("file", nargs="?", help="要导入的 .xlsx；template 时为台账类型")
    imp.add_argument("-o", "--output", help="template：模板的保存位置")
    imp.set_defaults(func=cmd_import)

    esub = _export_group(sub)
    for kind in EXPORT_KINDS:
        sp = esub.add_parser(kind, help=f"导出 {kind}", parents=[home])
        sp.add_argument("-o", "--output")
        for name in EXPORT_FILTERS:
            sp.add_argument(f"--{name.replace('_', '-')}", dest=name)
        sp.set_defaults(func=cmd_export, kind=kind)

    pol = sub.add_parser("policies", help="惠企政策")
    psub = pol.add_subparsers(dest="policies_command", required=True)
    sp = psub.add_parser("match", help="为全部企业重新匹配全部政策（输出 JSON 摘要）", parents=[home])
    sp.set_defaults(func=cmd_match)
