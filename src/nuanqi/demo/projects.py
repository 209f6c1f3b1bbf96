"""The seed's projects: the 民生实事 白泉镇鸭东线老碶头1号桥扩建工程 (started 2023-02-06, due by National
Day), the 东海百里文廊 programme with its sections, themes and sites, and current-dated 重点工程 so that
today's 序时进度 lights mean something. Progress reports go through `projects.services.post_report`, as the
owners would on their phones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from nuanqi.accounts.models import Role
from nuanqi.projects.models import Milestone, Programme, Project, ProjectKind, ProjectStatus, Weighting
from nuanqi.projects.services import freeze_baseline, post_report

if TYPE_CHECKING:
    from nuanqi.accounts.models import Unit, User

    from .world import _World

K = ProjectKind
# (section, town, theme, planned investment in 万元, days since start, days to planned completion, percent,
#  sites as (name, investment, percent)).
WENLANG: list[tuple[str, str, str, int, int, int, float | None, list[tuple[str, int, float | None]]]] = [
    ("马岙段", "马岙街道", "千年马岙", 0, 160, 200, None, [("南风知否", 1800, 55), ("文廊集市", 1200, 30)]),
    ("小沙段", "小沙街道", "人文锦沙", 0, 160, 200, None, [("三毛文化园", 2600, 48)]),
    ("双桥段", "双桥街道", "", 900, 120, 240, 30, []),
    ("盐仓段", "盐仓街道", "", 700, 120, 240, 12, []),
    ("岑港段", "岑港街道", "", 800, 140, 220, 36, []),
    ("昌国段", "昌国街道", "", 600, 100, 260, 25, []),
    ("白泉段", "白泉镇", "", 750, 100, 260, None, []),
    ("干览段", "干览镇", "", 650, 130, 230, 33, []),
]


def _report(project: Project, actor: User, on: date, percent: float, text: str) -> None:
    post_report(project, percent=percent, text=text, actor=actor, reported_on=on)
    project.refresh_from_db()


# Invented names of the towns' project 经办人, made when a town has no handler yet.
TOWN_NAMES = ["任海鹰", "柴晓琳", "庄志勇", "卢佳敏", "汪国庆", "骆春燕", "鲍海军", "缪静", "屠文杰"]


def _town_handler(w: _World, town: str) -> User:
    """The town's 经办人 who reports its projects: one it has, or one made on first use."""
    from nuanqi.accounts.models import User as UserModel

    from .world import _person

    if town not in w.handlers:
        found = UserModel.objects.filter(unit=w.unit(town), role_grants__role=Role.HANDLER).first()
        if found is None:
            n = sum(1 for u in w.people if u.startswith("handler_town"))
            found = _person(w, f"handler_town{n + 1}", TOWN_NAMES[n], (Role.HANDLER,), town, "项目经办人")
        w.handlers[town] = found
    return w.handlers[town]


def build_wenlang(
    unit: Callable[[str], Unit], reporter: Callable[[str], User], *, today: date | None = None
) -> Programme:
    """The programme 东海百里文廊 as `WENLANG` lists it: eight sections (two of them with sites, three sites
    in all), each section's progress reported a week before `today` (default: the local date) and each
    site's three days before, by `reporter(town)` through `post_report`. `unit(name)` gives the unit of a
    name (the lead unit, the towns); the demo and the province bench (bench/modules.py) both build it here."""
    today = today or timezone.localdate()
    wenlang = Programme.objects.create(
        name="东海百里文廊",
        description="“暖岙”文旅共富工程：串联各镇（街道）的历史遗存、自然风光和农耕文化。",
        weighting=Weighting.INVESTMENT,
        lead_unit=unit("区文广旅体局"),
    )
    for sort, (section, town, theme, money, since, until, pct, sites) in enumerate(WENLANG):
        place = unit(town)
        node = Project.objects.create(
            name=f"东海百里文廊{section}",
            kind=K.SECTION if sites else K.KEY,
            programme=wenlang,
            theme=theme,
            town=place,
            owner_unit=place,
            investment_planned=Decimal(money),
            start=today - timedelta(days=since),
            planned_end=today + timedelta(days=until),
            status=ProjectStatus.ACTIVE if pct else ProjectStatus.PLANNED,
            sort=sort,
        )
        if pct:
            _report(node, reporter(town), today - timedelta(days=7), pct, "按计划推进")
        for i, (site, site_money, site_pct) in enumerate(sites):
            leaf = Project.objects.create(
                name=site,
                kind=K.SITE,
                programme=wenlang,
                parent=node,
                town=place,
                owner_unit=place,
                investment_planned=Decimal(site_money),
                start=node.start,
                planned_end=node.planned_end,
                status=ProjectStatus.ACTIVE,
                sort=i,
            )
            if site_pct is not None:
                _report(leaf, reporter(town), today - timedelta(days=3), site_pct, "景观节点施工中")
    return wenlang


