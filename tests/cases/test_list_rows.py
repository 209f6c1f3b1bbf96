"""A list row read by ids with the compiled page statement is the row the models give, and pages show it."""

from __future__ import annotations

from datetime import UTC, datetime

from nuanqi.accounts.models import User
from nuanqi.cases import services
from nuanqi.cases.models import Case
from nuanqi.cases.queries import with_list_columns
from nuanqi.cases.rows import page_records, record_of
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
