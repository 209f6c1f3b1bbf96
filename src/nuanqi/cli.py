"""The `nuanqi` command: demo, serve, calendar, token, audit, and Django's management commands."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

# Modules that contribute subcommands. Each has `register(sub, home)`, where `sub` is the subparsers object
# and `home` a parent parser carrying `--home`; a command's function calls `setup(args.home)` first.
COMMAND_MODULES: list[str] = [
    "nuanqi.dashboard.commands",
    "nuanqi.notify.commands",
    "nuanqi.enterprise.commands",
    "nuanqi.demo.commands",
    "nuanqi.tips.commands",
    "nuanqi.ops.commands",
    "nuanqi.patrol.commands",
    "nuanqi.routing.commands",
]


def setup(home: str | None = None) -> None:
    """Point Django at the data directory and initialise it (for subcommands in other modules)."""
    _setup(home)


def _setup(home: str | None = None) -> None:
    if home:
        os.environ["NUANQI_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanqi.settings")
    import django

    django.setup()


def _fail(message: str, code: int = 2) -> None:
    print(message, file=sys.stderr)
    raise SystemExit(code)


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


# ------------------------------------------------------------------ serve / demo


def default_home() -> Path:
    """The one data directory `nuanqi serve`, `nuanqi demo` and every other command use unless told
    otherwise: $NUANQI_HOME, else ./var (the settings read the same variable with the same default)."""
    return Path(os.environ.get("NUANQI_HOME") or "var").resolve()


DEMO_MARKER = "DEMO"  # a file in a home the demo built: the demo rebuilds only such a home (or an empty one)


def _empty_database_hint() -> str | None:
    """What to do when the database has no account at all (a fresh home), else None."""
    from django.contrib.auth import get_user_model

    if get_user_model().objects.exists():
        return None
    from django.conf import settings

    home = settings.HOME
    return (
        f"数据库中还没有任何账号（数据目录 {home}），登录页将无法登录。\n"
        f"  试用演示数据：./nq demo 或 nuanqi demo --home {home}\n"
        f"  正式使用：nuanqi --home {home} manage createsuperuser 创建管理员账号后再登录\n"
        f"The database has no accounts yet: run `nuanqi demo --home {home}` for the demo, or "
        f"`nuanqi --home {home} manage createsuperuser` to create the first administrator."
    )


def cmd_serve(args: argparse.Namespace) -> None:
    _setup(args.home)
    _migrate()
    hint = _empty_database_hint()
    if hint:
        print(hint, file=sys.stderr, flush=True)
    _run_server(args.host, args.port, args.workers)


def metrics_dir(home: Path, *, fresh: bool) -> None:
    """prometheus-client's multiprocess directory, shared by the server's workers and `nuanqi worker`; set
    before any of them imports prometheus-client. The server starts it afresh."""
    path = home / "metrics"
    if fresh and path.exists():
        for f in path.glob("*.db"):
            f.unlink()
    path.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)


def _run_server(host: str, port: int, workers: int) -> None:
    from django.conf import settings

    metrics_dir(Path(settings.HOME), fresh=True)

    print(f"暖企 nuanqi 已启动：http://{host}:{port}/  （数据目录 {settings.HOME}，Ctrl+C 退出）", flush=True)
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "nuanqi.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        # Load the application in the master before forking: workers share its memory and start warm.
        # No gunicorn access log: its request line carries query strings (personal data); the application
        # logs one line per request without them (nuanqi.ops.requestlog).
        "--preload",
    ]
    raise SystemExit(_supervise(cmd))


def _supervise(cmd: list[str]) -> int:
    """Run gunicorn as a child and pass SIGTERM, SIGINT and SIGHUP on to it, so stopping `nuanqi serve`
    (systemd, docker stop, kill) stops gunicorn gracefully instead of leaving it running; the exit status is
    gunicorn's (0 after a graceful stop)."""
    import signal

    proc = subprocess.Popen(cmd, env={**os.environ})

    def forward(signum: int, _frame: object) -> None:
        if proc.poll() is None:
            proc.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        while True:
            try:
                code = proc.wait()
                break
            except KeyboardInterrupt:  # a second Ctrl+C while gunicorn shuts down: keep waiting for it
                continue
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if code in (0, -signal.SIGTERM, -signal.SIGINT) else code