def build_projects(w: _World) -> None:
    today = timezone.localdate()
    baiquan = w.unit("白泉镇")
    bridge = Project.objects.create(
        name="白泉镇鸭东线老碶头1号桥扩建工程",
        kind=K.LIVELIHOOD,
        description="桥梁拓宽改建，提升白泉大河防洪排涝能力。",
        category="水利交通",
        town=baiquan,
        owner_unit=baiquan,
        investment_planned=Decimal("680"),
        start=date(2023, 2, 6),
        planned_end=date(2023, 9, 28),
        status=ProjectStatus.ACTIVE,
    )
    for i, (name, planned, actual) in enumerate(
        [
            ("开工", date(2023, 2, 6), date(2023, 2, 6)),
            ("老桥拆除", date(2023, 3, 10), date(2023, 3, 8)),
            ("桩基施工完成", date(2023, 5, 15), date(2023, 5, 19)),
            ("主体结构完成", date(2023, 8, 10), date(2023, 8, 4)),
            ("完工通车", date(2023, 9, 28), date(2023, 9, 26)),
        ]
    ):
        Milestone.objects.create(project=bridge, name=name, planned_on=planned, actual_on=actual, sort=i)
    freeze_baseline(bridge, approved_on=date(2023, 1, 20), note="年度民生实事项目计划")
    owner = _town_handler(w, "白泉镇")
    for on, done, text in (
        (date(2023, 3, 31), 15, "老桥拆除完成，围堰施工中"),
        (date(2023, 5, 31), 40, "桩基全部完成"),
        (date(2023, 8, 4), 80, "主体结构完成，进入桥面铺装"),
        (date(2023, 9, 26), 100, "完工通车"),
    ):
        _report(bridge, owner, on, done, text)

    build_wenlang(w.unit, lambda town: _town_handler(w, town))

    zrzy = w.unit("市自然资源和规划局定海分局")
    greenway = Project.objects.create(
        name="定海湾滨海绿道二期",
        kind=K.KEY,
        description="延伸滨海绿道，沿线设置多功能健身广场。",
        category="城市建设",
        town=w.unit("昌国街道"),
        owner_unit=zrzy,
        investment_planned=Decimal("3200"),
        start=today - timedelta(days=90),
        planned_end=today + timedelta(days=150),
        status=ProjectStatus.ACTIVE,
    )
    for i, (name, delta) in enumerate(
        (("开工", -90), ("绿道主线贯通", 40), ("健身广场建成", 120), ("竣工", 150))
    ):
        Milestone.objects.create(
            project=greenway,
            name=name,
            planned_on=today + timedelta(days=delta),
            actual_on=today - timedelta(days=88) if delta < 0 else None,
            sort=i,
        )
    freeze_baseline(greenway, approved_on=today - timedelta(days=100), note="年度重点工程计划")
    _report(
        greenway, w.handlers["市自然资源和规划局定海分局"], today - timedelta(days=5), 22, "绿道主线施工中"
    )
    Project.objects.create(
        name="海滨公园体育设施改造",
        kind=K.LIVELIHOOD,
        category="文体设施",
        town=w.unit("昌国街道"),
        owner_unit=w.unit("区文广旅体局"),
        investment_planned=Decimal("450"),
        start=today - timedelta(days=100),
        planned_end=today + timedelta(days=80),
        status=ProjectStatus.PLANNED,
    )
    build_visits(w, w.people["dispatcher"])


def build_visits(w: _World, staff: User) -> None:
    """区人大常委会's visit of 东海百里文廊 (2023-03-28/29): deputies' suggestions filed as project cases
    assigned to the towns; one answered."""
    from nuanqi.accounts.models import Unit, UnitKind
    from nuanqi.cases.services import perform
    from nuanqi.projects.models import ResearchVisit
    from nuanqi.projects.visits import add_suggestion

    npc = Unit.objects.create(name="定海区人大常委会", short_name="区人大常委会", kind=UnitKind.OTHER)
    w.units[npc.name] = w.units["区人大常委会"] = npc
    wenlang = Programme.objects.get(name="东海百里文廊")
    visit = ResearchVisit.objects.create(
        programme=wenlang,
        title="东海百里文廊“暖岙”文旅共富工程实地调研",
        visited_on=date(2023, 3, 29),
        organiser=npc,
        visitors="区人大常委会领导、部分区人大代表",
        findings="在马岙段南风知否景观点了解工程规划设计，听取南风知否、文廊集市等景观点推进情况；在小沙段三毛文化园"
        "了解工程特色和发展前景；并调研双桥、盐仓、岑港、昌国、白泉、干览段。",
    )
    nanfeng = Project.objects.get(name="南风知否")
    sanmao = Project.objects.get(name="三毛文化园")
    first = add_suggestion(visit, project=nanfeng, text="工程推进中注重保护当地良好的自然生态", actor=staff)
    add_suggestion(
        visit, project=sanmao, text="突出项目建设和产业发展相融合，鼓励群众发展旅游配套产业", actor=staff
    )
    owner = _town_handler(w, "马岙街道")
    first.refresh_from_db()
    perform(
        first,
        "answer",
        actor=owner,
        version=first.version,
        reason="已将生态保护要求纳入施工方案，保留原有林地和溪流。",
    )
