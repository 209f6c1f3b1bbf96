"""The seed's world: 定海's units, the 暖企 companies and commissioners, and their stories as live cases.

Everything that touches a case goes through `nuanqi.cases.services` (create_case / perform / add_task /
task_action), so the timeline's hash chain is the same as if people had clicked through the web pages.
Receipt times are backdated in working days so that, on the day the demo runs, some items are overdue
(红牌), some near due (黄牌) and the rest in time; the services compute every deadline from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from nuanqi.accounts.models import Role, RoleGrant, Unit, UnitKind, User
from nuanqi.calendars.services import current_calendar
from nuanqi.cases import coerce, kinds, sla
from nuanqi.cases.access import resolve_subject
from nuanqi.cases.models import (
    Case,
    Category,
    Event,
    Importance,
    Kind,
    Nature,
    SlaPolicy,
    Task,
    Urgency,
    priority_of,
)
from nuanqi.cases.services import NewCase, add_task, create_case, perform, task_action
from nuanqi.consult.models import Session
from nuanqi.enterprise.models import (
    Batch,
    Commissioner,
    Company,
    CompanyContact,
    Indicator,
    Inspection,
    Policy,
    PolicyMatch,
    Project,
    WorkLogEntry,
)
from nuanqi.enterprise.services import NewCompany, NewLogEntry, add_log_entry, assign, create_company
from nuanqi.lib.uscc import with_check_digit
from nuanqi.patrol.models import Patrol, Point
from nuanqi.projects.models import Project as ProjectRow

from . import seed_data as S

DEMO_PASSWORD = "nuanqi2023"

DEMO_LOGINS: list[tuple[str, str]] = [
    ("admin", "系统管理员（营商办）"),
    ("leader", "区领导（查看全部、督办）"),
    ("dispatcher", "营商办受理派单员"),
    ("commissioner", "暖企专员，服务舟山华康生物科技有限公司（第三批）"),
    ("commissioner2", "暖企专员，服务舟山长宏国际船舶修造有限公司（第一批）"),
    ("commissioner_new", "暖企专员（第三批，待分配企业），尚未签订保密条约"),
    ("handler", "区住建局经办人"),
    ("handler_fgj", "区发改局经办人（合规证明主办）"),
    ("handler_jxj", "区经信局经办人"),
    ("handler_sthj", "区生态环境分局经办人"),
    ("handler_zrzy", "市自然资源和规划局定海分局经办人"),
    ("handler_yjj", "区应急管理局经办人"),
    ("company", "企业联系人，舟山华康生物科技有限公司"),
    ("company2", "企业联系人，舟山长宏国际船舶修造有限公司"),
    ("pointleader", "点位长，卫海社区（环南街道）"),
    ("pointleader2", "点位长，惠舟社区（盐仓街道）"),
    ("handler_hn", "环南街道经办人（卫海社区的责任单位）"),
    ("consult", "区政协工作人员（请你来协商：登记事项、记录现场答复）"),
    ("handler_wgl", "区文广旅体局经办人（协商事项的答复单位）"),
    ("xc_leader", "区委第一巡察组组长（第七轮，巡察区商务局）"),
    ("xc_member", "区委第一巡察组组员"),
    ("xc_member2", "区委第二巡察组组长（巡察区卫健局）"),
]

# State → the workflow actions that lead there from 待受理. "tasks" marks where co-handling units join.
_WORKING = ("accept", "dispatch", "sign", "tasks", "contact", "note")
_DONE = (*_WORKING, "resolve")
PATHS: dict[str, tuple[str, ...]] = {
    "new": (),
    "accepted": ("accept",),
    "rejected": ("reject",),
    "dispatched": ("accept", "dispatch"),
    "returned": ("accept", "dispatch", "return"),
    "in_progress": _WORKING,
    "supervised": (*_WORKING, "supervise", "remind"),
    "extension": (*_WORKING, "request_extension"),
    "extended": (*_WORKING, "request_extension", "approve_extension"),
    "on_hold": (*_WORKING, "hold"),
    "resolved": _DONE,
    "visiting": (*_DONE, "visit"),
    "rated": (*_DONE, "visit", "rate"),
    "rated_basic": (*_DONE, "visit", "rate"),
    "reopened": (*_DONE, "rate"),
    "archived": (*_DONE, "visit", "rate", "archive"),
}
_RATING = {"rated": "满意", "archived": "满意", "rated_basic": "基本满意", "reopened": "不满意"}
_TIMES = (time(9, 10), time(10, 25), time(11, 5), time(14, 35), time(15, 40), time(16, 20))


@dataclass
class _World:
    """What the loader has made so far, by the names the seed data uses."""

    units: dict[str, Unit] = field(default_factory=dict)
    people: dict[str, User] = field(default_factory=dict)
    handlers: dict[str, User] = field(default_factory=dict)  # unit short name → its 经办人
    companies: dict[str, Company] = field(default_factory=dict)
    serving: dict[str, User] = field(default_factory=dict)  # company key → serving commissioner
    contacts: dict[str, User] = field(default_factory=dict)  # company key → company contact
    cases: dict[str, Case] = field(default_factory=dict)  # title → case
    password: str = ""

    def unit(self, label: str) -> Unit:
        return self.units[label]


OPEN311_KEY = "Open311 api_key"


def build_world() -> dict[str, int | str]:
    """Load the seed's world into an empty, migrated database and return what was made."""
    if User.objects.exists() or Unit.objects.exists() or Case.objects.exists() or Company.objects.exists():
        raise RuntimeError("数据库中已有数据：演示数据只能载入空库，请换一个数据目录（--home）或先删除数据库")
    w = _World()
    # One hash for everyone: the demo password is public, and hashing it per person (PBKDF2) would take
    # about ten seconds for the 35 people.
    w.password = make_password(DEMO_PASSWORD)
    with transaction.atomic():
        _units(w)
        _catalogue()
        _people(w)
        _companies(w)
        for key, specs in S.CASES.items():
            for i, spec in enumerate(specs):
                w.cases[spec.title] = _case(w, key, spec, _TIMES[i % len(_TIMES)])
        _work_log(w)
        from .programme import build_programme

        build_programme(w)
        from nuanqi.tips.demo import build_rounds, build_tips

        build_rounds()
        receipt = build_tips(DEMO_PASSWORD, w.password)
        from .patrols import build_patrols

        build_patrols(w)
        from .consult import build_consultations

        build_consultations(w)
        from .projects import build_projects

        build_projects(w)
        # Months of generated history behind the stories, so the charts, 红黑榜 and KPIs have a past.
        from .lived import build_history

        history = build_history(w)
        # An Open311 client to try the endpoint with; its key is printed with the logins (only a hash kept).
        from nuanqi.patrol.open311.service import issue_key

        _client, open311_key = issue_key("演示客户端")
        from .history.load import import_history

        imported = import_history()
    # The routing model learns from the imported history (never from the cases the demo generates).
    from .history.load import train_model

    trained = train_model()
    summary = {
        **_summary(),
        "历史事项（台账导入）": imported,
        "其中演示生成的历史事项": history,
        "派单建议模型训练事项": trained["cases"],
        OPEN311_KEY: open311_key,
    }
    if receipt:
        summary["演示举报回执码（/public/tips/status/）"] = receipt
    return summary


