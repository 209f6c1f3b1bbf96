"""`nuanqi backup`, `nuanqi restore`, `nuanqi status` (docs/operations.md)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any


def _fail(message: str, code: int = 2) -> None:
    print(message, file=sys.stderr, flush=True)
    raise SystemExit(code)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_backup(args: argparse.Namespace) -> None:
    from nuanqi.cli import setup

    setup(getattr(args, "home", None))
    from .backup import KEY_FILES, BackupError, create

    out = Path(args.output).resolve()
    if not out.parent.is_dir():
        _fail(f"目录 {out.parent} 不存在")
    try:
        manifest = create(out, _progress)
    except BackupError as exc:
        _fail(f"备份失败：{exc}")
    except subprocess.CalledProcessError as exc:
        _fail(f"备份失败：{exc.cmd[0]} 出错：{(exc.stderr or b'').decode(errors='replace')[-500:]}")
    rows = manifest["rows"]
    print(
        f"备份完成：{out}（{out.stat().st_size / 1048576:.1f} MB）；事项 {rows.get('cases_case', 0)}，"
        f"时间线 {manifest['audit']['events']}，文件 {_media_count(manifest)}"
    )
    print(f"注意：密钥（{'、'.join(KEY_FILES)}）不在备份中，请按运维手册另行保管。")
    if args.keep:
        _prune(out, args.keep)


def _media_count(manifest: dict[str, Any]) -> int:
    return sum(1 for p in manifest["parts"] if p.startswith("media/"))


def _prune(latest: Path, keep: int) -> None:
    """Keep the newest `keep` archives named like this one's prefix (nuanqi-YYYYMMDD….tar)."""
    prefix = latest.name.split("-")[0]
    archives = sorted(latest.parent.glob(f"{prefix}-*.tar"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in archives[keep:]:
        old.unlink()
        print(f"已删除旧备份 {old.name}")


def _sqlite_count(path: Path, table: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])
    finally:
        conn.close()


def cmd_restore(args: argparse.Namespace) -> None:
    from .backup import KEY_FILES, BackupError, verify

    archive = Path(args.archive).resolve()
    home = Path(args.home).resolve()
    pg_url = os.environ.get("NUANQI_DATABASE_URL", "")
    if not archive.is_file():
        _fail(f"找不到备份文件 {archive}")
    if not pg_url and (home / "nuanqi.sqlite3").exists():
        _fail(f"目标 {home} 中已有数据库：只能恢复到空的数据目录，未做任何改动")
    if (home / "media").exists() and any((home / "media").iterdir()):
        _fail(f"目标 {home}/media 中已有文件：只能恢复到空的数据目录，未做任何改动")
    home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nq-restore-", dir=home) as tmp:
        scratch = Path(tmp)
        try:
            manifest = verify(archive, scratch)
        except BackupError as exc:
            _fail(f"恢复失败：{exc}")
        if args.keys:
            for name in KEY_FILES:
                src = Path(args.keys) / name
                if src.is_file() and not (home / name).exists():
                    shutil.copy2(src, home / name)
        if args.audit_key:
            if not Path(args.audit_key).is_file():
                _fail(f"找不到审计密钥文件 {args.audit_key}")
            shutil.copy2(args.audit_key, home / "audit_key")
            (home / "audit_key").chmod(0o600)
        os.environ["NUANQI_HOME"] = str(home)
        from nuanqi.cli import setup

        setup(str(home))
        from django.db import connection

        if manifest["database"] != connection.vendor:
            _fail(f"备份来自 {manifest['database']}，目标是 {connection.vendor}：请用相同类型的数据库恢复")
        if connection.vendor == "postgresql":
            if connection.introspection.table_names():
                _fail("目标 PostgreSQL 数据库不是空的：只能恢复到空库，未做任何改动")
            from .backup import _pg_env, pg_tool

            cmd, env = _pg_env(connection.settings_dict)
            subprocess.run(
                [
                    pg_tool("pg_restore", connection),
                    *cmd,
                    "--no-owner",
                    "--exit-on-error",
                    "-d",
                    connection.settings_dict["NAME"],
                    str(scratch / "db/nuanqi.pgdump"),
                ],
                check=True,
                env=env,
                capture_output=True,
            )
            with connection.cursor() as cursor:
                restored = {}
                for table in manifest["rows"]:
                    cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
                    restored[table] = cursor.fetchone()[0]
        else:
            connection.close()
            target = Path(connection.settings_dict["NAME"])
            shutil.copy2(scratch / "db/nuanqi.sqlite3", target)
            restored = {t: _sqlite_count(target, t) for t in manifest["rows"]}
        if (scratch / "media").exists():
            from django.conf import settings

            shutil.copytree(scratch / "media", Path(settings.MEDIA_ROOT), dirs_exist_ok=True)
    differ = {t: (n, restored.get(t)) for t, n in manifest["rows"].items() if restored.get(t) != n}
    if differ:
        _fail(f"恢复后的行数与备份清单不符：{differ}", 1)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from nuanqi.cases.models import Case, Event
    from nuanqi.cases.timeline import verify as audit_verify

    breaches = list(audit_verify())
    if breaches:
        hint = (
            "；时间线以原数据目录的 audit_key 加密保护，请用 --keys 提供它（恢复到新的空目录重来）"
            if args.audit_key is None and (args.keys is None or not (Path(args.keys) / "audit_key").exists())
            else ""
        )
        _fail(f"恢复完成，但审计校验失败：{len(breaches)} 个事项的时间线有问题{hint}", 1)
    media = sum(1 for p in manifest["parts"] if p.startswith("media/"))
    print(
        f"恢复完成：{manifest['version']} 版于 {manifest['created_at']} 的备份 → {home}；"
        f"事项 {Case.objects.count()}，时间线 {Event.objects.count()}（审计通过），文件 {media}，"
        f"各表行数与清单一致"
    )
    if args.keys is None:
        print("注意：未提供 --keys，已生成新的 secret_key 和 receipt_salt；原有的公众回执码将无法查询。")
    elif missing := [k for k in ("secret_key", "receipt_salt") if not (Path(args.keys) / k).exists()]:
        print(f"注意：--keys 目录中缺少 {'、'.join(missing)}")


def cmd_status(args: argparse.Namespace) -> None:
    from nuanqi.cli import setup

    setup(getattr(args, "home", None))
    from .health import readiness

    report = readiness()
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if not report["ready"]:
        raise SystemExit(1)


def register(sub: Any, home: argparse.ArgumentParser) -> None:
    sp = sub.add_parser("backup", help="备份数据库和文件（运行中也可备份；不含密钥）", parents=[home])
    sp.add_argument("-o", "--output", required=True, help="备份文件（.tar），不得已存在")
    sp.add_argument("--keep", type=int, default=0, help="只保留同目录下最新的 N 份备份（0：全部保留）")
    sp.set_defaults(func=cmd_backup)
    sp = sub.add_parser("restore", help="从备份恢复到空的数据目录（先校验，再恢复、迁移、审计）")
    sp.add_argument("archive", help="备份文件")
    sp.add_argument(
        "--home", required=True, help="空的数据目录（PostgreSQL 另设 NUANQI_DATABASE_URL，须为空库）"
    )
    sp.add_argument("--keys", help="另行保管的密钥目录（secret_key、receipt_salt 等），复制到数据目录")
    sp.add_argument("--audit-key", help="时间线的审计密钥文件（audit_key），时间线以它保护时必须提供")
    sp.set_defaults(func=cmd_restore)
    sp = sub.add_parser("status", help="就绪状态（与 /readyz 相同的 JSON）", parents=[home])
    sp.set_defaults(func=cmd_status)
