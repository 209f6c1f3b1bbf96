"""The demo's history: the committed ledger imported through the historical case import, and the routing
model trained on it, so suggestions work on the first `./nq demo`. Also a handful of 权责清单 keyword rules,
which the suggestion falls back to in a district without enough closed cases."""

from __future__ import annotations

from typing import Any

from nuanqi.accounts.models import Unit
from nuanqi.cases.models import Category

from .build import LEDGER

# (unit short name, 小项, words): a few lines of the units' 权责清单, as an admin would enter them.
RULES: list[tuple[str, str, str]] = [
    ("区供电公司", "用电", "用电、停电、增容、变压器、电压、报装、光伏并网"),
    ("市自然资源和规划局定海分局", "用地", "用地、土地、出让、宗地、红线、不动产权证"),
    ("区人社局", "用工", "招工、用工、劳动合同、工伤、招聘"),
    ("区生态环境分局", "环评", "环评、排污许可、环境影响"),
    ("区应急管理局", "安全生产", "安全生产、隐患、有限空间、应急预案"),
    ("区消防救援大队", "消防", "消防、灭火器、喷淋、疏散"),
    ("区税务局", "税收优惠", "退税、加计扣除、发票、纳税"),
    ("区住建局", "施工许可", "施工许可、图审、施工图"),
]


def import_history() -> int:
    """Import the ledger (the same import a district runs); the number of cases."""
    from nuanqi.enterprise.case_import import run_import

    with LEDGER.open("rb") as f:
        report = run_import(f, actor=None)
    if not report.ok:
        raise RuntimeError("演示历史台账导入失败：" + "；".join(str(e) for e in report.errors[:5]))
    for short, leaf, words in RULES:
        unit = Unit.objects.get(short_name=short)
        category = Category.objects.filter(name=leaf, parent__isnull=False).first()
        from nuanqi.routing.models import KeywordRule

        KeywordRule.objects.create(unit=unit, category=category, words=words)
    return report.created


def train_model() -> dict[str, Any]:
    from nuanqi.routing.retrain import train_now

    return train_now()
