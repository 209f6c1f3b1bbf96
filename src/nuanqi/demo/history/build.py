"""Build the committed ledger file from the written requests: `python -m nuanqi.demo.history.build`.

Everything but the text is drawn here with a fixed seed — the dates (spread over three and a half years),
the company, nature, channel, how it ended and the rating — so the file is the same on every run. The text,
the 小项 and the final lead unit are as written in `texts_*.py`. The output is committed (`ledger.xlsx`) and
frozen: the routing figures in docs/routing.md are measured on it.
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from . import TEXTS

LEDGER = Path(__file__).with_name("ledger.xlsx")
SEED = 20230129
START = datetime(2022, 3, 1, 8, 30)
SPAN_DAYS = 1300

# The demo's companies (nuanqi.demo.seed_data.COMPANIES), by name.
COMPANIES = (
    "舟山华康生物科技有限公司",
    "舟山长宏国际船舶修造有限公司",
    "舟山新区旅游服务有限公司",
    "森森集团股份有限公司",
    "弘业建设集团有限公司",
    "浙江聚泰新能源材料有限公司",
    "舟山良海粮油有限公司",
    "舟山太平洋海洋工程有限公司",
)
CHANNELS = ("企业求助", "企业求助", "企业求助", "电话", "网上", "来访", "主动请缨")
RESULTS = (
    "已联系企业，{unit}当面解释政策并明确办理路径，企业表示认可。",
    "{unit}现场核实后已协调解决，企业确认问题已处理。",
    "经{unit}研究，按现行规定答复企业，并告知后续办理渠道。",
    "{unit}牵头召开协调会，明确责任分工和时间节点，事项已办结。",
    "已转{unit}专人对接，材料一次性告知，企业已完成办理。",
)
_CONSULT = re.compile(r"咨询|请问|怎么|如何|哪里|什么|吗|？|\?")
_COMPLAINT = re.compile(r"投诉|不合理|罚|推诿|来回跑|没人回复|太慢|迟迟")

HEADERS = (
    "原编号",
    "受理时间",
    "企业",
    "标题",
    "内容",
    "大类",
    "小项",
    "性质",
    "渠道",
    "主办单位",
    "协办单位",
    "导入状态",
    "办结时间",
    "办理结果",
    "满意度",
)


def rows() -> list[list[Any]]:
    from nuanqi.demo.seed_data import CATEGORIES

    parent = {leaf: top for top, leaves in CATEGORIES.items() for leaf in leaves}
    rng = random.Random(SEED)
    stamped = []
    for leaf, unit, title, content in TEXTS:
        minutes = rng.randrange(SPAN_DAYS * 24 * 60)
        received = START + timedelta(minutes=minutes)
        # Requests arrive in office hours mostly.
        received = received.replace(hour=rng.choice((8, 9, 9, 10, 10, 11, 14, 14, 15, 16, 17, 19)))
        stamped.append((received, leaf, unit, title, content))
    stamped.sort(key=lambda r: r[0])
    out: list[list[Any]] = []
    per_year: dict[int, int] = {}
    for received, leaf, unit, title, content in stamped:
        per_year[received.year] = per_year.get(received.year, 0) + 1
        text = f"{title}{content}"
        nature = "投诉" if _COMPLAINT.search(text) else ("咨询" if _CONSULT.search(text) else "求助")
        resolved = received + timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 6))
        rated = rng.random() < 0.7
        satisfaction = rng.choices(("满意", "基本满意", "不满意"), (85, 12, 3))[0] if rated else None
        out.append(
            [
                f"DH{received.year}-{per_year[received.year]:04d}",
                received,
                rng.choice(COMPANIES),
                title,
                content,
                parent[leaf],
                leaf,
                nature,
                rng.choice(CHANNELS),
                unit,
                None,
                "已评价" if rated else "已办结",
                resolved,
                rng.choice(RESULTS).format(unit=unit),
                satisfaction,
            ]
        )
    return out


def build(target: Path = LEDGER) -> int:
    from nuanqi.lib.excel import Column, write_ledger

    kinds = {"受理时间": "datetime", "办结时间": "datetime"}
    columns = [
        Column(h, 30 if h in ("标题", "内容", "办理结果") else 14, kinds.get(h, "text")) for h in HEADERS
    ]
    return write_ledger(target, columns, rows(), title="历史事项")


if __name__ == "__main__":
    print(f"{build()} rows → {LEDGER}")