def cmd_demo(args: argparse.Namespace) -> None:
    home = Path(args.home).resolve() if getattr(args, "home", None) else default_home()
    home.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("NUANQI_DATABASE_URL"):
        # The demo always starts from a fresh database in its home, but never wipes one it did not build.
        db = home / "nuanqi.sqlite3"
        if db.exists() and not (home / DEMO_MARKER).exists():
            _fail(
                f"数据目录 {home} 中已有非演示数据库，演示不会覆盖它；请用 --home 指定另一个目录。\n"
                f"{home} holds a database the demo did not build; choose another directory with --home."
            )
        for suffix in ("", "-wal", "-shm"):
            (home / f"nuanqi.sqlite3{suffix}").unlink(missing_ok=True)
        (home / DEMO_MARKER).write_text("built by `nuanqi demo`; the next `nuanqi demo` may rebuild it\n")
    _setup(str(home))
    _migrate()
    from nuanqi.demo.world import DEMO_PASSWORD, OPEN311_KEY, build_world

    summary = build_world()
    open311_key = summary.pop(OPEN311_KEY)
    print("演示数据已载入 / demo data loaded:")
    for key, value in summary.items():
        print(f"  {key}: {value}")
    print(f"演示账号（密码均为 {DEMO_PASSWORD}）/ demo logins (password {DEMO_PASSWORD}):")
    from nuanqi.demo.world import DEMO_LOGINS

    for username, role in DEMO_LOGINS:
        print(f"  {username:<14} {role}")
    print(f"Open311 演示客户端 api_key / demo Open311 key (POST /open311/v2/requests.json): {open311_key}")
    if args.no_serve:
        prog = sys.argv[0] if Path(sys.argv[0]).name == "nuanqi" else "nuanqi"
        same = home == default_home()
        print(f"演示数据目录 / demo home: {home}")
        print(f"启动网站 / to serve it: {prog} --home {home} serve")
        print(f"  （或 / or: ./nq serve{'' if same else f' --home {home}'}）")
        return
    _run_server(args.host, args.port, args.workers)


# ------------------------------------------------------------------ calendar


def _calendar() -> Any:
    """The calendar with the database's overrides when there is a database, else the published one."""
    try:
        _setup()
        from django.db.utils import DatabaseError

        from nuanqi.calendars.services import current_calendar

        try:
            return current_calendar(force=True)
        except DatabaseError:
            pass
    except Exception:
        pass
    from nuanqi.worktime import default_calendar

    return default_calendar()


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"日期“{text}”格式不正确，应形如 2023-01-29")
        raise


def _parse_start(text: str) -> datetime:
    from nuanqi.worktime import TZ

    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        _fail(f"起始时间“{text}”格式不正确，应形如 2023-03-27T09:00 或 2023-03-27T09:00:00+08:00")
        raise
    return value if value.tzinfo else value.replace(tzinfo=TZ)


def cmd_init(args: argparse.Namespace) -> None:
    """A new district's database, or one whose defaults went missing: the schema, then the default request
    categories, time limits and working hours that are not there (nothing present is changed)."""
    _setup(args.home)
    _migrate()
    from nuanqi.defaults import ensure

    made = ensure()
    if not any(made.values()):
        print("默认设置齐全，无需补充（分类、时限规则、作息时间）")
        return
    print(
        f"已补充默认设置：分类 {made['categories']} 项、时限规则 {made['sla']} 条、"
        f"作息时间 {made['schedules']} 条"
    )


def cmd_calendar_day(args: argparse.Namespace) -> None:
    cal = _calendar()
    info = cal.day_info(_parse_date(args.date))
    out = {"date": info.date.isoformat(), "workday": info.workday, "name": info.name}
    if not info.confirmed:
        out["provisional"] = True
        out["warning"] = (
            f"{info.date.year} 年的节假日安排尚未发布或录入，暂按《全国年节及纪念日放假办法》推算法定节假日"
            "及补假，调休待国务院通知发布后录入"
        )
        print(out["warning"], file=sys.stderr)
    print(json.dumps(out, ensure_ascii=False))


def cmd_calendar_deadline(args: argparse.Namespace) -> None:
    from nuanqi.worktime import TZ

    cal = _calendar()
    start = _parse_start(args.start)
    if args.working_days is not None:
        if args.working_days < 1:
            _fail("--working-days 须为正整数")
        deadline = cal.add_working_days(start, args.working_days)
    else:
        if args.working_hours < 0:
            _fail("--working-hours 不能为负数")
        deadline = cal.add_working_hours(start, args.working_hours)
    out = {"start": start.astimezone(TZ).isoformat(), "deadline": deadline.astimezone(TZ).isoformat()}
    years = cal.unconfirmed_years(start.astimezone(TZ).year, deadline.year)
    if years:
        print(
            f"注意：{'、'.join(map(str, years))} 年的节假日安排尚未发布或录入，暂按法定节假日及补假推算"
            "（不含调休）",
            file=sys.stderr,
        )
    print(json.dumps(out, ensure_ascii=False))


