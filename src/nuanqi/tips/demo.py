"""The seed's round of inspections (十四届区委第四轮第二批, 2023, closed) and a current round taking tips
today."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from nuanqi.accounts.models import Unit
from nuanqi.demo import seed_data as S
from nuanqi.lib.cnnum import chinese_numeral

from .models import DEFAULT_SESSIONS, GroupMember, InspectionGroup, Round, Tip, TipChannel

POSTAL = "定海区昌国路61号区委巡察办转{group}"
POSTCODE = "316000"

# The current round's groups are invented (numbers and mailboxes too); its window is open on the demo's day.
CURRENT_GROUPS = [
    (1, "0580-8000101", "dhxc7z1@example.cn", "区商务局"),
    (2, "0580-8000102", "dhxc7z2@example.cn", "区卫健局"),
]


def build_rounds() -> dict[str, int]:
    seed = Round.objects.create(
        term="十四届区委",
        round_no=4,
        batch_no=2,
        window_start=date(2023, 3, 27),
        window_end=date(2023, 5, 10),
        sessions=DEFAULT_SESSIONS,
    )
    for number, (name, phone, target) in enumerate(S.INSPECTION_GROUPS, start=1):
        g = InspectionGroup.objects.create(
            round=seed,
            number=number,
            phone=phone,
            email=f"dhxcjb{number}@163.com",
            postal_address=POSTAL.format(group=name),
            postcode=POSTCODE,
        )
        g.target_units.add(Unit.objects.get(short_name=target))
    today = timezone.localdate()
    current = Round.objects.create(
        term="十四届区委",
        round_no=7,
        batch_no=1,
        window_start=today - timedelta(days=10),
        window_end=today + timedelta(days=35),
        sessions=DEFAULT_SESSIONS,
    )
    for number, phone, email, target in CURRENT_GROUPS:
        g = InspectionGroup.objects.create(
            round=current,
            number=number,
            phone=phone,
            email=email,
            postal_address=POSTAL.format(group=f"区委第{chinese_numeral(number)}巡察组"),
            postcode=POSTCODE,
        )
        unit = Unit.objects.filter(short_name=target).first()
        if unit is not None:
            g.target_units.add(unit)
    return {"rounds": Round.objects.count(), "groups": InspectionGroup.objects.count()}


# The current round's people (invented names): the first group's leader and member, the second group's member.
DEMO_MEMBERS = [
    ("xc_leader", "巡察组长陈立新", 1, GroupMember.LEADER),
    ("xc_member", "巡察组员杨思远", 1, GroupMember.MEMBER),
    ("xc_member2", "巡察组员吴晓岚", 2, GroupMember.LEADER),
]

# Invented tips for the current round:
# (group number, target, disciplines, content, accused post, named, channel).
DEMO_TIPS = [
    (
        1,
        "区商务局",
        ["integrity"],
        "反映区商务局某科室负责人在商贸补贴申报审核中要求企业宴请，去年以来多次发生。",
        "科室负责人",
        False,
        TipChannel.ONLINE,
    ),
    (
        1,
        "区商务局",
        ["work", "masses"],
        "反映区商务局窗口对企业咨询推诿扯皮，一件备案事项跑了四次仍未办结。",
        "窗口负责人",
        True,
        TipChannel.ONLINE,
    ),
    (
        1,
        "区商务局",
        ["organisational"],
        "来电反映区商务局去年干部选拔中存在打招呼现象（来电人要求匿名）。",
        "",
        False,
        TipChannel.PHONE,
    ),
    (
        2,
        "区卫健局",
        ["integrity"],
        "反映区卫健局某下属单位采购医疗耗材价格明显偏高。",
        "下属单位负责人",
        True,
        TipChannel.ONLINE,
    ),
]


def build_tips(password: str, password_hash: str) -> str:
    """The current round's members (with keys under the demo password) and a few tips; returns the receipt
    of the named online tip to the first group, which has a reply waiting (to try the receipt page)."""
    from nuanqi.accounts.models import Role, RoleGrant, User
    from nuanqi.cases import public

    from .keys import ensure_member_key
    from .services import TipInput, file_tip, open_tip, reply

    current = Round.objects.filter(round_no=7).first()
    if current is None:
        return ""
    groups = {g.number: g for g in current.groups.all()}
    people = {}
    for username, name, number, role in DEMO_MEMBERS:
        user = User.objects.create(username=username, display_name=name, password=password_hash)
        RoleGrant.objects.create(user=user, role=Role.INSPECTOR)
        GroupMember.objects.create(group=groups[number], user=user, role=role)
        ensure_member_key(user, password)
        people[username] = user
    shown = ""
    for number, target, disciplines, content, post, named, channel in DEMO_TIPS:
        receipt = public.new_receipt()
        _digest, key = public.receipt_secrets(receipt)
        case = file_tip(
            TipInput(
                group=groups[number],
                target_unit=Unit.objects.get(short_name=target),
                disciplines=disciplines,
                content=content,
                accused_post=post,
                named=named,
                name="举报人（演示）" if named else "",
                phone="13900000000" if named else "",
                channel=channel,
            ),
            actor=None,
            receipt_key=key,
        )
        from nuanqi.cases.models import PublicReceipt

        PublicReceipt.objects.create(case=case, digest=_digest)
        if named and number == 1:
            leader = people["xc_leader"]
            private = ensure_member_key(leader, password)
            tip = Tip.objects.get(case=case)
            opened = open_tip(leader, tip, private)
            from .services import act

            act(leader, opened, "accept", "属于受理范围，列入核查", version=case.version)
            reply(leader, opened, "您反映的问题已受理，我组将在巡察期间核查。", tells="accept")
            shown = public.format_receipt(receipt)
    return shown
