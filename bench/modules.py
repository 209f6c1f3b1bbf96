"""The fixtures and bodies of the modules' workloads in the province bench (bench/workloads.py), made on the
seeded world through the app's own services, once per world (each step looks for what it made before):

- Open311: 200 patrol points on the eight streets and a client key (`open311_bench.patrol_world`; a new key
  each run, since only its hash is kept);
- tips: an open round of inspections (its window moved to cover today on every run) with three groups over
  twelve departments, each group with a leader and a member holding a key pair, so each public tip is sealed
  to two or three people, as in a district;
- projects: the programme 东海百里文廊 (eight sections, three sites, progress reports through
  `projects.services.post_report`), whose page the leader opens;
- routing: the district's keyword rules (`demo/history/load.RULES`); the model only when BENCH_ROUTING_TRAIN=1
  (`nuanqi routing train` on the seeded world's closed cases, kept in the home), otherwise the suggestion
  comes from the rules — each record says which (`basis`).

Runs in the harness process after `django.setup()` (bench/workloads.Personas).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

PROGRAMME = "东海百里文廊"
ROUND_TERM = "基准届"
GROUP_PASSWORD = "bench-only-inspector"


@dataclass
class Modules:
    open311_key: str = ""
    point_ids: list[int] = field(default_factory=list)
    tip_units: list[int] = field(default_factory=list)
    programme_id: int | None = None
    routing_basis: str = "rules"


def prepare(want: set[str]) -> Modules:
    m = Modules()
    if "open311_intake" in want:
        import open311_bench

        points, _client, m.open311_key = open311_bench.patrol_world(200, random.Random(311))
        m.point_ids = [p.pk for p in points]
    if "tip_intake" in want:
        m.tip_units = _tip_round()
    if "programme" in want:
        m.programme_id = _programme()
    if "routing_suggest" in want:
        _keyword_rules()
    return m


# ---------------------------------------------------------------- tips


def _tip_round() -> list[int]:
    """An open round (published, window around today) with three groups; the units they inspect."""
    from django.utils import timezone

    from nuanqi.accounts.models import Role, RoleGrant, Unit, UnitKind, User
    from nuanqi.tips.keys import ensure_member_key
    from nuanqi.tips.models import DEFAULT_SESSIONS, GroupMember, InspectionGroup, Round

    today = timezone.localdate()
    rnd = Round.objects.filter(term=ROUND_TERM).first()
    if rnd is None:
        rnd = Round.objects.create(
            term=ROUND_TERM,
            round_no=1,
            window_start=today - timedelta(days=10),
            window_end=today + timedelta(days=35),
            sessions=DEFAULT_SESSIONS,
        )
    else:
        Round.objects.filter(pk=rnd.pk).update(
            window_start=today - timedelta(days=10), window_end=today + timedelta(days=35), published=True
        )
    if not rnd.groups.exists():
        departments = list(
            Unit.objects.filter(kind=UnitKind.DEPARTMENT, in_district=True).order_by("sort")[:12]
        )
        for number in (1, 2, 3):
            group = InspectionGroup.objects.create(
                round=rnd,
                number=number,
                phone=f"0580-80009{number:02d}",
                email=f"bench-group{number}@example.cn",
                postal_address="定海区昌国路61号",
                postcode="316000",
            )
            group.target_units.add(*departments[number - 1 :: 3])
            for role in (GroupMember.LEADER, GroupMember.MEMBER):
                user = User.objects.create_user(
                    username=f"bench_inspector_{number}_{role}",
                    password=GROUP_PASSWORD,
                    display_name=f"巡察组{number}成员",
                )
                RoleGrant.objects.create(user=user, role=Role.INSPECTOR)
                GroupMember.objects.create(group=group, user=user, role=role)
                ensure_member_key(user, GROUP_PASSWORD)
    return sorted(Unit.objects.filter(inspection_groups__round=rnd).values_list("pk", flat=True))


def tip_bodies(units: list[int], n: int = 300) -> list[dict[str, Any]]:
    """JSON bodies for `POST /api/v1/public/tips`: two in three anonymous, one in three named (whose name
    and phone are sealed to the group leader as well)."""
    from nuanqi.demo import scale_text as T

    rng = random.Random(12388)
    disciplines = ["integrity", "work", "masses", "organisational", "political", "life"]
    out = []
    for i in range(n):
        _title, text = T.case_text(rng, "政策咨询", "被巡察单位")
        body: dict[str, Any] = {
            "target_unit": str(rng.choice(units)),
            "disciplines": rng.sample(disciplines, rng.choice((1, 2))),
            "accused_post": rng.choice(["科室负责人", "窗口负责人", "分管副局长", ""]),
            "content": f"反映被巡察单位有关人员的问题（第 {i} 件）：{text}",
            "anonymous": "true" if i % 3 else "false",
        }
        if i % 3 == 0:
            body |= {"name": T.person_name(rng), "phone": f"139{rng.randrange(10**8):08d}"}
        out.append(body)
    return out


# ---------------------------------------------------------------- projects


def _programme() -> int:
    """The programme 东海百里文廊 as the demo builds it (`demo.projects.build_wenlang`), its reports filed by
    the office's dispatcher (who may report for any owner)."""
    from django.db.models import Q

    from nuanqi.accounts.models import Unit, User
    from nuanqi.demo.projects import build_wenlang
    from nuanqi.projects.models import Programme

    found = Programme.objects.filter(name=PROGRAMME).first()
    if found is not None:
        return found.pk
    actor = User.objects.get(username="dispatcher")

    def unit(name: str) -> Unit:
        found = Unit.objects.filter(Q(name=name) | Q(short_name=name)).first()
        if found is None:
            raise LookupError(f"the seeded world has no unit {name}")
        return found

    return build_wenlang(unit, lambda _town: actor).pk


# ---------------------------------------------------------------- routing


def _keyword_rules() -> None:
    from django.db.models import Q

    from nuanqi.accounts.models import Unit
    from nuanqi.cases.models import Category
    from nuanqi.demo.history.load import RULES
    from nuanqi.routing.models import KeywordRule

    if KeywordRule.objects.exists():
        return
    for short, leaf, words in RULES:
        unit = Unit.objects.filter(Q(short_name=short) | Q(name=short)).first()
        if unit is None:
            continue
        category = Category.objects.filter(name=leaf, parent__isnull=False).first()
        KeywordRule.objects.create(unit=unit, category=category, words=words)


def routing_bodies(n: int = 200) -> list[dict[str, str]]:
    """Titles and descriptions of new requests over the seeded world's 小项 (the generator's texts)."""
    from nuanqi.cases.models import Category
    from nuanqi.demo import scale_text as T

    rng = random.Random(2026)
    leaves = list(
        Category.objects.filter(parent__isnull=False, kind="request").values_list("name", flat=True)
    )
    out = []
    for _ in range(n):
        title, description = T.case_text(rng, rng.choice(leaves or ["环评"]), "有关部门")
        out.append({"title": title, "description": description})
    return out
