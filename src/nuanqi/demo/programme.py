"""The programme around the seed's companies: tags, confidential notes, projects with milestones, policies
and their matches, applications, inspections (one warned, two to merge), department tasks, indicators that
reproduce the seed's figures (长宏: 产值 +130%, 安全生产事故 3 → 0) and a planned errand route.

Everything goes through the enterprise writers (records, inspections, outcomes, worklist) and the case
services, like the rest of the demo.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from nuanqi.calendars.services import current_calendar
from nuanqi.cases.access import resolve_subject
from nuanqi.cases.models import Case, Channel, Task, TaskStatus
from nuanqi.cases.services import NewCase, create_case, perform
from nuanqi.enterprise import inspections as insp
from nuanqi.enterprise import records
from nuanqi.enterprise.matching import recompute_all
from nuanqi.enterprise.models import Company, Inspection, InspectionStatus, Policy
from nuanqi.enterprise.outcomes import record_indicator
from nuanqi.enterprise.workflow import TASK
from nuanqi.enterprise.worklist import plan_errands

from . import seed_data as S

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

    from .world import _World

TAGS = {
    "huakang": ["高新技术企业", "科技型中小企业"],
    "changhong": ["专精特新", "高新技术企业"],
    "sensen": ["高新技术企业"],
    "taipingyang": ["专精特新"],
    "lianghai": ["农业产业化龙头企业"],
}

# (company key, name, investment 万元, capacity, {stage: (planned, actual)}, case titles it serves).
# Projects still under way are planned in days from the day the demo is built, so that they stay current;
# finished ones keep the dates of the seed's story.
Plan = dict[str, tuple[date | int, date | int | None]]
PROJECTS: list[tuple[str, str, Decimal, str, Plan, tuple[str, ...]]] = [
    (
        "huakang",
        "生物医药生产车间建设项目",
        Decimal("28000"),
        "年产原料药120吨",
        {
            "approval": (-300, -312),
            "land": (-240, -246),
            "energy": (-60, -65),
            "eia": (-10, None),  # the 环评 case is still with the bureau: 10 days behind plan
            "permit": (20, None),
            "start": (45, None),
            "acceptance": (400, None),
            "production": (460, None),
        },
        ("生产车间项目施工许可办理", "项目环评批复跟踪", S.CERTIFICATE_TITLE, "厂区临时用电增容"),
    ),
    (
        "sensen",
        "森森集团二期智能制造项目",
        Decimal("56000"),
        "年产智能水族电器300万台",
        {
            "approval": (date(2022, 6, 30), date(2022, 6, 20)),
            "land": (date(2022, 8, 31), date(2022, 8, 25)),
            "eia": (date(2022, 9, 30), date(2022, 9, 21)),
            "energy": (date(2022, 9, 30), date(2022, 9, 21)),
            "permit": (date(2022, 11, 30), date(2022, 10, 25)),
            "start": (date(2022, 12, 15), date(2022, 11, 2)),  # 提前开工 43 天
            "acceptance": (-20, -35),
            "production": (60, None),
        },
        ("二期项目施工许可提前办理", "二期项目竣工验收"),
    ),
    (
        "lianghai",
        "小包装自动化生产车间项目",
        Decimal("6500"),
        "年产小包装食用油5万吨",
        {
            "approval": (date(2022, 5, 31), date(2022, 5, 30)),
            "permit": (date(2022, 7, 15), date(2022, 7, 8)),
            "start": (date(2022, 7, 31), date(2022, 7, 20)),
            "acceptance": (date(2023, 2, 28), date(2023, 2, 10)),
            "production": (date(2023, 3, 31), date(2023, 2, 20)),  # 提前投产 39 天
        },
        ("小包装自动化生产车间项目竣工验收",),
    ),
    (
        "jutai",
        "年产20万吨新能源电池正极原材料项目",
        Decimal("350000"),
        "年产正极原材料20万吨",
        {
            "approval": (-200, -213),
            "land": (-120, -139),
            "eia": (15, None),
            "energy": (25, None),
            "permit": (60, None),
            "start": (90, None),
        },
        ("正极原材料项目环评审批", "项目节能审查", "项目施工用电专线接入"),
    ),
]


def _day(value: date | int) -> date:
    return value if isinstance(value, date) else timezone.localdate() + timedelta(days=value)


# (title, level, issuer, doc number, benefit, max 万元, 免申即享, eligibility)
POLICIES: list[tuple[str, str, str, str, str, Decimal | None, bool, dict[str, object]]] = [
    ("规上工业企业技术改造补助", "district", "定海区经济和信息化局", "定经信〔2023〕12号",
     "按设备投资额的 8% 给予补助", Decimal("300"), False, {"industries": ["C"], "above_scale_only": True}),
    ("高新技术企业所得税优惠", "national", "国家税务总局", "国税函〔2017〕24号",
     "减按 15% 的税率征收企业所得税", None, True, {"tags": ["高新技术企业"]}),
    ("专精特新中小企业奖励", "province", "浙江省经济和信息化厅", "浙经信企业〔2022〕68号",
     "省级专精特新中小企业一次性奖励", Decimal("50"), False, {"tags": ["专精特新"]}),
    ("生物医药产业研发投入补助", "city", "舟山市科学技术局", "舟科〔2023〕7号",
     "按年度研发投入增量的 10% 补助", Decimal("200"), False, {"industries": ["C27"]}),
    ("船舶修造业稳产增效扶持", "city", "舟山市经济和信息化局", "舟经信〔2022〕41号",
     "产值达标企业按增量给予奖励", Decimal("500"), False,
     {"industries": ["C37"], "thresholds": [{"metric": "output", "op": ">=", "value": 50000}]}),
    ("稳岗返还", "province", "浙江省人力资源和社会保障厅", "浙人社发〔2023〕9号",
     "按上年度实际缴纳失业保险费的 60% 返还", None, True,
     {"thresholds": [{"metric": "employees", "op": ">=", "value": 20}]}),
    ("白泉镇农产品加工企业扶持", "district", "白泉镇人民政府", "白政〔2023〕3号",
     "农产品加工企业新增设备贴息", Decimal("30"), False, {"industries": ["C13"], "towns": ["白泉镇"]}),
    ("建筑业企业资质升级奖励", "district", "定海区住房和城乡建设局", "定建〔2023〕15号",
     "资质升一级奖励", Decimal("50"), False, {"industries": ["E"], "scales": ["large", "medium"]}),
]  # fmt: skip

# Yearly figures (company key, metric, year, value). 长宏: 产值 52,000 → 119,600 万元 (+130%),
# accidents 3 → 0.
INDICATORS: list[tuple[str, str, int, Decimal]] = [
    ("changhong", "output", 2021, Decimal("52000")),
    ("changhong", "output", 2022, Decimal("119600")),
    ("changhong", "revenue", 2021, Decimal("48000")),
    ("changhong", "revenue", 2022, Decimal("108500")),
    ("changhong", "tax", 2021, Decimal("1650")),
    ("changhong", "tax", 2022, Decimal("3420")),
    ("changhong", "employees", 2021, Decimal("1850")),
    ("changhong", "employees", 2022, Decimal("2320")),
    ("changhong", "accidents", 2021, Decimal("3")),
    ("changhong", "accidents", 2022, Decimal("0")),
    ("huakang", "output", 2022, Decimal("9800")),
    ("huakang", "output", 2023, Decimal("13600")),
    ("huakang", "employees", 2022, Decimal("180")),
    ("huakang", "employees", 2023, Decimal("236")),
    ("huakang", "accidents", 2022, Decimal("1")),
    ("huakang", "accidents", 2023, Decimal("0")),
    ("sensen", "output", 2021, Decimal("265000")),
    ("sensen", "output", 2022, Decimal("312000")),
    ("sensen", "employees", 2022, Decimal("2600")),
    ("lianghai", "output", 2021, Decimal("38000")),
    ("lianghai", "output", 2022, Decimal("45500")),
    ("lianghai", "employees", 2022, Decimal("160")),
    ("hongye", "output", 2021, Decimal("410000")),
    ("hongye", "output", 2022, Decimal("452000")),
    ("taipingyang", "output", 2021, Decimal("21000")),
    ("taipingyang", "output", 2022, Decimal("26800")),
    ("taipingyang", "employees", 2022, Decimal("420")),
]


def build_programme(w: _World) -> None:
    admin = w.people["admin"]
    for key, tags in TAGS.items():
        Company.objects.filter(pk=w.companies[key].pk).update(tags=tags)
    _confidential(w)
    for key, name, invest, capacity, plan, titles in PROJECTS:
        company = w.companies[key]
        p = records.create_project(
            company,
            name=name,
            investment=invest,
            capacity=capacity,
            plan={stage: _day(planned) for stage, (planned, _a) in plan.items()},
            actor=admin,
        )
        for stage, (_p, actual) in plan.items():
            if actual is not None:
                records.set_milestone(p, stage, actor=admin, actual_on=_day(actual))
        p.cases.set(Case.objects.filter(title__in=titles, subject_id=company.pk))
    for key, metric, year, value in INDICATORS:
        record_indicator(
            w.companies[key],
            metric,
            "year",
            date(year, 1, 1),
            value,
            actor=admin,
            source="demo",
            rematch=False,
        )
    for title, level, issuer, number, benefit, most, auto, rule in POLICIES:
        records.create_policy(
            {
                "title": title,
                "level": level,
                "issuer": issuer,
                "doc_number": number,
                "benefit": benefit,
                "max_amount": most,
                "auto_grant": auto,
                "valid_from": date(2022, 1, 1),
                "deadline": timezone.localdate() + timedelta(days=45),
                **rule,
            },
            actor=admin,
            match=False,
        )
    recompute_all()
    _applications(w)
    _inspections(w)
    _department_tasks(w)
    _errand_plan(w)


def _confidential(w: _World) -> None:
    notes = [
        (
            "commissioner",
            "huakang",
            "企业正在洽谈B轮融资，估值及投资方信息暂不对外；项目资金缺口约6000万元。",
        ),
        ("commissioner2", "changhong", "企业与外方船东存在一起修船款纠纷（约1200万元），已进入仲裁程序。"),
    ]
    for username, key, text in notes:
        records.add_confidential_note(w.companies[key], text, actor=w.people[username])


def _applications(w: _World) -> None:
    admin = w.people["admin"]
    tech = Policy.objects.get(title="规上工业企业技术改造补助")
    records.track_application(
        tech,
        w.companies["changhong"],
        "applied",
        actor=admin,
        on=date(2022, 11, 8),
        note="申报数字化修船系统技改",
    )
    records.track_application(
        tech, w.companies["changhong"], "granted", actor=admin, on=date(2023, 2, 20), amount=Decimal("180")
    )
    rd = Policy.objects.get(title="生物医药产业研发投入补助")
    records.track_application(rd, w.companies["huakang"], "applied", actor=w.people["commissioner"])


def _inspections(w: _World) -> None:
    """华康: inspected 12 days ago; the 生态环境分局 plans a visit in 5 days (warned: within 30 days) and the
    消防救援大队 one in 10 days — two units within 14 days, so the system proposes 综合查一次."""
    huakang = w.companies["huakang"]
    today = timezone.localdate()
    done = insp.plan_inspection(
        huakang,
        w.unit("区应急管理局"),
        today - timedelta(days=12),
        "安全生产专项检查",
        actor=w.handlers["区应急管理局"],
    )
    Inspection.objects.filter(pk=done.pk).update(status=InspectionStatus.DONE, done_on=done.planned_on)
    insp.plan_inspection(
        huakang,
        w.unit("区生态环境分局"),
        today + timedelta(days=5),
        "环保设施运行检查",
        actor=w.handlers["区生态环境分局"],
    )
    insp.plan_inspection(
        huakang,
        w.unit("区消防救援大队"),
        today + timedelta(days=10),
        "消防安全检查",
        actor=w.handlers["区消防救援大队"],
    )
    changhong = w.companies["changhong"]
    old = insp.plan_inspection(
        changhong,
        w.unit("区应急管理局"),
        today - timedelta(days=70),
        "船坞高处作业检查",
        actor=w.handlers["区应急管理局"],
    )
    Inspection.objects.filter(pk=old.pk).update(status=InspectionStatus.DONE, done_on=old.planned_on)


def _department_tasks(w: _World) -> None:
    """Departments post tasks to companies; the commissioner relays the first."""
    specs = [
        ("区统计局", "huakang", "填报规模以上工业企业统计月报", "commissioner", True),
        ("区应急管理局", "changhong", "报送汛期安全生产隐患自查表", "commissioner2", False),
    ]
    for unit_label, key, title, relayer, relay in specs:
        handler: User = w.handlers[unit_label]
        company = w.companies[key]
        case = create_case(
            NewCase(
                kind=TASK,
                title=title,
                description=f"请{company.name}按时完成：{title}。",
                nature="help",
                channel=Channel.DEPARTMENT,
                lead_unit=handler.unit_id,
                subject=resolve_subject("company", handler, company.name),
            ),
            actor=handler,
        )
        if relay:
            perform(case, "relay", actor=w.people[relayer], version=case.version)


def _errand_plan(w: _World) -> None:
    """The commissioner plans the certificate's remaining in-district units into the next working day."""
    cert = w.cases[S.CERTIFICATE_TITLE]
    tasks = Task.objects.filter(
        case=cert, status__in=[TaskStatus.PENDING, TaskStatus.SIGNED], unit__in_district=True
    ).values_list("pk", flat=True)
    day = timezone.localdate() + timedelta(days=1)
    cal = current_calendar()
    while not cal.is_workday(day):
        day += timedelta(days=1)
    plan_errands(w.people["commissioner"], cert, list(tasks), day, start=time(8, 40))
