"""Personas shared by the suite: a small world of units, two companies and the people around them."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from nuanqi.accounts.models import Role, RoleGrant, Unit, UnitKind, User
from nuanqi.cases.models import Category, Kind
from nuanqi.enterprise.models import Batch, Commissioner, Company, CompanyContact
from nuanqi.enterprise.services import assign
from nuanqi.lib.uscc import with_check_digit

PASSWORD = "test-pass-2023"


def _worker_home() -> None:
    """`./nq test` runs the suite on every core through pytest-xdist. Each worker then gets a home of its own,
    $NUANQI_HOME/workers/<gw0, gw1, ...>: its file cache (which every test clears), attachments, routing model
    and the home of the commands it runs as subprocesses never meet another worker's. The keys are copied from
    the shared home, so a subprocess verifies what this process signed. pytest-django gives each worker its
    own test database (`…_gw0`)."""
    from django.conf import settings

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    shared = Path(settings.HOME)
    home = shared / "workers" / worker
    home.mkdir(parents=True, exist_ok=True)
    for name in ("secret_key", "receipt_salt", "audit_key"):
        if (shared / name).exists():
            shutil.copy(shared / name, home / name)  # with its 0600 mode
    os.environ["NUANQI_HOME"] = str(home)
    settings.HOME = home
    settings.MEDIA_ROOT = home / "media"
    cache = {**settings.CACHES["default"], "LOCATION": str(home / "cache")}
    settings.CACHES = {**settings.CACHES, "default": cache}


_worker_home()


@dataclass
class World:
    office: Unit
    zhujian: Unit
    jingxin: Unit
    town: Unit
    outside: Unit
    huakang: Company
    changhong: Company
    admin: User
    dispatcher: User
    leader: User
    commissioner: User
    commissioner2: User
    handler: User
    handler2: User
    company: User
    outsider: User
    approval: Category
    certificate: Category

    def client(self, user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c


def _person(username: str, name: str, *roles: str, unit: Unit | None = None, superuser: bool = False) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, display_name=name, unit=unit)
    if superuser:
        user.is_superuser = user.is_staff = True
        user.save()
    for role in roles:
        RoleGrant.objects.create(user=user, role=role)
    return user


def search_index_follows_the_cases() -> None:
    """A flush (the teardown of a transactional test) empties `cases_case` but not the search table
    `cases_search` (SQLite's FTS5 table, PostgreSQL's plain table), which Django does not know. The rows it
    leaves would be candidates of every later search: nothing a user sees changes (visibility drops them), but
    how many rounds and windows, and so statements, a search takes does. Re-index the cases there are whenever
    the two disagree."""
    from django.db import connection

    from nuanqi.cases.models import Case
    from nuanqi.cases.search import TABLE, index_row, write_index_rows

    sqlite = connection.vendor == "sqlite"
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {TABLE}_docsize" if sqlite else f"SELECT count(*) FROM {TABLE}")
        indexed = cur.fetchone()[0]
        if indexed == Case.objects.count():
            return
        if sqlite:
            cur.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('delete-all')")
        else:
            cur.execute(f"DELETE FROM {TABLE}")
    cases = Case.objects.order_by("id").values_list("id", "title", "description", "subject_label")
    write_index_rows(index_row(*row) for row in cases)


@pytest.fixture
def world(db: None) -> World:
    search_index_follows_the_cases()
    office = Unit.objects.create(
        name="定海区营商环境优化提升办公室", short_name="营商办", kind=UnitKind.OFFICE
    )
    zhujian = Unit.objects.create(name="区住建局", kind=UnitKind.DEPARTMENT)
    jingxin = Unit.objects.create(name="区经信局", kind=UnitKind.DEPARTMENT)
    town = Unit.objects.create(name="白泉镇", kind=UnitKind.TOWN)
    outside = Unit.objects.create(name="舟山市市场监督管理局", in_district=False, region_code="330900")
    huakang = Company.objects.create(
        name="舟山华康生物科技有限公司", uscc=with_check_digit("91330902MA2A1B2C3"), town=town
    )
    changhong = Company.objects.create(
        name="舟山长宏国际船舶修造有限公司", uscc=with_check_digit("913309027331234X5")
    )
    admin = _person("admin", "管理员", Role.ADMIN, unit=office, superuser=True)
    dispatcher = _person("dispatcher", "受理员甲", Role.DISPATCHER, unit=office)
    leader = _person("leader", "领导乙", Role.LEADER)
    commissioner = _person("commissioner", "专员丙", Role.COMMISSIONER)
    commissioner2 = _person("commissioner2", "专员丁", Role.COMMISSIONER)
    handler = _person("handler", "经办人戊", Role.HANDLER, unit=zhujian)
    handler2 = _person("handler2", "经办人己", Role.HANDLER, unit=jingxin)
    company = _person("company", "企业联系人庚", Role.ENTERPRISE)
    outsider = _person("outsider", "路人辛")
    batch = Batch.objects.create(number=3, name="第三批", started_on=date(2023, 1, 29))
    c1 = Commissioner.objects.create(
        user=commissioner,
        former_post="退职科级干部",
        batch=batch,
        dispatched_on=date(2023, 1, 29),
        confidentiality_signed=True,
    )
    c2 = Commissioner.objects.create(
        user=commissioner2,
        former_post="原区水利局局长",
        batch=batch,
        dispatched_on=date(2023, 1, 29),
        confidentiality_signed=True,
    )
    assign(c1, huakang, on=date(2023, 1, 29), actor=admin)
    assign(c2, changhong, on=date(2023, 1, 29), actor=admin)
    CompanyContact.objects.create(company=huakang, user=company)
    approval = Category.objects.create(kind=Kind.REQUEST, name="政府审批", sort=2)
    certificate = Category.objects.create(kind=Kind.REQUEST, name="合规证明", parent=approval)
    Category.objects.create(kind=Kind.REQUEST, name="要素保障", sort=1)
    return World(
        office,
        zhujian,
        jingxin,
        town,
        outside,
        huakang,
        changhong,
        admin,
        dispatcher,
        leader,
        commissioner,
        commissioner2,
        handler,
        handler2,
        company,
        outsider,
        approval,
        certificate,
    )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """The migrations give a new database the district defaults (nuanqi.defaults); the suite's worlds build
    their own categories and time limits, so each test starts without them (tests/cases/test_defaults.py
    covers the defaults themselves)."""
    from nuanqi.calendars.models import WorkSchedule
    from nuanqi.cases.models import SlaPolicy

    with django_db_blocker.unblock():
        Category.objects.filter(parent__isnull=False).delete()
        Category.objects.all().delete()
        SlaPolicy.objects.all().delete()
        WorkSchedule.objects.all().delete()


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    """Tests create many people; the production hasher's 1M rounds would dominate the suite's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The cheap Argon2id profile for receipt codes (production: 3 passes over 64 MiB).
    settings.NUANQI_RECEIPT_ARGON2 = {"time_cost": 1, "memory_cost": 8 * 1024, "parallelism": 1}
    # libsodium's minimum Argon2id for members' keys (production: 3 passes over 64 MiB).
    settings.NUANQI_TIPS_KDF = {"opslimit": 1, "memlimit": 8 * 1024}


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Cached aggregates are keyed by the newest event id, which restarts with every test database; the KPI
    roll-up's sums kept in the process are keyed by a token of a database that each test rolls back."""
    from django.core.cache import cache

    from nuanqi.cases import rollup

    cache.clear()
    rollup.forget_kept()


def touches_database(item: pytest.Item) -> bool:
    """Whether a test can reach the database: it is marked `django_db`, asks for a database fixture (`db`,
    `transactional_db`, a fixture built on them, `live_server`), or says `both_databases` (it reaches the
    database another way, e.g. a subprocess given NUANQI_DATABASE_URL). pytest-django refuses any other
    test's queries, so such a test's result cannot depend on the database."""
    names = getattr(item, "fixturenames", ())
    return (
        item.get_closest_marker("django_db") is not None
        or item.get_closest_marker("both_databases") is not None
        or "_django_db_helper" in names
        or "live_server" in names
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL half of `./nq test` runs the tests that touch the database, as the standard asks; the
    others (`single_database` ones, and those that cannot reach a database at all: calendar arithmetic,
    property tests of pure functions, the routing model's maths) ran in the SQLite half already and would
    give the same result again."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return
    # Deselected, not skipped: on this pass they are not part of the run at all.
    kept = [item for item in items if "single_database" not in item.keywords and touches_database(item)]
    if len(kept) < len(items):
        chosen = set(map(id, kept))
        config.hook.pytest_deselected(items=[item for item in items if id(item) not in chosen])
        items[:] = kept
