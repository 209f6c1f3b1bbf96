"""The scale generator's directory: units, people, roles, commissioners, companies and their assignments,
written with bulk_create (see `demo.scale`)."""

from __future__ import annotations

import random
from typing import Any

from django.contrib.auth.hashers import make_password

from nuanqi import defaults
from nuanqi.accounts.models import Role, RoleGrant, Unit, UnitKind, User
from nuanqi.cases.models import Category, Kind
from nuanqi.enterprise.models import Assignment, Batch, Commissioner, Company, CompanyContact
from nuanqi.lib.uscc import with_check_digit

from . import scale_text as T
from . import seed_data as S
from .scale_sql import raw_create

PASSWORD = "nuanqi2023"
UNITS = 300
_USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"


class World:
    def __init__(self, rng: random.Random, companies: int, commissioners: int) -> None:
        self.rng = rng
        self.n_companies = companies
        self.n_commissioners = commissioners
        self.leads: list[Unit] = []  # units that lead cases
        self.helpers: list[Unit] = []  # units that co-handle
        self.handler: dict[int, int] = {}  # unit id → its handler's user id
        self.company_ids: list[int] = []
        self.company_label: dict[int, str] = {}
        self.contact: dict[int, int] = {}  # company id → contact user id
        self.commissioner_of: dict[int, int] = {}  # company id → commissioner user id
        self.town_of: dict[int, int] = {}  # company id → town (unit) id
        self.leaves: list[Category] = []
        self.dispatchers: list[int] = []
        # Read once before the cases are generated (demo.scale._prepare), so generators need no database.
        self.names: dict[int, str] = {}  # user id → display name
        self.unit_names: dict[int, str] = {}
        self.leaf_by_id: dict[int, Category] = {}
        self.limits: dict[tuple[str, int], Any] = {}  # (nature, priority) → sla.Limits
        self.calendar: Any = None
        self.case_base = 0  # the largest case id before the load


