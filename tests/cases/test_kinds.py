"""Kinds are declared by the modules that own them: a toy kind registered here, outside `cases`, works in
every generic place — lists, 我的清单, sweeps with named clocks, KPIs, search, the ledger and the API."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from nuanqi.cases import kinds, kpis, services, sweeps
from nuanqi.cases.kinds import (
    CLOSED,
    OPEN,
    TURN_LEAD_UNIT,
    TURN_OFFICE,
    WORKING_DAYS,
    WORKING_HOURS,
    Clock,
    KindSpec,
    StatusDef,
    transition,
)
from nuanqi.cases.models import Case, CaseClock, Event
from nuanqi.cases.visibility import my_worklist, visible_cases
from nuanqi.cases.workflow import table_for

from ..api.test_api import api_for
from .helpers import file_case

TZ = ZoneInfo("Asia/Shanghai")
OFFICE = {"admin", "dispatcher"}

TOY = KindSpec(
    code="toy",
    label="巡查玩具件",
    prefix="TY",
    statuses=(
        StatusDef("toy_reported", "已上报", OPEN, TURN_OFFICE),
        StatusDef("toy_fixing", "整改中", OPEN, TURN_LEAD_UNIT),
        StatusDef("toy_checked", "复查销号", CLOSED, resolved=True),
        StatusDef("toy_void", "已注销", CLOSED),
    ),
    transitions=(
        transition("toy_start", "开始整改", ("toy_reported",), "toy_fixing", OFFICE),
        transition("toy_check", "复查通过", ("toy_fixing",), "toy_checked", {"lead_unit", *OFFICE}),
        transition("toy_void", "注销", ("toy_reported",), "toy_void", OFFICE),
    ),
    initial="toy_reported",
    sla_default_days=3,
    clocks=(
        Clock("toy_ack", "立案时限", ("create",), ("toy_start", "toy_void"), 2, WORKING_HOURS),
        Clock("toy_fix", "整改时限", ("toy_start",), ("toy_check",), 3, WORKING_DAYS),
    ),
)


@pytest.fixture
def toy() -> Iterator[KindSpec]:
    kinds.register_kind(TOY)
    yield TOY
    kinds.unregister_kind(TOY.code)


def test_the_status_sets_follow_the_registrations() -> None:
    """`kinds.statuses` is memoised (the KPI roll-up asks it per case); a kind registered or removed later
    shows at once."""
    assert "toy_fixing" not in kinds.statuses(OPEN)
    kinds.register_kind(TOY)
    try:
        assert "toy_fixing" in kinds.statuses(OPEN)
        assert "toy_fixing" in kinds.statuses(OPEN, turn=TURN_LEAD_UNIT)
        assert "toy_fixing" not in kinds.statuses(OPEN, turn=TURN_OFFICE)
        assert "toy_void" in kinds.statuses(CLOSED) and "toy_void" not in kinds.statuses(
            CLOSED, resolved=True
        )
    finally:
        kinds.unregister_kind(TOY.code)
    assert "toy_fixing" not in kinds.statuses(OPEN)
    assert "toy_fixing" not in kinds.statuses(OPEN, turn=TURN_LEAD_UNIT)


def _file_toy(world, title: str = "卫海社区网络通信箱箱门缺失") -> Case:
    return services.create_case(
        services.NewCase(
            kind="toy",
            title=title,
            description="点位长日常巡查发现",
            lead_unit=world.zhujian.pk,
            received_at=datetime(2023, 3, 27, 9, 0, tzinfo=TZ),
        ),
        actor=world.dispatcher,
    )


def test_an_unknown_kind_is_an_error_never_the_request_table(db):
    with pytest.raises(kinds.UnknownKind):
        table_for("no_such_kind")


def test_a_status_code_may_not_change_its_phase_between_kinds(toy):
    clash = KindSpec(
        code="toy2",
        label="冲突件",
        prefix="TZ",
        statuses=(StatusDef("toy_fixing", "整改中", CLOSED),),
        transitions=(),
        initial="toy_fixing",
    )
    with pytest.raises(ValueError, match="another phase"):
        kinds.register_kind(clash)


def test_a_toy_kind_is_filed_listed_and_described_through_the_api(world, toy):
    api = api_for(world.dispatcher)
    r = api.post(
        "/cases",
        {"kind": "toy", "title": "惠舟社区绿化带裸露", "lead_unit": world.zhujian.pk},
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["number"].startswith("TY")
    assert (body["status"], body["status_label"], body["phase"]) == ("toy_reported", "已上报", OPEN)
    assert [a["action"] for a in body["actions"]] == ["toy_start", "toy_void"]

    listed = api.get("/cases", kind="toy").json()["items"]
    assert [c["number"] for c in listed] == [body["number"]]
    assert (
        api.get("/cases", kind="巡查玩具件", status="open").json()["items"][0]["kind_label"] == "巡查玩具件"
    )

    described = {k["code"]: k for k in api.get("/cases/kinds").json()}
    assert [s["code"] for s in described["toy"]["statuses"]] == [s.code for s in TOY.statuses]
    assert {a["action"] for a in described["toy"]["actions"]} == {"toy_start", "toy_check", "toy_void"}
    assert [c["name"] for c in described["toy"]["clocks"]] == ["toy_ack", "toy_fix"]
    assert "request" in described and "task" in described

    schema = api.get("/openapi.json").json()
    assert "toy_reported" in str(schema) or "new=" in str(schema)  # statuses are documented per kind

    moved = api.post(f"/cases/{body['number']}/actions", {"action": "toy_start", "version": body["version"]})
    assert moved.status_code == 200 and moved.json()["status_label"] == "整改中"


def test_a_toy_kind_lands_on_the_right_worklists_and_in_search(world, toy):
    case = _file_toy(world)
    # 已上报 is the office's turn; 整改中 the lead unit's.
    assert case in my_worklist(world.dispatcher)
    assert case not in my_worklist(world.handler)
    case = services.perform(case, "toy_start", actor=world.dispatcher, version=case.version)
    assert case in my_worklist(world.handler)
    assert case not in my_worklist(world.dispatcher)

    found = world.client(world.dispatcher).get("/cases/", {"q": "通信箱"}).content.decode()
    assert case.number in found and "整改中" in found
    page = world.client(world.handler).get("/").content.decode()
    assert case.number in page


def test_a_toy_kind_gets_both_named_clocks_carded(world, toy):
    case = _file_toy(world)
    ack = CaseClock.objects.get(case=case, name="toy_ack")
    # Two working hours from 09:00 on Monday 2023-03-27.
    assert ack.due_at == datetime(2023, 3, 27, 11, 0, tzinfo=TZ)
    raised = sweeps.sweep(datetime(2023, 3, 27, 11, 30, tzinfo=TZ)).raised
    assert raised[sweeps.CLOCK_RED] == 1
    assert sweeps.sweep(datetime(2023, 3, 27, 11, 31, tzinfo=TZ)).raised[sweeps.CLOCK_RED] == 0  # once only

    case = services.perform(case, "toy_start", actor=world.dispatcher, version=case.version)
    ack.refresh_from_db()
    assert ack.stopped_at is not None
    fix = CaseClock.objects.get(case=case, name="toy_fix")
    assert fix.stopped_at is None and fix.due_at > fix.started_at + timedelta(days=2)
    late = fix.due_at + timedelta(hours=1)
    assert sweeps.sweep(fix.warn_at + timedelta(minutes=1)).raised[sweeps.CLOCK_YELLOW] == 1
    assert sweeps.sweep(late).raised[sweeps.CLOCK_RED] == 1
    cards = list(
        Event.objects.filter(case=case, action__in=["clock_yellow", "clock_red"]).values_list(
            "action", "changes__clock"
        )
    )
    assert cards == [("clock_red", "toy_ack"), ("clock_yellow", "toy_fix"), ("clock_red", "toy_fix")]

    case.refresh_from_db()  # the late sweep also escalated the overdue case (督办 bumps the version)
    case = services.perform(case, "toy_check", actor=world.handler, version=case.version)
    fix.refresh_from_db()
    assert fix.stopped_at is not None and case.resolved_at is not None


def test_a_toy_kind_counts_in_kpis_and_exports_in_the_ledger(world, toy):
    a = _file_toy(world, "万泰三农汇市场垃圾堆放")
    _file_toy(world, "盐仓街道僵尸车")
    a = services.perform(a, "toy_start", actor=world.dispatcher, version=a.version)
    services.perform(a, "toy_check", actor=world.handler, version=a.version)
    k = kpis.total(visible_cases(world.dispatcher).filter(kind="toy"), date(2023, 3, 1), date(2023, 3, 31))
    assert (k.received, k.resolved, k.open) == (2, 1, 1)

    r = world.client(world.dispatcher).get("/ledger/cases.xlsx", {"kind": "toy"})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content))["事项台账"]
    header = [c.value for c in ws[1]]
    rows = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == set(Case.objects.filter(kind="toy").values_list("number", flat=True))
    assert rows[a.number][header.index("类别")] == "巡查玩具件"
    assert rows[a.number][header.index("状态")] == "复查销号"


SEALED = KindSpec(
    code="toy_sealed",
    label="密封玩具件",
    prefix="TS",
    statuses=(
        StatusDef("toy_received", "已受理", OPEN, TURN_OFFICE),
        StatusDef("toy_done", "已办结", CLOSED, resolved=True),
    ),
    transitions=(transition("toy_finish", "办结", ("toy_received",), "toy_done", OFFICE),),
    initial="toy_received",
    sealed=True,
    sealed_label="密封件",
)
SECRET = "反映区某局副局长收受礼金"


@pytest.fixture
def sealed() -> Iterator[KindSpec]:
    kinds.register_kind(SEALED)
    yield SEALED
    kinds.unregister_kind(SEALED.code)


def _box():
    from nacl.secret import SecretBox
    from nacl.utils import random

    return SecretBox(random(SecretBox.KEY_SIZE))


def _all_text(case: Case) -> str:
    """Every column the engine wrote for this case, as text: the case row, its events and the search index."""
    from django.db import connection

    rows: list[object] = list(Case.objects.filter(pk=case.pk).values().first().values())
    for ev in Event.objects.filter(case=case).values():
        rows += list(ev.values())
    key = "rowid" if connection.vendor == "sqlite" else "case_id"
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM cases_search WHERE {key} = %s", [case.pk])
        assert cur.fetchone()[0] == 0, "a sealed case has no search-index entry"
    return " ".join(str(bytes(v) if isinstance(v, memoryview) else v) for v in rows)


def test_a_sealed_kind_leaves_no_plaintext_and_stays_out_of_generic_lists(world, sealed):
    box = _box()
    case = services.create_case(
        services.NewCase(kind="toy_sealed", sealed=bytes(box.encrypt(SECRET.encode()))),
        actor=world.admin,
    )
    assert case.number.startswith("TS") and case.title == ""
    with pytest.raises(services.Invalid):
        services.perform(case, "toy_finish", actor=world.dispatcher, version=case.version, reason=SECRET)
    note = bytes(box.encrypt("核查属实，已移交".encode()))
    case = services.perform(case, "toy_finish", actor=world.dispatcher, version=case.version, sealed=note)
    assert box.decrypt(bytes(Case.objects.get(pk=case.pk).sealed)).decode() == SECRET

    stored = _all_text(case)
    assert SECRET not in stored and "核查属实" not in stored
    from nuanqi.notify.models import Delivery

    notices = list(Delivery.objects.filter(event__case=case))
    assert notices, "the office hears of a new sealed case"
    for d in notices:  # a fixed text: that something is waiting, nothing of what
        assert SECRET not in f"{d.title}{d.body}" and d.body == "请登录系统查看"
    for ev in Event.objects.filter(case=case):
        assert ev.reason == "" and set(ev.changes) <= {"fields", "sealed_sha256"}
    with pytest.raises(services.Invalid):  # plaintext titles are refused outright
        services.create_case(
            services.NewCase(kind="toy_sealed", title=SECRET, sealed=b"x"), actor=world.admin
        )

    for who in (world.admin, world.leader, world.dispatcher):
        assert not visible_cases(who).filter(pk=case.pk).exists()
        assert case not in my_worklist(who)
    api = api_for(world.admin)
    assert api.get(f"/cases/{case.number}").status_code == 404
    assert case.number not in api.get("/cases").content.decode()
    assert "toy_sealed" not in {k["code"] for k in api.get("/cases/kinds").json()}
    ledger = world.client(world.admin).get("/ledger/cases.xlsx").content
    ws = load_workbook(io.BytesIO(ledger))["事项台账"]
    assert case.number not in {r[0] for r in ws.iter_rows(min_row=2, values_only=True)}
    from django.utils import timezone

    today = timezone.localdate()
    assert kpis.total(Case.objects.all(), today - timedelta(days=1), today).received == 0

    from nuanqi.cases.timeline import verify

    assert list(verify()) == []
    Event.objects.filter(case=case, seq=2).update(sealed=b"replaced")
    assert [b.problem for b in verify()] == ["密文与记录的哈希不符（密文被改动）"]


def test_no_code_outside_the_registrations_names_a_tuple_of_status_codes():
    """Lists, sweeps and KPIs ask `kinds.statuses(phase)`; only the kinds' own registrations (and the bulk
    generator of request histories) spell status codes out."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "src" / "nuanqi"
    allowed = {"cases/workflow.py", "enterprise/workflow.py", "cases/models/choices.py"}
    pattern = re.compile(
        r"(OPEN_STATUSES|CLOSED_STATUSES|status__in=[\[(]\s*(Status\.|\")|status in \(\s*(Status\.|\"))"
    )
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for path in root.rglob("*.py")
        if "migrations" not in path.parts
        and path.parts[-2] != "demo"
        and str(path.relative_to(root)) not in allowed
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_kinds_show_in_the_ui_and_a_kind_adds_its_own_panel(world, toy, settings, tmp_path):
    client = world.client(world.dispatcher)
    form = client.get("/cases/new/").content.decode()
    assert "巡查玩具件" in form and "企业诉求" in form and "部门任务" not in form
    r = client.post(
        "/cases/new/",
        {
            "kind": "toy",
            "title": "盐仓街道僵尸车",
            "nature": "help",
            "channel": "patrol",
            "importance": "minor",
            "urgency": "normal",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    case = Case.objects.get(kind="toy")
    assert (
        client.post("/cases/new/", {"kind": "task", "title": "x"}).status_code == 200
    )  # not offered: refused
    assert not Case.objects.filter(kind="task").exists()

    listing = client.get("/cases/", {"kind": "toy"}).content.decode()
    assert case.number in listing and "巡查玩具件" in listing and 'name="kind"' in listing
    other = file_case(world.commissioner, world.huakang, "企业的事")
    assert other.number not in listing
    assert other.number in client.get("/cases/", {"kind": "request"}).content.decode()

    kpi_page = client.get("/dashboard/kpis/", {"by": "kind"}).content.decode()
    assert "巡查玩具件" in kpi_page and "企业诉求" in kpi_page

    (tmp_path / "toy_panel.html").write_text(
        '<section class="card" id="toy-panel">点位：{{ panel.point }}</section>'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0].get("DIRS", []), tmp_path]}
    ]
    kinds.register_kind(
        KindSpec(
            **{
                **TOY.__dict__,
                "panel_template": "toy_panel.html",
                "panel_context": lambda user, c: {"point": "卫海社区"},
            }
        )
    )
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert '<section class="card" id="toy-panel">点位：卫海社区</section>' in page


def test_the_worklist_and_the_kpi_page_filter_by_kind(world, toy):
    toy_case = _file_toy(world)
    request_case = file_case(world.commissioner, world.huakang, "企业的事")
    client = world.client(world.dispatcher)
    mine = client.get("/", {"kind": "toy"}).content.decode()
    assert toy_case.number in mine and request_case.number not in mine and 'name="kind"' in mine
    both = client.get("/").content.decode()
    assert toy_case.number in both and request_case.number in both
    kpi = client.get("/dashboard/kpis/", {"kind": "toy", "by": "kind", "from": "2023-03-01"}).content.decode()
    assert "巡查玩具件" in kpi and "企业诉求" not in kpi.split("<tbody>")[1]