# ---------------------------------------------------------------- directory


def _units(w: _World) -> None:
    for sort, (name, short, kind, inside, region) in enumerate(S.UNITS, start=1):
        unit = Unit.objects.create(
            name=name, short_name=short, kind=kind, in_district=inside, region_code=region, sort=sort
        )
        w.units[name] = unit
        if short:
            w.units[short] = unit
    for sort, (name, phone, _target) in enumerate(S.INSPECTION_GROUPS, start=len(S.UNITS) + 1):
        w.units[name] = Unit.objects.create(
            name=name, kind=UnitKind.INSPECTION_GROUP, phone=phone, address=S.INSPECTION_ADDRESS, sort=sort
        )


def _catalogue() -> None:
    # A migrated database already holds the district defaults (nuanqi.defaults): the demo's rows join them.
    for top_sort, (top_name, leaves) in enumerate(S.CATEGORIES.items(), start=1):
        top, _made = Category.objects.get_or_create(
            kind=Kind.REQUEST, name=top_name, parent=None, defaults={"sort": top_sort}
        )
        for sort, leaf in enumerate(leaves, start=1):
            Category.objects.get_or_create(kind=Kind.REQUEST, name=leaf, parent=top, defaults={"sort": sort})
    for nature, priority, sign, contact, days, note in S.SLA_POLICIES:
        SlaPolicy.objects.update_or_create(
            kind=Kind.REQUEST,
            nature=nature,
            priority=priority,
            defaults={"sign_hours": sign, "contact_hours": contact, "resolve_days": days, "note": note},
        )