def build_directory(w: World) -> None:
    rng = w.rng
    units: list[Unit] = []
    for sort, (name, short, kind, inside, region) in enumerate(S.UNITS, start=1):
        units.append(
            Unit(name=name, short_name=short, kind=kind, in_district=inside, region_code=region, sort=sort)
        )
    towns = [u for u in units if u.kind == UnitKind.TOWN]
    i = 0
    while len(units) < UNITS:
        town = towns[i % len(towns)]
        units.append(
            Unit(
                name=f"{town.name}{T.BRANDS[i % len(T.BRANDS)]}社区{i // len(T.BRANDS) + 1}",
                kind=UnitKind.COMMUNITY,
                sort=len(units) + 1,
            )
        )
        i += 1
    Unit.objects.bulk_create(units)
    units = list(Unit.objects.order_by("id"))
    by_name = {u.name: u for u in units}
    w.leads = [
        u
        for u in units
        if u.kind in (UnitKind.DEPARTMENT, UnitKind.TOWN, UnitKind.TASKFORCE) and u.in_district
    ]
    w.helpers = [u for u in units if u.kind != UnitKind.OFFICE]

    # A migrated database already holds the district defaults (nuanqi.defaults): the 小项 are read from it
    # (put back where missing), in the defaults' order.
    defaults.ensure()
    tops = {c.name: c for c in Category.objects.filter(kind=Kind.REQUEST, parent__isnull=True)}
    leaves = {
        (c.parent_id, c.name): c
        for c in Category.objects.filter(kind=Kind.REQUEST, parent__isnull=False).select_related("parent")
    }
    for top_name, names in S.CATEGORIES.items():
        w.leaves += [leaves[(tops[top_name].pk, name)] for name in names]

    password = make_password(PASSWORD)
    people: list[User] = []
    grants: list[tuple[int, str]] = []
    office = by_name[S.UNITS[0][0]]

    def person(username: str, unit: Unit | None = None, title: str = "") -> User:
        u = User(
            username=username, password=password, display_name=T.person_name(rng), unit=unit, title=title
        )
        people.append(u)
        return u

    staff = [
        person("admin", office, "系统管理员"),
        person("leader", None, "区领导"),
        *[person("dispatcher" if k == 0 else f"dispatcher{k}", office, "受理派单员") for k in range(4)],
    ]
    zhujian = by_name["定海区住房和城乡建设局"]
    handlers = {
        u.pk: person("handler" if u.pk == zhujian.pk else f"handler_{u.pk:03d}", u, "经办人")
        for u in w.helpers
    }
    commissioners = [
        person("commissioner" if k == 0 else f"commissioner_{k:03d}", None, "暖企专员")
        for k in range(w.n_commissioners)
    ]
    contacts = [
        person("company" if k == 0 else f"company_{k:05d}", None, "企业联系人") for k in range(w.n_companies)
    ]
    raw_create(people)
    ids = dict(User.objects.values_list("username", "id"))
    staff[0].pk = ids["admin"]
    for u in people:
        u.pk = ids[u.username]
    grants += [(staff[0].pk, Role.ADMIN), (staff[1].pk, Role.LEADER)]
    grants += [(u.pk, Role.DISPATCHER) for u in staff[2:]]
    grants += [(u.pk, Role.HANDLER) for u in handlers.values()]
    grants += [(u.pk, Role.COMMISSIONER) for u in commissioners]
    grants += [(u.pk, Role.ENTERPRISE) for u in contacts]
    raw_create([RoleGrant(user_id=uid, role=r) for uid, r in grants])
    User.objects.filter(pk=staff[0].pk).update(is_superuser=True, is_staff=True)
    w.handler = {unit_id: u.pk for unit_id, u in handlers.items()}
    w.dispatchers = [u.pk for u in staff[2:]]

    batches = [Batch.objects.create(number=n, name=name, started_on=d) for n, name, d in S.BATCHES]
    comm_rows = []
    for k, u in enumerate(commissioners):
        b = batches[k % len(batches)]
        comm_rows.append(
            Commissioner(
                user_id=u.pk,
                former_post=f"原{rng.choice(w.leads).label}副局长",
                batch=b,
                dispatched_on=b.started_on,
                confidentiality_signed=True,
                confidentiality_signed_on=b.started_on,
            )
        )
    Commissioner.objects.bulk_create(comm_rows)
    comm_ids = list(Commissioner.objects.order_by("id").values_list("id", "user_id"))

    companies = []
    for k in range(w.n_companies):
        town = towns[k % len(towns)]
        name, ind = T.company_name(k, town.name)
        body, n = "", k
        for _ in range(9):
            body, n = _USCC[n % 31] + body, n // 31
        code, industry, _short = T.INDUSTRIES[ind]
        companies.append(
            Company(
                name=name,
                uscc=with_check_digit("91330902" + body),
                industry=code,
                industry_name=industry,
                scale=rng.choice(("large", "medium", "small", "small", "micro", "micro")),
                above_scale=rng.random() < 0.3,
                town=town,
                address=f"定海区{town.name}",
                key_company=rng.random() < 0.05,
                contact_name=T.person_name(rng),
                contact_phone=f"139{k:08d}",
            )
        )
    raw_create(companies)
    company_rows = list(Company.objects.order_by("id").values_list("id", "name", "town_id"))
    w.company_ids = [c for c, _n, _t in company_rows]
    w.company_label = {c: n for c, n, _t in company_rows}
    w.town_of = {c: t for c, _n, t in company_rows}
    raw_create(
        [
            CompanyContact(company_id=cid, user_id=contacts[k].pk, title="项目经理")
            for k, cid in enumerate(w.company_ids)
        ]
    )
    w.contact = {cid: contacts[k].pk for k, cid in enumerate(w.company_ids)}
    assignments = []
    for k, cid in enumerate(w.company_ids):
        comm_id, user_id = comm_ids[k % len(comm_ids)]
        started = batches[(k % len(comm_ids)) % len(batches)].started_on
        assignments.append(Assignment(commissioner_id=comm_id, company_id=cid, started_on=started))
        w.commissioner_of[cid] = user_id
    raw_create(assignments)


# ---------------------------------------------------------------- one case's life
