"""The suggestion and the duplicate warning as the dispatcher meets them: the API, the new-case form and the
case page, with the one-click merge."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from nuanqi.accounts.models import Unit
from nuanqi.cases.access import SubjectRef
from nuanqi.cases.models import Case, Category
from nuanqi.cases.services import NewCase, create_case, perform
from nuanqi.routing.models import KeywordRule
from nuanqi.routing.pairs_eval import demo_pairs, measure
from nuanqi.routing.retrain import train_now

SUGGEST = "/api/v1/routing/suggest"
DUPLICATES = "/api/v1/cases/duplicates"


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_combined_duplicate_score_beats_character_similarity_alone_on_the_frozen_pairs():
    figures = measure(demo_pairs())
    assert figures["pairs"] == 90 and figures["duplicates"] == figures["near_misses"] == 45
    combined, chars = figures["combined"], figures["char_similarity_alone"]
    assert combined["recall"] >= 0.9 and combined["near_miss_flagged"] <= 0.2
    assert combined["j"] > chars["j"]


def test_the_api_suggests_a_top_three_from_the_model_with_scores_and_reasons(district):
    train_now()
    r = post(
        district.client(district.dispatcher),
        SUGGEST,
        {"title": "厂区频繁停电", "description": "变压器老化，想增容"},
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["basis"] == "model"
    assert len(body["subcategory"]) == 3 and len(body["lead_unit"]) == 3
    assert body["subcategory"][0]["name"] == "用电" and body["subcategory"][0]["category"] == "要素保障"
    assert body["lead_unit"][0]["name"] == "国网舟山供电公司定海分公司"
    assert body["lead_unit"][0]["reasons"]
    scores = [u["score"] for u in body["lead_unit"]]
    assert scores == sorted(scores, reverse=True) and 0 < scores[0] <= 1


def test_below_the_minimum_it_falls_back_to_the_keyword_rules_and_says_so(district, settings):
    train_now()
    settings.NUANQI_ROUTING_MIN_CASES = 10_000
    unit = Unit.objects.get(short_name="区供电公司")
    KeywordRule.objects.create(unit=unit, category=Category.objects.get(name="用电"), words="停电、增容")
    body = post(district.client(district.dispatcher), SUGGEST, {"title": "又停电了"}).json()
    assert body["basis"] == "rules"
    assert body["lead_unit"][0]["id"] == unit.pk and body["lead_unit"][0]["reasons"] == ["停电"]
    assert "不足 10000 件" in body["note"]


def test_outsiders_and_companies_get_404_and_bad_bodies_the_error_shape(district):
    for user in (district.outsider, district.company_user):
        assert post(district.client(user), SUGGEST, {"title": "停电"}).status_code == 404
        assert post(district.client(user), DUPLICATES, {"title": "停电", "company": 1}).status_code == 404
    r = post(district.client(district.dispatcher), SUGGEST, {"title": "x" * 201})
    assert r.status_code == 422 and r.json()["code"] == "too_long"
    r = post(district.client(district.dispatcher), DUPLICATES, {"title": "停电", "lat": 30.0})
    assert r.status_code == 422 and "error" in r.json()


def _open_case(district, company, title, description=""):
    return create_case(
        NewCase(
            title=title,
            description=description,
            subject=SubjectRef("company", company.pk, company.name),
        ),
        actor=district.dispatcher,
    )


@pytest.fixture
def earlier(district):
    train_now()
    company = district.companies["舟山良海粮油有限公司"]
    case = _open_case(
        district, company, "新上设备需要增容", "新购两台800kW空压机，变压器要从1250kVA增容到2000kVA"
    )
    return company, case


def test_the_api_warns_of_a_follow_up_but_not_of_another_matter_of_the_same_company(district, earlier):
    company, case = earlier
    client = district.client(district.dispatcher)
    body = {
        "title": "增容申请还没人联系",
        "description": "之前申请的1250kVA增到2000kVA，一直没人联系",
        "company": company.name,
    }
    items = post(client, DUPLICATES, body).json()["items"]
    assert [i["number"] for i in items] == [case.number] and items[0]["score"] >= 0.5
    other = {"title": "员工食堂油烟被投诉", "description": "要装什么净化器", "company": company.name}
    assert post(client, DUPLICATES, other).json()["items"] == []
    elsewhere = {**body, "company": district.companies["森森集团股份有限公司"].name}
    assert post(client, DUPLICATES, elsewhere).json()["items"] == []


def test_the_api_merges_in_one_click_from_the_warning(district, earlier):
    company, case = earlier
    client = district.client(district.dispatcher)
    request = {"title": "增容申请进度", "description": "之前的增容仍未办", "company": company.name}
    warned = post(client, DUPLICATES, request)  # asked before filing
    original = warned.json()["items"][0]["number"]
    assert original == case.number
    new = post(client, "/api/v1/cases", request).json()
    r = post(
        client,
        f"/api/v1/cases/{new['number']}/actions",
        {"action": "merge", "version": new["version"], "original": original},
    )
    assert r.status_code == 200, r.content
    assert Case.objects.get(number=new["number"]).status == "duplicate"


def test_the_new_case_form_warns_before_saving_and_merges_from_the_warning(district, earlier):
    company, case = earlier
    client = district.client(district.dispatcher)
    form = {
        "title": "增容的事情还没有进展",
        "description": "上次反映的2000kVA增容仍然没人联系",
        "company": company.pk,
        "nature": "help",
        "channel": "company_request",
        "importance": "minor",
        "urgency": "normal",
    }
    before = Case.objects.count()
    page = client.post("/cases/new/", form)
    assert page.status_code == 200 and Case.objects.count() == before  # nothing saved yet
    html = page.content.decode()
    assert "可能重复" in html and f'name="merge_into" value="{case.number}"' in html
    r = client.post("/cases/new/", {**form, "merge_into": case.number})
    assert r.status_code == 302 and r.url.endswith(f"/cases/{case.number}/")
    merged = Case.objects.exclude(pk=case.pk).latest("pk")
    assert merged.status == "duplicate" and Case.objects.count() == before + 1
    r = client.post("/cases/new/", {**form, "confirm_new": "1"})
    assert r.status_code == 302 and Case.objects.count() == before + 2


def test_the_case_page_shows_the_dispatch_top_three_and_merges_a_duplicate_in_one_click(district, earlier):
    company, case = earlier
    client = district.client(district.dispatcher)
    later = _open_case(district, company, "增容催办", "之前申请的变压器增容2000kVA，仍然没有消息")
    later = perform(later, "accept", actor=district.dispatcher, version=later.version)
    html = client.get(f"/cases/{later.number}/").content.decode()
    assert 'id="routing-advice"' in html and "派单给国网舟山供电公司定海分公司" in html
    assert f'name="original" value="{case.number}"' in html
    r = client.post(
        f"/cases/{later.number}/act/", {"action": "merge", "version": later.version, "original": case.number}
    )
    assert r.status_code == 302
    assert Case.objects.get(pk=later.pk).status == "duplicate"
    assert (
        'id="routing-advice"'
        not in district.client(district.commissioner).get(f"/cases/{case.number}/").content.decode()
    )


@override_settings(
    NUANQI_ROUTING_MIN_CASES=200, NUANQI_ROUTING_RETRAIN_EVERY=50, NUANQI_ROUTING_CHECK_SECONDS=0
)
def test_the_worker_retrains_when_enough_new_cases_have_closed(district):
    from nuanqi.routing import retrain, scorer

    retrain._last_check = 0.0
    assert retrain.sweep(None, 100) == 1  # no model yet: trained
    retrain._last_check = 0.0
    assert retrain.sweep(None, 100) == 0  # nothing new
    model = scorer.load(retrain.model_path())
    assert retrain.due(int(model.meta["cases"]) + 50, model)
    assert not retrain.due(int(model.meta["cases"]) + 49, model)
