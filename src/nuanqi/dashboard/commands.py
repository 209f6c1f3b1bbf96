"""`nuanqi kpis`, `nuanqi export cases`, `nuanqi briefing`: the office's figures from the command line.

These run as the system (an operator on the server), over every case of the list engine except tips."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from typing import Any

from nuanqi.cli import setup


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        print(f"日期“{text}”格式不正确，应形如 2023-03-27", file=sys.stderr)
        raise SystemExit(2) from None


def _all_cases() -> Any:
    from nuanqi.cases.visibility import generic_cases

    # Sealed kinds (tips) are readable only in their module's pages, never in office-wide figures.
    return generic_cases()


def cmd_kpis(args: argparse.Namespace) -> None:
    setup(args.home)
    from nuanqi.cases import kpis
    from nuanqi.cases.errors import CaseError

    if args.op == "rebuild":
        from nuanqi.cases import rollup

        since = _day(args.since) if args.since else None
        done = rollup.rebuild(since)
        print(f"KPI 汇总表已重算：{done['cases']} 个事项，{done['rows']} 行")
        return
    if not args.date_from or not args.date_to:
        print("请用 --from 和 --to 指定受理日期范围", file=sys.stderr)
        raise SystemExit(2)
    start, end = _day(args.date_from), _day(args.date_to)
    try:
        # Every case but tips, from the daily roll-up when it is complete (the same figures, per case).
        rows = kpis.compute_all(start, end, args.by)
    except CaseError as exc:
        print(exc.message, file=sys.stderr)
        raise SystemExit(2) from None
    if args.json:
        out = {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "by": args.by or "",
            "rows": [k.as_dict() for k in rows],
        }
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return
    labels = [label for label, _n, _d in kpis.RATES.values()]
    print("\t".join(["", "受理量", "办结量", *labels, "平均办理工作日", "在办", "超期"]))
    for k in rows:
        rates = ["—" if v is None else f"{v * 100:.1f}%" for v in k.rates.values()]
        avg = "—" if k.avg_days is None else str(k.avg_days)
        print(
            "\t".join(
                [str(k.name), str(k.received), str(k.resolved), *rates, avg, str(k.open), str(k.overdue)]
            )
        )


def cmd_export_cases(args: argparse.Namespace) -> None:
    setup(args.home)
    from nuanqi.cases import coerce
    from nuanqi.cases.errors import CaseError
    from nuanqi.cases.queries import apply_filters, filters_from_query

    from . import ledger

    params = {
        "status": args.status or "",
        "kind": args.kind or "",
        "channel": args.channel or "",
        "from": args.date_from or "",
        "to": args.date_to or "",
        "sla": args.sla or "",
        "overdue": "1" if args.overdue else "",
    }
    try:
        f = filters_from_query(params)
        if args.unit:
            f.unit = coerce.unit(args.unit).pk
            params["unit"] = args.unit
        n = ledger.export(apply_filters(_all_cases(), f), args.output, notes=ledger.describe(params))
    except CaseError as exc:
        print(exc.message, file=sys.stderr)
        raise SystemExit(2) from None
    print(f"已导出 {n} 件事项到 {args.output}")


def cmd_briefing(args: argparse.Namespace) -> None:
    setup(args.home)
    from . import briefing

    end = _day(args.date_to) if args.date_to else None
    start = _day(args.date_from) if args.date_from else None
    if start is None:
        from django.utils import timezone

        today = timezone.localdate()
        start = today - timedelta(days=today.weekday() + 7)
    end = end or start + timedelta(days=6)
    if end < start:
        print("结束日期不能早于开始日期", file=sys.stderr)
        raise SystemExit(2)
    b = briefing.build(_all_cases(), start, end)
    briefing.write_xlsx(b, args.output)
    print(f"{b.title} 已写入 {args.output}")
    for h in b.highlights:
        print(f"  · {h}")


def _export_group(sub: Any) -> Any:
    """The `export` group's subcommands, shared with modules that export their own ledgers."""
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
    sp = sub.add_parser(
        "kpis",
        help="考核指标（及时签收率、按时办结率、满意率……）；kpis rebuild [--since 日期] 重算汇总表",
        parents=[home],
    )
    sp.add_argument("op", nargs="?", choices=["rebuild"], help="rebuild：从事项重算每日 KPI 汇总表")
    sp.add_argument("--since", help="只重算该日（含）以后受理或办结的事项，如工作日历变更之日")
    sp.add_argument("--from", dest="date_from", help="受理起始日期 2023-03-01")
    sp.add_argument("--to", dest="date_to", help="受理截止日期（含）")
    sp.add_argument("--by", choices=["unit", "commissioner", "category", "town", "channel", "month"])
    sp.add_argument("--json", action="store_true", help="输出 JSON")
    sp.set_defaults(func=cmd_kpis)

    sp = _export_group(sub).add_parser("cases", help="事项台账 (.xlsx)", parents=[home])
    sp.add_argument("--status", help="状态（代码或中文，open = 未办结）")
    sp.add_argument("--unit", help="主办单位（名称、简称或编号）")
    sp.add_argument("--kind", help="类别")
    sp.add_argument("--channel", help="渠道")
    sp.add_argument("--from", dest="date_from", help="受理起始日期")
    sp.add_argument("--to", dest="date_to", help="受理截止日期（含）")
    sp.add_argument("--sla", choices=["red", "yellow"], help="红牌或黄牌")
    sp.add_argument("--overdue", action="store_true", help="仅超期")
    sp.add_argument("-o", "--output", required=True, help="输出文件 .xlsx")
    sp.set_defaults(func=cmd_export_cases)

    sp = sub.add_parser("briefing", help="工作简报（周报）.xlsx", parents=[home])
    sp.add_argument("--from", dest="date_from", help="起始日期（默认上周一）")
    sp.add_argument("--to", dest="date_to", help="截止日期（默认起始后第 6 天）")
    sp.add_argument("-o", "--output", required=True, help="输出文件 .xlsx")
    sp.set_defaults(func=cmd_briefing)