def _dated(items: list[str], default_name: str) -> dict[date, str]:
    out: dict[date, str] = {}
    for item in items:
        day, _sep, name = item.partition(":")
        out[_parse_date(day)] = name.strip() or default_name
    return out


def cmd_calendar_notice(args: argparse.Namespace) -> None:
    """Enter a year's State Council notice: days off and 调休 workdays, then confirm the year."""
    _setup(args.home)
    _migrate()
    from nuanqi.calendars.services import enter_notice

    off = _dated(args.off or [], "放假")
    work = _dated(args.work or [], "调休上班")
    try:
        moved = enter_notice(args.year, days_off=off, workdays=work, note=args.note or "")
    except ValueError as exc:
        _fail(str(exc))
        return
    print(
        f"已录入 {args.year} 年节假日安排：放假 {len(off)} 天、调休上班 {len(work)} 天；"
        f"该年已确认，法定推算不再使用；{moved} 个事项的期限已重算"
    )


# ------------------------------------------------------------------ token / audit


def cmd_token_create(args: argparse.Namespace) -> None:
    _setup(args.home)
    from nuanqi.accounts.models import ApiToken, User

    user = User.objects.filter(username=args.username, is_active=True).first()
    if user is None:
        _fail(f"找不到在用账号“{args.username}”", 1)
        return
    _token, raw = ApiToken.issue(user, name=args.name)
    print(f"已为 {user}（{user.username}）创建访问令牌，请妥善保存，仅显示这一次：", file=sys.stderr)
    print(raw)


def cmd_token_revoke(args: argparse.Namespace) -> None:
    """Revoke one token (by the prefix shown in `token list`) or all of an account's tokens."""
    _setup(args.home)
    from nuanqi.accounts.models import ApiToken

    tokens = ApiToken.objects.filter(user__username=args.username, revoked=False)
    if args.prefix:
        tokens = tokens.filter(prefix=args.prefix)
    elif not args.all:
        _fail("请用 --prefix 指定令牌，或用 --all 吊销该账号的全部令牌", 2)
        return
    count = tokens.update(revoked=True)
    if not count:
        _fail(f"账号“{args.username}”没有可吊销的令牌", 1)
        return
    print(f"已吊销 {count} 个令牌")


def cmd_token_list(args: argparse.Namespace) -> None:
    _setup(args.home)
    from nuanqi.accounts.models import ApiToken

    for t in ApiToken.objects.filter(user__username=args.username).order_by("created_at"):
        used = t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "从未使用"
        state = "已吊销" if t.revoked else ("已过期" if t.expired else "有效")
        print(f"{t.prefix}  {t.name or '-'}  创建 {t.created_at:%Y-%m-%d}  最近使用 {used}  {state}")


def cmd_audit_verify(args: argparse.Namespace) -> None:
    _setup(args.home)
    from nuanqi.cases.audit import check_anchor
    from nuanqi.cases.models import Case, Event
    from nuanqi.cases.timeline import verify

    breaches = list(verify())
    if args.anchor:
        breaches += list(check_anchor(Path(args.anchor)))
    for b in breaches:
        where = f"第 {b.seq} 条" if b.seq else "链头"
        print(f"{b.case_number} {where}：{b.problem}")
    cases, events = Case.objects.count(), Event.objects.count()
    if breaches:
        print(f"审计失败：发现 {len(breaches)} 处改动（共 {cases} 个事项、{events} 条记录）")
        raise SystemExit(1)
    anchored = "，与链头文件一致" if args.anchor else ""
    print(f"审计通过：{cases} 个事项、{events} 条时间线记录，哈希链完整、事项与时间线一致{anchored}")


def cmd_audit_anchor(args: argparse.Namespace) -> None:
    _setup(args.home)
    from django.utils import timezone

    from nuanqi.cases.audit import write_anchor

    now = timezone.localtime()
    path = Path(args.out or f"nuanqi-anchor-{now:%Y%m%d-%H%M%S}.json")
    counts = write_anchor(path, now)
    print(f"已写出链头文件 {path}：{counts['cases']} 个事项、{counts['counters']} 个编号计数器，已签名")
    print("请将此文件保存在本系统之外（如另一台机器或光盘）；日后用 audit verify --anchor 核对")


