"""A list row read by ids with the compiled page statement is the row the models give, and pages show it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.template import Context, Template
from django.utils import timezone

from nuanqi.accounts.models import User
from nuanqi.cases import services
from nuanqi.cases.models import Case
from nuanqi.cases.queries import with_list_columns
from nuanqi.cases.rows import case_rows, page_records, record_of
from nuanqi.cases.sla import sla_state
from nuanqi.cases.visibility import my_worklist

from .helpers import dispatched_to, file_case


def _cases(world) -> list[Case]:
    with_category = dispatched_to(
        file_case(world.commissioner, world.huakang, category=world.certificate), world
    )
    services.add_task(with_category, actor=world.handler, unit=world.jingxin.pk)
    plain = file_case(world.commissioner, world.huakang, "无分类的诉求")
    other = file_case(world.commissioner2, world.changhong, "另一家企业的诉求")
    return [with_category, plain, other]


def test_a_page_read_by_its_ids_gives_the_records_the_models_give_in_the_order_asked(world):
    cases = _cases(world)
    ids = [c.pk for c in reversed(cases)]
    from_models = {c.pk: record_of(c) for c in with_list_columns(Case.objects.filter(pk__in=ids))}
    # Three ids go through the statement for four (padded with the last); an id with no case is left out.
    assert page_records(ids) == [from_models[i] for i in ids]
    assert page_records([*ids, 10**12]) == [from_models[i] for i in ids]
    assert page_records(ids[:1]) == [from_models[ids[0]]]
    assert page_records([]) == []
    first = from_models[cases[0].pk]
    assert (first["category_name"], first["category_parent_name"]) == ("合规证明", "政府审批")
    assert (first["lead_unit_name"], first["tasks_done"], first["tasks_total"]) == ("区住建局", 0, 1)


def test_a_row_of_my_list_shows_its_category_path_lead_unit_progress_and_local_deadline(world):
    case = _cases(world)[0]
    # 16:30 UTC is half past midnight of the next day in Asia/Shanghai.
    Case.objects.filter(pk=case.pk).update(resolve_due=datetime(2030, 1, 1, 16, 30, tzinfo=UTC))
    html = world.client(world.handler).get("/").content.decode()
    row = html[html.index(f'<a href="/cases/{case.number}/">') :]
    row = row[: row.index("</li>")]
    assert "<span>政府审批/合规证明</span>" in row
    assert "主办：区住建局" in row
    assert "协办 0/1" in row
    assert "期限 2030-01-02 00:30" in row
    assert '<span class="kind">' in row  # 我的清单 mixes kinds: each row names its own


def test_a_persons_work_list_follows_a_new_unit_at_once(world):
    case = dispatched_to(file_case(world.commissioner, world.huakang), world)  # led by 区住建局
    assert not my_worklist(world.handler2).filter(pk=case.pk).exists()
    User.objects.filter(pk=world.handler2.pk).update(unit=world.zhujian)
    moved = User.objects.get(pk=world.handler2.pk)
    assert my_worklist(moved).filter(pk=case.pk).exists()
    User.objects.filter(pk=world.handler2.pk).update(unit=world.jingxin)
    assert not my_worklist(User.objects.get(pk=world.handler2.pk)).filter(pk=case.pk).exists()


# The row as the per-row template wrote it before the rows were written in Python (cases/_row.html, verbatim).
_TEMPLATE_ROW = (Path(__file__).parent / "files" / "row_template_before.html").read_text()


def test_a_row_written_in_python_is_the_template_row_byte_for_byte(world):
    now = timezone.now()
    led = dispatched_to(file_case(world.commissioner, world.huakang, '<b>"用电" & 增容\'</b>'), world)
    services.add_task(led, actor=world.handler, unit=world.jingxin.pk)
    by_office = file_case(world.commissioner, world.huakang, "黄牌件", category=world.approval)
    plain = file_case(world.commissioner, world.huakang, "无期限件")
    Case.objects.filter(pk=led.pk).update(resolve_due=now - timedelta(hours=1), supervised=True)
    Case.objects.filter(pk=by_office.pk).update(
        lead_unit=world.office, resolve_due=now + timedelta(hours=5), warn_at=now - timedelta(hours=1)
    )
    Case.objects.filter(pk=plain.pk).update(resolve_due=None, warn_at=None)
    cases = list(with_list_columns(Case.objects.filter(pk__in=[led.pk, by_office.pk, plain.pk])))
    template = Template(_TEMPLATE_ROW)
    for kind in (True, False):
        for c, row in zip(cases, case_rows(cases, kind=kind), strict=True):
            old = {"case": c, "sla": sla_state(c.status, c.resolve_due, c.warn_at)}
            if kind:
                old["kind_label"] = c.kind_label
            assert row["html"] == template.render(Context({"r": old}))
    assert {row["sla"] for row in case_rows(cases)} == {"red", "yellow", ""}
    html = case_rows(cases)[[c.pk for c in cases].index(led.pk)]["html"]
    assert "&lt;b&gt;&quot;用电&quot; &amp; 增容&#x27;&lt;/b&gt;" in html
    assert "营商办" in case_rows(cases)[[c.pk for c in cases].index(by_office.pk)]["html"]