def _person(
    w: _World, username: str, name: str, roles: tuple[str, ...], unit: str = "", title: str = ""
) -> User:
    user = User.objects.create(
        username=username,
        display_name=name,
        unit=w.unit(unit) if unit else None,
        title=title,
        phone=f"1390580{len(w.people) + 3000:04d}",
        password=w.password,
        is_superuser=Role.ADMIN in roles,
        is_staff=Role.ADMIN in roles,
    )
    for role in roles:
        RoleGrant.objects.create(user=user, role=role)
    w.people[username] = user
    return user


def _people(w: _World) -> None:
    for username, name, roles, unit, title in S.STAFF:
        _person(w, username, name, roles, unit, title)
    for username, name, unit, title in S.HANDLERS:
        w.handlers[unit] = _person(w, username, name, (Role.HANDLER,), unit, title)


def _companies(w: _World) -> None:
    admin = w.people["admin"]
    for spec in S.COMPANIES:
        w.companies[spec.key] = create_company(
            NewCompany(
                name=spec.name,
                uscc=with_check_digit("91330902" + spec.body),
                industry=spec.industry,
                industry_name=spec.industry_name,
                scale=spec.scale,
                above_scale=spec.above_scale,
                town=w.unit(spec.town),
                address=spec.address,
                key_company=spec.key_company,
                contact_name=spec.contact_name,
                contact_phone=spec.contact_phone,
            ),
            actor=admin,
        )
    for username, name, key, title in S.CONTACTS:
        user = _person(w, username, name, (Role.ENTERPRISE,), "", title)
        CompanyContact.objects.create(company=w.companies[key], user=user, title=title)
        w.contacts[key] = user
    batches = {n: Batch.objects.create(number=n, name=name, started_on=on) for n, name, on in S.BATCHES}
    for c in S.COMMISSIONERS:
        user = _person(w, c.username, c.name, (Role.COMMISSIONER,), "", "暖企专员")
        commissioner = Commissioner.objects.create(
            user=user,
            former_post=c.former_post,
            batch=batches[c.batch],
            dispatched_on=c.dispatched_on,
            confidentiality_signed=c.signed,
            confidentiality_signed_on=c.dispatched_on if c.signed else None,
        )
        if c.company:
            note = "交接：接替前任专员" if c.company in w.serving else "首次派驻"
            assign(commissioner, w.companies[c.company], on=c.dispatched_on, actor=admin, note=note)
            w.serving[c.company] = user
    # The first commissioner of a handed-over company has left the programme; his history stays.
    for c in S.COMMISSIONERS:
        if c.replaced_on:
            Commissioner.objects.filter(user__username=c.username).update(active=False)


# ---------------------------------------------------------------- dates


def _aware(d: date, t: time) -> datetime:
    return timezone.make_aware(datetime.combine(d, t), timezone.get_current_timezone())


def _workdays_back(n: int) -> date:
    """The n-th working day before today (n ≥ 1), on the calendar in force."""
    cal = current_calendar()
    d, count = timezone.localdate(), 0
    while count < n:
        d -= timedelta(days=1)
        if cal.is_workday(d):
            count += 1
    return d


def _received(spec: S.CaseSpec, at: time) -> datetime:
    if spec.ago != S.YELLOW:
        return _aware(_workdays_back(spec.ago), at)
    # Near due: the receipt whose deadline comes next. The yellow card covers the due day's working hours,
    # so the case is yellow now during working hours, or from the next working morning otherwise.
    nature = coerce.choice(Nature, spec.nature, "性质", "nature")
    importance = coerce.choice(Importance, spec.importance, "重要性", "importance")
    urgency = coerce.choice(Urgency, spec.urgency, "紧急性", "urgency")
    limits = sla.limits_for(Kind.REQUEST, nature, priority_of(importance, urgency))
    now = timezone.now()
    best: tuple[datetime, datetime] | None = None
    for n in range(1, 30):
        received = _aware(_workdays_back(n), at)
        due = sla.resolve_deadline(received, limits)
        if due > now and (best is None or due < best[1]):
            best = (received, due)
    return best[0] if best else _aware(_workdays_back(1), at)


