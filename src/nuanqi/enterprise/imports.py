"""Excel imports of the programme's ledgers: companies, commissioners, assignments, policies, indicators.

Every import reads the whole file first and validates every row (each bad cell is reported with its row,
column and reason); only a file without a single error is applied, in one transaction — nothing is ever
half-imported. Templates come from `import_templates.write_template(kind, target)`: one sheet, Chinese
headers, a comment on each header saying what it takes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from nuanqi.accounts.models import Role, RoleGrant, User
from nuanqi.cases.errors import Forbidden
from nuanqi.columns import decimal_cell
from nuanqi.lib import gbt4754
from nuanqi.lib.cells import CellError, normalize_text, parse_bool, parse_date, parse_list, parse_name
from nuanqi.lib.excel_import import ImportReport, TemplateError, check_row
from nuanqi.lib.importkinds import read_rows
from nuanqi.lib.phone import MESSAGE as PHONE_MESSAGE
from nuanqi.lib.phone import is_phone, mainland_mobile

from .import_fields import (
    _LEVELS,
    _METRICS,
    _PERIODS,
    Towns,
    _choice_parser,
    parse_industry,
    parse_period,
    parse_scale,
    parse_thresholds,
    parse_uscc,
)
from .import_templates import KINDS, SPECS, Spec
from .models import (
    Assignment,
    Batch,
    Commissioner,
    Company,
    Indicator,
    Level,
    Metric,
    PeriodKind,
    Policy,
)
from .outcomes import period_bounds

if TYPE_CHECKING:
    from .import_templates import Source


# ---------------------------------------------------------------- running


def _check_actor(actor: User | None) -> None:
    # None is the command line: whoever runs `nuanqi import` operates the server.
    if actor is not None and not actor.has_role(Role.ADMIN, Role.DISPATCHER):
        raise Forbidden("只有营商办工作人员可以导入台账")


def run_import(kind: str, source: Source, *, actor: User | None = None) -> ImportReport:
    """Validate every row; apply all of them in one transaction only if none is bad."""
    _check_actor(actor)
    if kind not in SPECS:
        raise TemplateError(f"未知的导入类型“{kind}”（可选：{'、'.join(KINDS)}）")
    report = ImportReport(kind)
    spec = SPECS[kind]
    importer = {
        "companies": _companies,
        "commissioners": _commissioners,
        "assignments": _assignments,
        "policies": _policies,
        "indicators": _indicators,
    }[kind]
    rows = read_rows(source, spec.fields, report)
    # The rows and the derived work (policy matching) commit together or not at all.
    with transaction.atomic():
        importer(report, rows, actor)
        if report.ok and kind in ("companies", "policies", "indicators"):
            # What a company is eligible for may have changed with its record, the library or its figures.
            from .matching import recompute_all

            report.matches = recompute_all()["matches"]
    return report


def _rows(
    report: ImportReport, rows: list[tuple[int, dict[str, Any]]], spec: Spec, parsers: dict[str, Any]
) -> list[tuple[int, dict[str, Any]]]:
    good = []
    for number, raw in rows:
        parsed = check_row(report, number, raw, spec.fields, parsers)
        if parsed is not None:
            good.append((number, parsed))
    return good


def _header(kind: str, key: str) -> str:
    return next(f.header for f in SPECS[kind].fields if f.key == key)


_COMPANY_FIELDS = [
    "name",
    "industry",
    "industry_name",
    "scale",
    "above_scale",
    "town",
    "address",
    "key_company",
    "contact_name",
    "contact_phone",
    "tags",
]


def _companies(report: ImportReport, rows: list[tuple[int, dict[str, Any]]], actor: User | None) -> None:
    towns = Towns()
    parsers = {
        "uscc": parse_uscc,
        "industry": parse_industry,
        "scale": parse_scale,
        "above_scale": parse_bool,
        "key_company": parse_bool,
        "town": towns.parse,
        "tags": parse_list,
    }
    good = _rows(report, rows, SPECS["companies"], parsers)
    existing = {u: (pk, n) for pk, u, n in Company.objects.values_list("pk", "uscc", "name")}
    name_owner = {n: u for _pk, u, n in Company.objects.values_list("pk", "uscc", "name")}
    seen_uscc: dict[str, int] = {}
    seen_name: dict[str, int] = {}
    for number, r in good:
        name = r["name"]
        if len(name) > 100:
            report.add(number, "企业名称", "不能超过 100 字")
        if r["uscc"] in seen_uscc:
            report.add(number, "统一社会信用代码", f"与第 {seen_uscc[r['uscc']]} 行重复")
        if name in seen_name:
            report.add(number, "企业名称", f"与第 {seen_name[name]} 行重复")
        owner = name_owner.get(name)
        if owner is not None and owner != r["uscc"]:
            report.add(number, "企业名称", f"已登记为信用代码 {owner} 的企业")
        if r["contact_phone"] and not is_phone(str(r["contact_phone"])):
            report.add(number, "联系电话", PHONE_MESSAGE)
        seen_uscc.setdefault(r["uscc"], number)
        seen_name.setdefault(name, number)
    if report.errors:
        return
    new, changed = [], []
    for _number, r in good:
        values = {
            "name": r["name"],
            "industry": r["industry"],
            "industry_name": gbt4754.lookup(r["industry"]).name,
            "scale": r["scale"],
            "above_scale": bool(r["above_scale"]),
            "town": r["town"],
            "address": r["address"] or "",
            "key_company": bool(r["key_company"]),
            "contact_name": r["contact_name"] or "",
            "contact_phone": r["contact_phone"] or "",
            "tags": r["tags"] or [],
        }
        if r["uscc"] in existing:
            changed.append(Company(pk=existing[r["uscc"]][0], uscc=r["uscc"], **values))
        else:
            new.append(Company(uscc=r["uscc"], **values))
    with transaction.atomic():
        Company.objects.bulk_create(new, batch_size=1000)
        Company.objects.bulk_update(changed, _COMPANY_FIELDS, batch_size=1000)
    report.created, report.updated = len(new), len(changed)


def _batch_number(value: Any) -> int:
    text = normalize_text(value)
    m = re.fullmatch(r"第?([0-9一二三四五六七八九十]+)批?", text)
    if not m:
        raise CellError(f"批次“{text}”应形如 第一批 或 1")
    token = m.group(1)
    if token.isdigit():
        return int(token)
    digits = "一二三四五六七八九"
    if token == "十":
        return 10
    if token.startswith("十"):
        return 10 + digits.index(token[1]) + 1
    return digits.index(token) + 1 if len(token) == 1 else int(m.group(1))


def _cn_number(n: int) -> str:
    digits = "一二三四五六七八九"
    if n <= 9:
        return digits[n - 1]
    if n < 20:
        return "十" + (digits[n - 11] if n > 10 else "")
    return str(n)


def _commissioners(report: ImportReport, rows: list[tuple[int, dict[str, Any]]], actor: User | None) -> None:
    parsers = {
        "batch": _batch_number,
        "dispatched_on": parse_date,
        "signed": parse_bool,
        "signed_on": parse_date,
    }
    good = _rows(report, rows, SPECS["commissioners"], parsers)
    seen: dict[str, int] = {}
    for number, r in good:
        if not re.fullmatch(r"[A-Za-z0-9_.@+-]{2,150}", r["username"]):
            report.add(number, "账号", "只能包含字母、数字和 _ . @ + -")
        if r["username"] in seen:
            report.add(number, "账号", f"与第 {seen[r['username']]} 行重复")
        seen.setdefault(r["username"], number)
        if r["phone"] and mainland_mobile(str(r["phone"])) is None:
            report.add(number, "手机", "应为 11 位手机号（如 13905801234）")
        if r["signed_on"] and not r["signed"]:
            report.add(number, "签订日期", "未签保密条约时不应填写签订日期")
    existing_users = {u.username: u for u in User.objects.filter(username__in=list(seen))}
    for number, r in good:
        u = existing_users.get(r["username"])
        # An import creates commissioners and updates them; it never takes over another kind of account
        # (a leader's, a handler's, a company contact's): renaming it or granting it a role is for the admin.
        if u is not None and not Commissioner.objects.filter(user=u).exists():
            kinds = "、".join(str(Role(role).label) for role in sorted(u.roles)) or "无角色"
            report.add(number, "账号", f"“{u.username}”已是其他人员的账号（{kinds}），不能导入为专员")
    if report.errors:
        return
    password = make_password(None)
    with transaction.atomic():
        batches = {b.number: b for b in Batch.objects.all()}
        for _number, r in good:
            batch = batches.get(r["batch"])
            if batch is None:
                batch = Batch.objects.create(
                    number=r["batch"], name=f"第{_cn_number(r['batch'])}批", started_on=r["dispatched_on"]
                )
                batches[batch.number] = batch
            user = existing_users.get(r["username"])
            if user is None:
                user = User.objects.create(
                    username=r["username"],
                    display_name=r["name"],
                    phone=r["phone"] or "",
                    password=password,
                    title="暖企专员",
                )
                report.created += 1
            else:
                user.display_name = r["name"]
                user.phone = r["phone"] or user.phone
                user.save(update_fields=["display_name", "phone"])
                report.updated += 1
            RoleGrant.objects.get_or_create(user=user, role=Role.COMMISSIONER)
            Commissioner.objects.update_or_create(
                user=user,
                defaults={
                    "former_post": r["former_post"],
                    "batch": batch,
                    "dispatched_on": r["dispatched_on"],
                    "confidentiality_signed": bool(r["signed"]),
                    "confidentiality_signed_on": r["signed_on"] if r["signed"] else None,
                },
            )


def _company_lookup() -> Callable[[Any], Company]:
    by_name: dict[str, Company] = {}
    by_uscc: dict[str, Company] = {}
    for c in Company.objects.only("pk", "name", "uscc"):
        by_name[c.name] = c
        by_uscc[c.uscc] = c

    def parse(value: Any) -> Company:
        text = normalize_text(value)
        # Names are stored as typed (NFC): a full-width （） stays full-width, which NFKC would fold.
        found = by_name.get(parse_name(value)) or by_name.get(text) or by_uscc.get(text.upper())
        if found is None:
            raise CellError(f"找不到企业“{text}”")
        return found

    return parse


def _assignments(report: ImportReport, rows: list[tuple[int, dict[str, Any]]], actor: User | None) -> None:
    commissioners = {
        c.user.username: c for c in Commissioner.objects.select_related("user").filter(user__is_active=True)
    }

    def parse_commissioner(value: Any) -> Commissioner:
        text = normalize_text(value)
        c = commissioners.get(text)
        if c is None:
            raise CellError(f"找不到专员账号“{text}”")
        if not c.active:
            raise CellError(f"专员“{c}”已不在岗")
        return c

    parsers = {"company": _company_lookup(), "commissioner": parse_commissioner, "started_on": parse_date}
    good = _rows(report, rows, SPECS["assignments"], parsers)
    current = {a.company_id: a for a in Assignment.objects.filter(ended_on__isnull=True)}
    last_start: dict[int, tuple[date, int]] = {}
    for number, r in sorted(good, key=lambda x: (x[1]["started_on"], x[0])):
        company = r["company"]
        previous = last_start.get(company.pk) or (
            (current[company.pk].started_on, 0) if company.pk in current else None
        )
        if previous and r["started_on"] < previous[0]:
            where = f"第 {previous[1]} 行" if previous[1] else "现任专员"
            report.add(number, "开始日期", f"早于{where}的派驻日期 {previous[0]:%Y-%m-%d}")
        last_start[company.pk] = (r["started_on"], number)
    if report.errors:
        return
    from .services import assign

    with transaction.atomic():
        for _number, r in sorted(good, key=lambda x: (x[1]["started_on"], x[0])):
            assign(r["commissioner"], r["company"], on=r["started_on"], actor=actor, note=r["note"] or "")
            report.created += 1


def _policies(report: ImportReport, rows: list[tuple[int, dict[str, Any]]], actor: User | None) -> None:
    towns = Towns()

    def industries(value: Any) -> list[str]:
        return [parse_industry(v) for v in parse_list(value)]

    def scales(value: Any) -> list[str]:
        return [parse_scale(v) for v in parse_list(value)]

    def town_names(value: Any) -> list[str]:
        return [towns.parse(v).name for v in parse_list(value)]

    parsers = {
        "level": _choice_parser(_LEVELS, "层级", Level.labels),
        "valid_from": parse_date,
        "valid_to": parse_date,
        "deadline": parse_date,
        "max_amount": decimal_cell(Policy, "max_amount", minimum=0),
        "auto_grant": parse_bool,
        "industries": industries,
        "scales": scales,
        "above_scale_only": parse_bool,
        "towns": town_names,
        "tags": parse_list,
        "thresholds": parse_thresholds,
    }
    good = _rows(report, rows, SPECS["policies"], parsers)
    seen: dict[tuple[str, str], int] = {}
    for number, r in good:
        key = (r["title"], r["doc_number"] or "")
        if key in seen:
            report.add(number, "政策名称", f"与第 {seen[key]} 行重复")
        seen.setdefault(key, number)
        if r["valid_from"] and r["valid_to"] and r["valid_to"] < r["valid_from"]:
            report.add(number, "有效期止", "早于有效期起")
    if report.errors:
        return
    existing = {(p.title, p.doc_number): p for p in Policy.objects.all()}
    with transaction.atomic():
        for _number, r in good:
            values = {
                "level": r["level"],
                "issuer": r["issuer"] or "",
                "valid_from": r["valid_from"],
                "valid_to": r["valid_to"],
                "deadline": r["deadline"],
                "benefit": r["benefit"] or "",
                "max_amount": r["max_amount"],
                "auto_grant": bool(r["auto_grant"]),
                "industries": r["industries"] or [],
                "scales": r["scales"] or [],
                "above_scale_only": bool(r["above_scale_only"]),
                "towns": r["towns"] or [],
                "tags": r["tags"] or [],
                "thresholds": r["thresholds"] or [],
            }
            found = existing.get((r["title"], r["doc_number"] or ""))
            if found is None:
                Policy.objects.create(title=r["title"], doc_number=r["doc_number"] or "", **values)
                report.created += 1
            else:
                Policy.objects.filter(pk=found.pk).update(**values)
                report.updated += 1


def _indicators(report: ImportReport, rows: list[tuple[int, dict[str, Any]]], actor: User | None) -> None:
    parsers = {
        "company": _company_lookup(),
        "metric": _choice_parser(_METRICS, "指标", Metric.labels),
        "period_kind": _choice_parser(_PERIODS, "周期", PeriodKind.labels),
        "period": parse_period,
        "value": decimal_cell(Indicator, "value", minimum=0),
    }
    good = _rows(report, rows, SPECS["indicators"], parsers)
    seen: dict[tuple[int, str, str, date], int] = {}
    for number, r in good:
        start, _end = period_bounds(r["period_kind"], r["period"])
        key = (r["company"].pk, r["metric"], r["period_kind"], start)
        if key in seen:
            report.add(number, "期间", f"与第 {seen[key]} 行重复")
        seen.setdefault(key, number)
    if report.errors:
        return
    now = timezone.now()
    with transaction.atomic():
        for _number, r in good:
            start, end = period_bounds(r["period_kind"], r["period"])
            _row, created = Indicator.objects.update_or_create(
                company=r["company"],
                metric=r["metric"],
                period_kind=r["period_kind"],
                period_start=start,
                defaults={
                    "period_end": end,
                    "value": r["value"],
                    "source": "excel",
                    "entered_by": actor,
                    "entered_at": now,
                },
            )
            if created:
                report.created += 1
            else:
                report.updated += 1
