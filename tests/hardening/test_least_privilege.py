"""Lists and pages of the administration say nothing to outsiders, and the office triages what they file."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook

from nuanqi.cases.models import Case
from nuanqi.enterprise.models import Indicator
from nuanqi.enterprise.outcomes import record_indicator

INTERNAL_PAGES = [
    "/programme/",
    "/inspections/",
    "/dashboard/kpis/",
    "/worklog/",
    "/exports/commissioners.xlsx",
    "/exports/inspections.xlsx",
    "/api/v1/enterprise/programme",
]


@pytest.mark.parametrize("url", INTERNAL_PAGES)
def test_a_company_contact_and_a_person_without_a_role_get_404_on_internal_pages(world, url: str) -> None:
    for person in (world.company, world.outsider):
        assert world.client(person).get(url).status_code == 404, (person, url)
    assert world.client(world.commissioner).get(url).status_code == 200


def test_a_company_contact_cannot_merge_inspections(world) -> None:
    r = world.client(world.company).post("/inspections/merge/", {"inspection": ["1"], "on": "2023-05-01"})
    assert r.status_code == 404


def _served(content: bytes) -> dict[object, object]:
    """{commissioner: served companies} of the commissioner ledger (服务企业 is the ninth column)."""
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    return {r[0]: r[8] or "" for r in rows}


def test_the_commissioner_ledger_lists_only_served_companies_the_reader_may_see(world) -> None:
    own = _served(world.client(world.commissioner).get("/exports/commissioners.xlsx").getvalue())
    assert own == {"专员丙": world.huakang.name, "专员丁": ""}
    office = _served(world.client(world.dispatcher).get("/exports/commissioners.xlsx").getvalue())
    assert office == {"专员丙": world.huakang.name, "专员丁": world.changhong.name}


def test_the_commissioner_ledger_follows_its_company_filter(world) -> None:
    url = f"/exports/commissioners.xlsx?town={world.town.name}"
    assert _served(world.client(world.dispatcher).get(url).getvalue()) == {
        "专员丙": world.huakang.name,
        "专员丁": "",
    }


def test_the_programme_page_shows_a_commissioner_only_his_companies_and_no_programme_outcomes(world) -> None:
    record_indicator(world.changhong, "output", "year", date(2022, 1, 1), 100, actor=world.admin)
    record_indicator(world.changhong, "output", "year", date(2023, 1, 1), 230, actor=world.admin)
    assert Indicator.objects.count() == 2
    page = world.client(world.commissioner).get("/programme/").content.decode()
    assert world.huakang.name in page and world.changhong.name not in page
    assert "programme-outcomes" not in page
    office = world.client(world.leader).get("/programme/").content.decode()
    assert world.changhong.name in office and "programme-outcomes" in office
    api = world.client(world.commissioner).get("/api/v1/enterprise/programme").json()
    companies = {a["company"] for b in api["batches"] for c in b["commissioners"] for a in c["companies"]}
    assert companies == {world.huakang.name} and api["outcomes"] == []


def _file(client, **extra) -> object:  # type: ignore[no-untyped-def]
    body = {"title": "缺少用电指标", "company": "舟山华康生物科技有限公司", **extra}
    return client.post("/api/v1/cases", json.dumps(body), "application/json")


@pytest.mark.parametrize("triage", [{"channel": "领导交办"}, {"channel": "phone"}, {"lead_unit": "区住建局"}])
def test_a_company_contact_may_not_set_channel_or_lead_unit(world, triage: dict[str, str]) -> None:
    r = _file(world.client(world.company), **triage)
    assert (r.status_code, r.json()["code"]) == (403, "triage_not_allowed")
    assert not Case.objects.exists()


def test_a_company_contact_files_a_request_the_office_triages(world) -> None:
    r = _file(world.client(world.company))
    assert r.status_code == 201
    case = Case.objects.get()
    assert (case.channel, case.priority, case.lead_unit) == ("company_request", 4, None)
    r = _file(world.client(world.dispatcher), urgency="urgent", importance="major", lead_unit="区住建局")
    assert r.status_code == 201 and r.json()["priority"] == "P1"


def test_the_filing_form_offers_a_company_contact_no_triage_fields(world) -> None:
    client = world.client(world.company)
    page = client.get("/cases/new/").content.decode()
    assert 'name="title"' in page
    for name in ("channel", "lead_unit"):
        assert f'name="{name}"' not in page
    form = {"company": world.huakang.pk, "title": "缺少用电指标", "nature": "help", "importance": "minor"}
    r = client.post(
        "/cases/new/", {**form, "urgency": "normal", "lead_unit": world.zhujian.pk, "channel": "leader"}
    )
    assert r.status_code == 302
    case = Case.objects.get()
    assert (case.channel, case.priority, case.lead_unit) == ("company_request", 4, None)


def test_a_company_contact_does_not_see_its_planned_inspections_or_the_advisories(world) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from nuanqi.enterprise.inspections import plan_inspection

    soon = timezone.localdate() + timedelta(days=5)
    plan_inspection(world.huakang, world.zhujian, soon, "消防安全检查", actor=world.handler)
    plan_inspection(
        world.huakang, world.jingxin, soon + timedelta(days=2), "安全生产检查", actor=world.handler2
    )
    url = f"/api/v1/companies/{world.huakang.pk}/inspections"
    office = world.client(world.commissioner).get(url).json()
    assert len(office["items"]) == 2 and office["joint_proposals"]
    own = world.client(world.company).get(url).json()
    assert own["items"] == [] and own["joint_proposals"] == []
    page = world.client(world.company).get(f"/companies/{world.huakang.pk}/").content.decode()
    assert "消防安全检查" not in page and "建议综合查一次" not in page
    assert (
        "消防安全检查"
        in world.client(world.commissioner).get(f"/companies/{world.huakang.pk}/").content.decode()
    )


def test_the_navigation_offers_a_company_contact_no_internal_pages(world) -> None:
    page = world.client(world.company).get("/").content.decode()
    for url in ("/programme/", "/inspections/", "/worklog/"):
        assert f'href="{url}"' not in page
    assert 'href="/programme/"' in world.client(world.commissioner).get("/").content.decode()