def _errand_day() -> date:
    """The most recent working day up to today: the morning of "一上午跑完了6家"."""
    today = timezone.localdate()
    return today if current_calendar().is_workday(today) else _workdays_back(1)


# ---------------------------------------------------------------- cases


def _act(case: Case, action: str, actor: User, **data: Any) -> Case:
    case.refresh_from_db()
    return perform(case, action, actor=actor, version=case.version, **data)


def _case(w: _World, key: str, spec: S.CaseSpec, at: time) -> Case:
    company = w.companies[key]
    commissioner = w.serving[key]
    filer = w.contacts[key] if spec.by == "company" else commissioner
    lead = w.unit(spec.lead)
    # A company files without a priority: the office triages hers (分级定级) right after filing.
    triage = spec.by == "company"
    case = create_case(
        NewCase(
            title=spec.title,
            description=spec.description or f"{company.name}：{spec.title}。",
            category=_category(spec.category),
            nature=spec.nature,
            channel="企业求助" if spec.by == "company" else "主动请缨",
            importance=Importance.MINOR if triage else spec.importance,
            urgency=Urgency.NORMAL if triage else spec.urgency,
            subject=resolve_subject("company", filer, company.pk),
            requester_name=company.contact_name,
            requester_phone=company.contact_phone,
            received_at=_received(spec, at),
        ),
        actor=filer,
    )
    dispatcher, leader = w.people["dispatcher"], w.people["leader"]
    if triage and case.priority != priority_of(
        coerce.choice(Importance, spec.importance, "重要性", "importance"),
        coerce.choice(Urgency, spec.urgency, "紧急性", "urgency"),
    ):
        case = _act(case, "triage", dispatcher, importance=spec.importance, urgency=spec.urgency)
    handler = w.handlers.get(spec.lead)
    rater = w.contacts.get(key, commissioner)
    rating = _RATING.get(spec.state, "满意")
    for step in _steps(spec):
        if step == "tasks":
            _tasks(w, case, spec, commissioner)
            continue
        if step in ("sign", "contact", "note", "resolve", "return", "request_extension") and handler is None:
            raise RuntimeError(f"演示数据缺少“{spec.lead}”的经办人")
        actor, data = {
            "accept": (dispatcher, {}),
            "reject": (dispatcher, {"reason": spec.reason, "referral": "企业安全管理部门（专员跟进指导）"}),
            "dispatch": (dispatcher, {"lead_unit": lead.pk, "reason": f"请{lead.label}牵头办理"}),
            "sign": (handler, {}),
            "return": (handler, {"reason": spec.reason}),
            "contact": (handler, {"reason": f"已与企业联系人{company.contact_name}电话联系，了解具体需求"}),
            "note": (handler, {"reason": spec.note or "已对接企业，正在按程序办理"}),
            "supervise": (leader, {"reason": "事关企业安全生产，请加快办理并报告进展"}),
            "remind": (commissioner, {"reason": "企业着急，请尽快落实"}),
            "request_extension": (handler, {"days": 5, "reason": spec.reason or "需等待上级部门审查意见"}),
            "approve_extension": (dispatcher, {}),
            "hold": (
                dispatcher,
                {"reason": spec.reason, "review_on": timezone.localdate() + timedelta(days=90)},
            ),
            "resolve": (handler, {"result": spec.result or f"“{spec.title}”已办理完毕，已告知企业。"}),
            "visit": (dispatcher, {}),
            "rate": (rater, {"satisfaction": rating, "comment": spec.comment or rating}),
            "archive": (dispatcher, {}),
        }[step]
        case = _act(case, step, actor, **data)  # type: ignore[arg-type]
    case.refresh_from_db()
    return case


def _steps(spec: S.CaseSpec) -> tuple[str, ...]:
    """The steps for the spec's target state (an unknown state is a mistake in the seed data)."""
    try:
        return PATHS[spec.state]
    except KeyError:
        raise RuntimeError(f"演示数据中的未知状态“{spec.state}”（{spec.title}）") from None


def _category(path: str) -> Category:
    top, leaf = path.split("/")
    return Category.objects.get(kind=Kind.REQUEST, parent__name=top, name=leaf)