def cmd_manage(args: argparse.Namespace) -> None:
    _setup(args.home)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["nuanqi", *args.rest])


# ------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nuanqi", description="暖企 nuanqi — 清单制+责任制 工作平台")
    p.add_argument("--home", help="数据目录（默认 ./var 或 $NUANQI_HOME）")
    # `--home` is accepted before or after the subcommand; SUPPRESS keeps the top-level value when absent.
    home = argparse.ArgumentParser(add_help=False)
    home.add_argument("--home", default=argparse.SUPPRESS, help="数据目录（默认 ./var 或 $NUANQI_HOME）")
    sub = p.add_subparsers(dest="command", required=True)

    def server_args(sp: argparse.ArgumentParser, port: int = 8000) -> None:
        sp.add_argument("--host", default="127.0.0.1")
        sp.add_argument("--port", type=int, default=port)
        sp.add_argument("--workers", type=int, default=2)

    sp = sub.add_parser("serve", help="启动网站（gunicorn + whitenoise）", parents=[home])
    server_args(sp)
    sp.set_defaults(func=cmd_serve)

    sp = sub.add_parser(
        "init", help="建库并补齐默认设置（分类、时限规则、作息时间；可重复运行）", parents=[home]
    )
    sp.set_defaults(func=cmd_init)

    sp = sub.add_parser("demo", help="用报纸上的定海案例新建演示库并启动", parents=[home])
    sp.add_argument("--no-serve", action="store_true", help="只建库，不启动网站")
    server_args(sp)
    sp.set_defaults(func=cmd_demo)

    cal = sub.add_parser("calendar", help="工作日历").add_subparsers(dest="calendar_command", required=True)
    sp = cal.add_parser("day", help="某日是否工作日")
    sp.add_argument("date")
    sp.set_defaults(func=cmd_calendar_day)
    sp = cal.add_parser("deadline", help="计算期限")
    sp.add_argument("start")
    group = sp.add_mutually_exclusive_group(required=True)
    group.add_argument("--working-days", type=int)
    group.add_argument("--working-hours", type=float)
    sp.set_defaults(func=cmd_calendar_deadline)
    sp = cal.add_parser(
        "notice", help="录入某年国务院节假日安排通知（确认该年，重算已算出的期限）", parents=[home]
    )
    sp.add_argument("year", type=int)
    sp.add_argument(
        "--off", action="append", metavar="日期[:名称]", help="放假日，如 2027-02-05:春节（可重复）"
    )
    sp.add_argument("--work", action="append", metavar="日期[:名称]", help="调休上班日（可重复）")
    sp.add_argument("--note", help="依据，如通知文号")
    sp.set_defaults(func=cmd_calendar_notice)

    tok = sub.add_parser("token", help="访问令牌").add_subparsers(dest="token_command", required=True)
    sp = tok.add_parser("create", help="为账号创建访问令牌（最后一行为令牌）", parents=[home])
    sp.add_argument("username")
    sp.add_argument("--name", default="cli")
    sp.set_defaults(func=cmd_token_create)
    sp = tok.add_parser("list", help="列出账号的访问令牌（前缀、名称、最近使用）", parents=[home])
    sp.add_argument("username")
    sp.set_defaults(func=cmd_token_list)
    sp = tok.add_parser("revoke", help="吊销访问令牌", parents=[home])
    sp.add_argument("username")
    sp.add_argument("--prefix", help="令牌前缀（见 token list）")
    sp.add_argument("--all", action="store_true", help="吊销该账号的全部令牌")
    sp.set_defaults(func=cmd_token_revoke)

    aud = sub.add_parser("audit", help="审计").add_subparsers(dest="audit_command", required=True)
    sp = aud.add_parser("verify", help="校验时间线哈希链、事项状态与编号", parents=[home])
    sp.add_argument("--anchor", help="同时核对此前写出的链头文件")
    sp.set_defaults(func=cmd_audit_verify)
    sp = aud.add_parser("anchor", help="写出签名的链头文件（保存在系统之外）", parents=[home])
    sp.add_argument("--out", help="文件名（默认 nuanqi-anchor-日期时间.json）")
    sp.set_defaults(func=cmd_audit_anchor)

    # Modules add their own subcommands: each names a `register(sub, home)` function in COMMAND_MODULES.
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(sub, home)

    sp = sub.add_parser("manage", help="Django 管理命令（migrate、createsuperuser …）", parents=[home])
    sp.add_argument("rest", nargs=argparse.REMAINDER)
    sp.set_defaults(func=cmd_manage)
    return p


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
