"""The templates of the programme's ledgers: companies, commissioners, assignments, policies, indicators.

`SPECS` holds each ledger's columns (`lib.excel_import.Field`: Chinese header, required, maximum
length, help); `write_template(kind, target)` writes one data sheet (headers only, dropdowns on enumerated
columns, identifiers as text so Excel keeps an 18-digit 信用代码 whole) and a 填写说明 sheet with every column
explained and an example row. Reading and applying a filled template is `enterprise.imports`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.utils.translation import gettext_noop

from nuanqi.accounts.models import Unit, UnitKind, User
from nuanqi.columns import max_length
from nuanqi.lib.excel_import import Field
from nuanqi.lib.excel_template import YES_NO, import_template

from .models import Assignment, Commissioner, Company, Level, Metric, PeriodKind, Policy, Scale

KINDS = ("companies", "commissioners", "assignments", "policies", "indicators")
# Chinese on the workbooks (their headers are Chinese too); marked for the catalogue so pages translate them.
KIND_LABELS = {
    "companies": gettext_noop("企业"),
    "commissioners": gettext_noop("暖企专员"),
    "assignments": gettext_noop("派驻关系"),
    "policies": gettext_noop("惠企政策"),
    "indicators": gettext_noop("企业指标"),
}

if TYPE_CHECKING:
    Source = str | Path | IO[bytes]


@dataclass(frozen=True)
class Spec:
    kind: str
    fields: tuple[Field, ...]

    def __post_init__(self) -> None:
        marked = tuple(replace(f, text_only=f.key in TEXT_COLUMNS) for f in self.fields)
        object.__setattr__(self, "fields", marked)


_len = max_length  # a Field's max_length is its column's

# Identifiers: typed as text in the templates (Excel would keep 15 digits of an 18-digit 信用代码 or drop a
# phone number's leading 0), and refused from a number cell in an import.
TEXT_COLUMNS = {"uscc", "contact_phone", "phone", "username", "doc_number", "company", "commissioner"}

SPECS: dict[str, Spec] = {
    "companies": Spec(
        "companies",
        (
            Field(
                "name",
                "企业名称",
                True,
                help="全称，与营业执照一致",
                max_length=_len(Company, "name"),
                is_name=True,
            ),
            Field("uscc", "统一社会信用代码", True, help="18 位，校验位按 GB 32100 检查；全角字符自动转换"),
            Field("industry", "行业", True, help="GB/T 4754-2017：门类字母（C）、大类代码（27、C27）或名称"),
            Field("scale", "规模", True, help="大型、中型、小型、微型"),
            Field("above_scale", "规上企业", help="是 / 否"),
            Field("town", "所属镇街", True, help="本区镇（街道）全称，如 白泉镇、临城街道"),
            Field("address", "地址", max_length=_len(Company, "address")),
            Field("key_company", "重点企业", help="是 / 否"),
            Field("contact_name", "联系人", max_length=_len(Company, "contact_name"), is_name=True),
            Field("contact_phone", "联系电话", max_length=_len(Company, "contact_phone")),
            Field("tags", "标签", help="多个用顿号分隔，如 高新技术企业、专精特新", max_length=50),
        ),
    ),
    "commissioners": Spec(
        "commissioners",
        (
            Field("username", "账号", True, help="登录名，字母数字", max_length=_len(User, "username")),
            Field("name", "姓名", True, max_length=_len(User, "display_name"), is_name=True),
            Field(
                "former_post",
                "原任职务",
                True,
                help="如 原区水利局局长",
                max_length=_len(Commissioner, "former_post"),
            ),
            Field("batch", "批次", True, help="第一批、第二批 …，或 1、2"),
            Field("dispatched_on", "派驻日期", True, help="2023-01-29 或 2023年1月29日"),
            Field("signed", "已签保密条约", help="是 / 否"),
            Field("signed_on", "签订日期"),
            Field("phone", "手机", max_length=_len(User, "phone")),
        ),
    ),
    "assignments": Spec(
        "assignments",
        (
            Field("company", "企业", True, help="企业名称或统一社会信用代码"),
            Field("commissioner", "专员账号", True),
            Field("started_on", "开始日期", True, help="接替现任专员时，现任专员当日卸任（交接）"),
            Field("note", "说明", max_length=_len(Assignment, "note")),
        ),
    ),
    "policies": Spec(
        "policies",
        (
            Field("title", "政策名称", True, max_length=_len(Policy, "title"), is_name=True),
            Field("level", "层级", True, help="国家、省、市、区"),
            Field("issuer", "发文单位", max_length=_len(Policy, "issuer")),
            Field("doc_number", "文号", max_length=_len(Policy, "doc_number")),
            Field("valid_from", "有效期起"),
            Field("valid_to", "有效期止"),
            Field("deadline", "申报截止"),
            Field("benefit", "扶持内容", max_length=_len(Policy, "benefit")),
            Field("max_amount", "最高金额(万元)"),
            Field("auto_grant", "免申即享", help="是 / 否"),
            Field("industries", "适用行业", help="多个用顿号分隔：C、C27、医药制造业；空为不限"),
            Field("scales", "适用规模", help="大型、中型 …；空为不限"),
            Field("above_scale_only", "仅限规上", help="是 / 否"),
            Field("towns", "适用镇街", help="空为全区"),
            Field("tags", "须具备标签", help="如 高新技术企业、专精特新（须全部具备）", max_length=50),
            Field("thresholds", "指标门槛", help="如 产值>=2000；用工人数>=50（按最近年度指标）"),
        ),
    ),
    "indicators": Spec(
        "indicators",
        (
            Field("company", "企业", True, help="企业名称或统一社会信用代码"),
            Field("metric", "指标", True, help="产值、营收、税收（万元），用工人数（人），安全事故数（起）"),
            Field("period_kind", "周期", True, help="月度、季度、年度"),
            Field("period", "期间", True, help="2022、2022年3月、2022年第1季度、2022Q1"),
            Field("value", "数值", True),
        ),
    ),
}


EXAMPLES: dict[str, dict[str, Any]] = {
    "companies": {
        "name": "舟山某某制造有限公司",
        "uscc": "91330902MA2A1B2C3X",
        "industry": "C27",
        "scale": "小型",
        "above_scale": "否",
        "town": "白泉镇",
        "address": "定海区白泉镇某某路 8 号",
        "key_company": "否",
        "contact_name": "王某某",
        "contact_phone": "13905801234",
        "tags": "高新技术企业、专精特新",
    },
    "commissioners": {
        "username": "zhang_zy",
        "name": "张某某",
        "former_post": "原区水利局局长",
        "batch": "第一批",
        "dispatched_on": "2023-01-29",
        "signed": "是",
        "signed_on": "2023-01-29",
        "phone": "13905801234",
    },
    "assignments": {
        "company": "舟山某某制造有限公司",
        "commissioner": "zhang_zy",
        "started_on": "2023-02-01",
        "note": "首次包联",
    },
    "policies": {
        "title": "定海区促进制造业高质量发展若干政策",
        "level": "区",
        "issuer": "定海区人民政府",
        "doc_number": "定政发〔2023〕1号",
        "valid_from": "2023-01-01",
        "valid_to": "2025-12-31",
        "deadline": "2023-06-30",
        "benefit": "技术改造投资补助",
        "max_amount": 100,
        "auto_grant": "否",
        "industries": "C",
        "scales": "中型、小型",
        "above_scale_only": "是",
        "towns": "",
        "tags": "",
        "thresholds": "产值>=2000",
    },
    "indicators": {
        "company": "舟山某某制造有限公司",
        "metric": "产值",
        "period_kind": "年度",
        "period": "2022",
        "value": 2500,
    },
}


def template_choices(kind: str) -> dict[str, list[str]]:
    """The dropdown of each enumerated column of a template: fixed choices, and the district's towns."""
    towns = list(
        Unit.objects.filter(kind=UnitKind.TOWN, active=True).order_by("name").values_list("name", flat=True)
    )
    yes_no = list(YES_NO)
    table: dict[str, dict[str, list[str]]] = {
        "companies": {
            "scale": [str(label) for label in Scale.labels],
            "above_scale": yes_no,
            "key_company": yes_no,
            "town": towns,
        },
        "commissioners": {"signed": yes_no},
        "assignments": {},
        "policies": {
            "level": [str(lv.label) for lv in Level],
            "auto_grant": yes_no,
            "above_scale_only": yes_no,
        },
        "indicators": {
            "metric": [str(m.label) for m in Metric],
            "period_kind": [str(p.label) for p in PeriodKind],
        },
    }
    return table[kind]


def write_template(kind: str, target: Source) -> None:
    """The data sheet (headers only, dropdowns on enumerated columns, identifiers as text) and a 填写说明
    sheet with every column explained and an example row."""
    spec = SPECS[kind]
    wb = import_template(
        KIND_LABELS[kind],
        spec.fields,
        choices=template_choices(kind),
        text_keys=tuple(TEXT_COLUMNS),
        examples=EXAMPLES[kind],
    )
    wb.save(target)