def _tasks(w: _World, case: Case, spec: S.CaseSpec, commissioner: User) -> None:
    """Co-handling units join after the lead unit signed; each then moves as far as the seed says."""
    owner = Case.objects.get(pk=case.pk).owner or w.people["dispatcher"]
    for unit_label, state, note in spec.tasks:
        task = add_task(case, actor=owner, unit=w.unit(unit_label), note=note)
        handler = w.handlers.get(unit_label)
        # A unit without a handler in the demo is served by the commissioner running the errand.
        doer = commissioner if state == "errand" or handler is None else handler
        if state in ("signed", "done", "errand"):
            task_action(case, task.pk, "sign", actor=doer)
        if state in ("done", "errand"):
            task_action(case, task.pk, "done", actor=doer, note=note)


# ---------------------------------------------------------------- work log


def _work_log(w: _World) -> None:
    """The commissioner's notebook: the report day (2023-01-29, a 调休 Sunday) and the errand morning."""
    zhou, qian = w.people["commissioner"], w.people["commissioner2"]
    huakang = w.companies["huakang"]
    add_log_entry(
        NewLogEntry(
            date=date(2023, 1, 29),
            time=time(8, 30),
            place=huakang.name,
            company=huakang.pk,
            note="正月初八（调休上班）到企业报到，与企业负责人对接项目建设进度和需协调的事项，建立工作笔记。",
        ),
        actor=zhou,
    )
    cert = w.cases[S.CERTIFICATE_TITLE]
    tasks = {t.unit.label: t for t in Task.objects.filter(case=cert).select_related("unit")}
    day = _errand_day()
    visits = [
        (
            time(8, 40),
            "定海区行政服务中心",
            "区市场监管局",
            "行政服务中心窗口一次办好市场监管、税务、人社三家证明",
        ),
        (time(9, 50), "区应急管理局", "区应急管理局", "应急管理局证明已开具，顺路到消防救援大队取证明"),
        (time(10, 50), "区综合行政执法局", "区综合行政执法局", "综合执法局证明已开具"),
    ]
    for at, place, unit, note in visits:
        add_log_entry(
            NewLogEntry(date=day, time=at, place=place, case=cert.number, task=tasks[unit].pk, note=note),
            actor=zhou,
        )
    add_log_entry(
        NewLogEntry(
            date=day,
            time=time(11, 50),
            place=huakang.name,
            case=cert.number,
            note="一上午跑完了6家。剩余9家中有5家不在定海辖区，已电话预约，下周分两批跑完。",
        ),
        actor=zhou,
    )
    safety = w.cases["船坞高处作业安全隐患整改"]
    add_log_entry(
        NewLogEntry(
            date=day,
            time=time(14, 30),
            place="长宏船坞",
            case=safety.number,
            note="陪同区应急管理局复查船坞高处作业隐患，护栏已加装，安全网待更换。",
        ),
        actor=qian,
    )
    add_log_entry(
        NewLogEntry(
            date=_workdays_back(3),
            time=time(15, 0),
            place="长宏职工之家",
            company=w.companies["changhong"].pk,
            note="为企业一线职工讲党课，并商量企业报改版方案。",
        ),
        actor=qian,
    )


# ---------------------------------------------------------------- summary


def _summary() -> dict[str, int | str]:
    now = timezone.now()
    open_cases = Case.objects.filter(status__in=kinds.statuses(kinds.OPEN))
    return {
        "单位": Unit.objects.count(),
        "区外单位": Unit.objects.filter(in_district=False).count(),
        "人员": User.objects.count(),
        "企业": Company.objects.count(),
        "暖企专员": Commissioner.objects.count(),
        "事项": Case.objects.count(),
        "办理中事项": open_cases.count(),
        "逾期（红牌）": open_cases.filter(resolve_due__lt=now).count(),
        "临期（黄牌）": open_cases.filter(warn_at__lte=now, resolve_due__gte=now).count(),
        "协办任务": Task.objects.count(),
        "时间线记录": Event.objects.count(),
        "工作笔记": WorkLogEntry.objects.count(),
        "企业项目": Project.objects.count(),
        "惠企政策": Policy.objects.count(),
        "政策匹配": PolicyMatch.objects.count(),
        "涉企检查": Inspection.objects.count(),
        "企业指标": Indicator.objects.count(),
        "巡查点位": Point.objects.count(),
        "巡查记录": Patrol.objects.count(),
        "巡查问题": Case.objects.filter(kind="patrol").count(),
        "协商活动": Session.objects.count(),
        "协商事项": Case.objects.filter(kind="consult").count(),
        "民生实事与重点工程": ProjectRow.objects.exclude(kind="section").count(),
    }
