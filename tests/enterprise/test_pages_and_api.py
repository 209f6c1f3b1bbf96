"""The programme's pages and API under the same visibility rules, query budgets and Excel exports."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from nuanqi.cases.errors import Invalid
from nuanqi.enterprise.matching import recompute_all
from nuanqi.enterprise.models import Company, Policy, PolicyApplication
from nuanqi.enterprise.outcomes import record_indicator
from nuanqi.enterprise.records import create_project, track_application
from tests.cases.helpers import file_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(world):
    Company.objects.filter(pk=world.huakang.pk).update(industry="C27", above_scale=True)
    Company.objects.filter(pk=world.changhong.pk).update(industry="C37")
    Policy.objects.create(title="规上工业技改补助", industries=["C"], above_scale_only=True, max_amount=300)
    Policy.objects.create(title="船舶修造扶持", industries=["C37"])
    recompute_all()
    create_project(
        world.huakang,
        name="生产车间项目",
        investment=28000,
        plan={"开工": date(2023, 6, 1)},
        actor=world.admin,
    )
    record_indicator(world.huakang, "output", "year", date(2022, 1, 1), 100, actor=world.admin)
    for i in range(5):
        file_case(world.company, world.huakang, f"诉求{i}", category=world.certificate)
    return world


def test_the_company_page_shows_everything_within_a_query_budget(programme, django_assert_max_num_queries):
    client = programme.client(programme.commissioner)
    with django_assert_max_num_queries(40):
        r = client.get(f"/companies/{programme.huakang.pk}/")
    body = r.content.decode()
    for text in (
        "专员丙",
        "政府审批",
        "生产车间项目",
        "规上工业技改补助",
        "符合：规上工业企业",
        "派驻前后对比",
        "涉企检查",
    ):
        assert text in body
    assert "船舶修造扶持" not in body


@pytest.mark.parametrize(
    "url",
    [
        "/companies/{c}/",
        "/api/v1/companies/{c}",
        "/api/v1/companies/{c}/worklist",
        "/api/v1/companies/{c}/projects",
        "/api/v1/companies/{c}/policies",
        "/api/v1/companies/{c}/inspections",
        "/api/v1/companies/{c}/indicators",
    ],
)
def test_another_companys_commissioner_and_an_outsider_get_404(programme, url):
    path = url.format(c=programme.huakang.pk)
    for user in (programme.commissioner2, programme.outsider, programme.handler2):
        assert programme.client(user).get(path).status_code == 404, (user, path)
    assert programme.client(programme.commissioner).get(path).status_code == 200


def test_policy_pages_list_matches_with_reasons_for_what_the_reader_sees(programme):
    body = programme.client(programme.commissioner).get("/policies/").content.decode()
    assert "我服务企业的可享政策" in body and "符合：规上工业企业" in body
    policy = Policy.objects.get(title="船舶修造扶持")
    body = programme.client(programme.commissioner).get(f"/policies/{policy.pk}/").content.decode()
    assert programme.changhong.name not in body
    body = programme.client(programme.commissioner2).get(f"/policies/{policy.pk}/").content.decode()
    assert programme.changhong.name in body and "符合：铁路、船舶" in body
    r = programme.client(programme.commissioner).get(f"/api/v1/companies/{programme.huakang.pk}/policies")
    assert [m["reasons"] for m in r.json()] == ["符合：规上工业企业"]


def test_applications_move_from_applied_to_granted_with_an_amount(programme):
    policy = Policy.objects.get(title="规上工业技改补助")
    client = programme.client(programme.commissioner)
    url = f"/api/v1/companies/{programme.huakang.pk}/policies/{policy.pk}/application"
    assert client.post(url, {"status": "已申报"}, content_type="application/json").status_code == 200
    r = client.post(url, {"status": "已兑现"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["field"] == "amount"
    r = client.post(url, {"status": "已兑现", "amount": "400"}, content_type="application/json")
    assert r.status_code == 422  # above the policy's 300 万元
    r = client.post(url, {"status": "已兑现", "amount": "180"}, content_type="application/json")
    assert r.status_code == 200 and Decimal(r.json()["amount"]) == 180
    with pytest.raises(Invalid):
        track_application(policy, programme.huakang, "applied", actor=programme.admin)
    assert PolicyApplication.objects.get().amount == Decimal("180")
    other = programme.client(programme.commissioner2).post(
        url, {"status": "已申报"}, content_type="application/json"
    )
    assert other.status_code == 404


def test_only_the_office_adds_policies_and_bad_criteria_are_refused(programme):
    body = {
        "title": "新政策",
        "level": "区",
        "industries": ["制造业"],
        "towns": ["白泉镇"],
        "tags": ["专精特新"],
    }
    r = programme.client(programme.commissioner).post(
        "/api/v1/policies", body, content_type="application/json"
    )
    assert r.status_code == 403
    r = programme.client(programme.dispatcher).post(
        "/api/v1/policies", {**body, "towns": ["火星镇"]}, content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_town"
    r = programme.client(programme.dispatcher).post("/api/v1/policies", body, content_type="application/json")
    assert r.status_code == 201 and r.json()["eligibility"] == "行业：制造业；镇街：白泉镇；须为专精特新"
    r = programme.client(programme.admin).post("/api/v1/policies/match")
    assert r.json()["policies"] == 3


def test_the_confidential_project_and_milestone_api(programme):
    client = programme.client(programme.commissioner)
    r = client.post(
        f"/api/v1/companies/{programme.huakang.pk}/projects",
        {"name": "二期", "investment": "5000", "plan": {"开工": "2023-06-01", "投产": "2024-06-01"}},
        content_type="application/json",
    )
    assert r.status_code == 201
    pid = r.json()["id"]
    r = client.post(
        f"/api/v1/companies/{programme.huakang.pk}/projects/{pid}/milestones",
        {"stage": "开工", "actual_on": "2023-05-25"},
        content_type="application/json",
    )
    start = next(m for m in r.json()["milestones"] if m["stage"] == "start")
    assert start["days_ahead"] == 7
    r = programme.client(programme.commissioner2).post(
        f"/api/v1/companies/{programme.huakang.pk}/projects/{pid}/milestones",
        {"stage": "开工", "actual_on": "2023-05-25"},
        content_type="application/json",
    )
    assert r.status_code == 404


def test_the_company_list_exports_with_its_filters(programme, django_assert_max_num_queries):
    client = programme.client(programme.admin)
    with django_assert_max_num_queries(8):
        r = client.get("/companies/", {"town": "白泉镇", "format": "xlsx"})
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    names = [row[0] for row in wb.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert names == [programme.huakang.name]
    assert ("所属镇街", "白泉镇") in [tuple(x) for x in wb["说明"].iter_rows(values_only=True)]
    r = programme.client(programme.commissioner2).get("/exports/matches.xlsx")
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    names = {row[0] for row in wb.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert names == {programme.changhong.name}  # what a commissioner exports is what he may see
    assert programme.client(programme.admin).get("/exports/nothing.xlsx").status_code == 404


def test_the_programme_page_and_api(programme):
    body = programme.client(programme.leader).get("/programme/").content.decode()
    assert "第三批" in body and "专员丙" in body and "已签" in body
    r = programme.client(programme.leader).get("/api/v1/enterprise/programme")
    assert r.json()["batches"][0]["commissioners"][0]["companies"]
    assert programme.client(programme.handler).get("/api/v1/enterprise/programme").json()["outcomes"] == []
    assert programme.client(programme.outsider).get("/api/v1/enterprise/programme").status_code == 404


def _serve_many(world, n: int) -> list[Company]:
    """n more companies for 专员丙, each with a yearly output before and after his dispatch."""
    from nuanqi.enterprise.models import Assignment, Commissioner, Indicator
    from nuanqi.lib.uscc import with_check_digit

    c1 = Commissioner.objects.get(user=world.commissioner)
    made = []
    for i in range(n):
        company = Company.objects.create(
            name=f"舟山测试{i:02d}有限公司", uscc=with_check_digit(f"91330902MA2A{i:05d}")
        )
        Assignment.objects.create(commissioner=c1, company=company, started_on=date(2023, 1, 29))
        for year, value in ((2022, 100 + i), (2023, 200 + i)):
            Indicator.objects.create(
                company=company,
                metric="output",
                period_kind="year",
                period_start=date(year, 1, 1),
                period_end=date(year, 12, 31),
                value=value,
            )
        made.append(company)
    return made


def test_the_programme_page_costs_the_same_queries_for_a_province_sized_batch(
    programme, django_assert_max_num_queries
):
    """A commissioner of a province serves dozens of companies: the outcomes are summed in two queries (not
    two a company), the page names the first few companies and links to his whole list."""
    from nuanqi.enterprise.models import Commissioner
    from nuanqi.enterprise.outcomes import compare_company, compare_programme
    from nuanqi.enterprise.pages import PROGRAMME_SHOWN

    many = _serve_many(programme, 30)
    client = programme.client(programme.leader)
    with django_assert_max_num_queries(25):
        r = client.get("/programme/")
    body = r.content.decode()
    c1 = Commissioner.objects.get(user=programme.commissioner)
    assert f"/companies/?commissioner={c1.pk}" in body and "现服务 31 家企业" in body
    assert sum(c.name in body for c in many) == PROGRAMME_SHOWN - 1  # 华康 is named first
    # The programme's sums equal the companies' own comparisons, added up.
    want = sum(
        (c.after - c.before)
        for company in [*many, programme.huakang]
        for c in compare_company(company)
        if c.metric == "output" and c.before is not None and c.after is not None
    )
    got = {o["metric"]: o for o in compare_programme()}["output"]
    assert got["after"] - got["before"] == want and got["companies"] == 30


def test_a_commissioners_company_list_holds_the_companies_he_serves_now(programme):
    from nuanqi.enterprise.models import Commissioner

    many = _serve_many(programme, 3)
    c1 = Commissioner.objects.get(user=programme.commissioner)
    body = programme.client(programme.leader).get(f"/companies/?commissioner={c1.pk}").content.decode()
    assert "专员丙 现服务的企业" in body
    assert all(c.name in body for c in [*many, programme.huakang]) and programme.changhong.name not in body
    # Another commissioner sees only the companies visible to him; a contact is not told whose list it is.
    body = programme.client(programme.commissioner2).get(f"/companies/?commissioner={c1.pk}").content.decode()
    assert not any(c.name in body for c in [*many, programme.huakang])
    body = programme.client(programme.company).get(f"/companies/?commissioner={c1.pk}").content.decode()
    assert "专员丙" not in body
    for junk in ("x", "99999999999999999999999", "-1"):
        assert programme.client(programme.leader).get(f"/companies/?commissioner={junk}").status_code == 200
