"""The seed's third story: the 区政协's 请你来协商 on 深化"运动定海"建设 (2023-03-29), where members and
public representatives ask why sports facilities are few and small and the head of 市自然资源和规划局定海分局
answers on the spot; and a current session whose items are still being answered, so today's clocks mean
something. People's names are invented.

Every item goes through `consult.services` and `cases.services.perform`, as if the staff and the units had
used the pages."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from nuanqi.accounts.models import Role, Unit, UnitKind
from nuanqi.cases.models import Case
from nuanqi.cases.services import perform
from nuanqi.consult.models import Participant, ParticipantRole, Session
from nuanqi.consult.services import raise_item, record_on_spot_answer

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

    from .world import _World

ZRZY = "市自然资源和规划局定海分局"
WGL = "区文广旅体局"

SPOT_ANSWER = (
    "目前推进中的定海湾滨海绿道、海滨公园体育设施改造等建设，以及东海云廊沿线多功能健身广场、公园等建设，"
    "已基本形成环绕城区的“绿道+多功能健身广场+主题公园+户外运动基地”的公共体育空间体系。我区已建成环浙步道，"
    "将进一步完善国家登山健身步道，未来将完善布局、缓解大型公共体育设施缺乏的局面。"
)


def _act(case: Case, action: str, actor: User, **data: Any) -> Case:
    case.refresh_from_db()
    return perform(case, action, actor=actor, version=case.version, **data)


def build_consultations(w: _World) -> None:
    from .world import _person, _workdays_back

    cppcc = Unit.objects.create(name="政协舟山市定海区委员会", short_name="区政协", kind=UnitKind.OTHER)
    w.units[cppcc.name] = w.units["区政协"] = cppcc
    staff = _person(w, "consult", "包晓雯", (Role.CONSULT_STAFF,), "区政协", "提案委工作人员")
    zrzy_handler = w.handlers[ZRZY]
    wgl_handler = _person(w, "handler_wgl", "邬海燕", (Role.HANDLER,), WGL, "体育科经办人")
    zrzy, wgl = w.unit(ZRZY), w.unit(WGL)

    held = datetime(2023, 3, 29, 14, 30, tzinfo=timezone.get_current_timezone())
    sport = Session.objects.create(
        topic="深化“运动定海”建设 持续提升港城活力",
        held_on=held.date(),
        organiser=cppcc,
        venue="区政协会议室",
        report_summary="区政协课题调研组介绍课题调研情况：全区体育场地设施供给仍然不足，"
        "场地规模小、类型单一、特色场馆少，城市公园品质有待提升。",
        minutes="区政协委员、界别群众代表听取课题调研情况介绍，就提升城市公园品质等群众关心的问题现场交流，"
        "相关部门负责人现场解答回应。",
        public=True,
        created_by=staff,
    )
    rep = Participant.objects.create(
        session=sport, role=ParticipantRole.REPRESENTATIVE, name="许佳怡", sector="体育界别群众代表"
    )
    member = Participant.objects.create(
        session=sport, role=ParticipantRole.MEMBER, name="王立群", sector="区政协委员（教育界）"
    )
    Participant.objects.create(
        session=sport, role=ParticipantRole.UNIT_HEAD, name="钱志刚", sector="副局长", unit=zrzy
    )
    Participant.objects.create(
        session=sport, role=ParticipantRole.UNIT_HEAD, name="林芳", sector="副局长", unit=wgl
    )

    plans = raise_item(
        sport,
        title="体育场地设施供给不足，城市规划中今后还有哪些相关计划？",
        description="目前我区体育场地设施供给仍然不足，尤其存在场地规模小、类型单一、特色场馆少等问题。",
        raised_by=rep,
        lead_unit=zrzy,
        actor=staff,
        received_at=held,
    )
    record_on_spot_answer(plans, SPOT_ANSWER, actor=staff, version=plans.version)
    _act(
        plans,
        "answer",
        zrzy_handler,
        reason="书面答复：滨海绿道二期、海滨公园体育设施改造列入年度计划，"
        "东海云廊沿线新增多功能健身广场 3 处。",
    )
    _act(plans, "adopt", staff, reason="建议纳入国土空间总体规划体育设施专项。")
    _act(plans, "implement", zrzy_handler, reason="体育设施专项规划已编制完成并公示。")

    parks = raise_item(
        sport,
        title="提升城市公园品质，增加公园内的健身设施",
        description="建议在现有城市公园中增设健身路径和球类场地，方便群众就近健身。",
        raised_by=member,
        lead_unit=wgl,
        actor=staff,
        received_at=held,
    )
    record_on_spot_answer(
        parks, "今年将在海滨公园改造中增设健身路径，其他公园逐步增加。", actor=staff, version=parks.version
    )
    _act(parks, "answer", wgl_handler, reason="已会同住建部门梳理城区公园 12 处，分两年增设健身设施。")
    _act(parks, "adopt_part", staff, reason="球类场地受公园用地限制，先增设健身路径。")
    _act(parks, "implement", wgl_handler, reason="海滨公园、竹山公园健身路径已建成投用。")

    stadium = raise_item(
        sport,
        title="建议新建一座大型综合体育馆",
        raised_by=member,
        lead_unit=wgl,
        actor=staff,
        received_at=held,
    )
    _act(stadium, "answer", wgl_handler, reason="大型场馆需市级统筹，已向市体育局报送需求。")
    _act(stadium, "keep_reference", staff, reason="受用地和投资限制，近期不具备建设条件，留作后续规划参考。")

    # A current session: items raised a few working days ago, some answered, some still with the units.
    recent = timezone.make_aware(datetime.combine(_workdays_back(6), time(14, 30)))
    walk = Session.objects.create(
        topic="推进东海百里文廊建设 助力文旅共富",
        held_on=recent.date(),
        organiser=cppcc,
        venue="马岙街道文化礼堂",
        public=True,
        created_by=staff,
    )
    guide = Participant.objects.create(
        session=walk, role=ParticipantRole.MEMBER, name="陈晓峰", sector="区政协委员（文化艺术界）"
    )
    Participant.objects.create(
        session=walk, role=ParticipantRole.UNIT_HEAD, name="钱志刚", sector="副局长", unit=zrzy
    )
    signs = raise_item(
        walk,
        title="文廊沿线标识系统不统一，建议统一设计导视标识",
        raised_by=guide,
        lead_unit=wgl,
        actor=staff,
        received_at=recent,
    )
    record_on_spot_answer(
        signs, "将委托统一设计导视系统，年内完成马岙段试点。", actor=staff, version=signs.version
    )
    raise_item(
        walk,
        title="南风知否景观点停车位不足",
        description="周末游客多，停车位不足，车辆停放在村道两侧。",
        raised_by=guide,
        lead_unit=zrzy,
        actor=staff,
        received_at=recent,
    )
    raise_item(
        walk, title="文廊集市摊位管理需要规范", raised_by_name="市民 周女士", actor=staff, received_at=recent
    )
    # The next session, still collecting questions from the public (/public/consult-questions/).
    Session.objects.create(
        topic="优化营商环境 助力企业纾困解难",
        held_on=timezone.localdate() + timedelta(days=14),
        organiser=cppcc,
        venue="区政协会议室",
        public=True,
        created_by=staff,
    )
