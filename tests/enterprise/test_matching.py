"""Policy matching: the indexed matcher agrees with the per-pair definition, and explains each match."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from nuanqi.enterprise.matching import (
    CompanyIndex,
    Criteria,
    Facts,
    evaluate,
    load_facts,
    recompute_all,
)
from nuanqi.enterprise.models import Company, Policy, PolicyMatch
from nuanqi.enterprise.outcomes import record_indicator
from nuanqi.lib import gbt4754

TOWNS = ["白泉镇", "临城街道", "岑港街道", "千岛街道", "马岙街道"]
TAGS = ["高新技术企业", "专精特新", "科技型中小企业"]
SCALES = ["large", "medium", "small", "micro"]
DIVISIONS = ["C13", "C26", "C27", "C37", "C38", "E47", "G55", "L72", "I65"]


def random_facts(rng: random.Random, i: int) -> Facts:
    figures = {}
    for metric in ("output", "employees", "tax"):
        if rng.random() < 0.8:
            figures[metric] = float(rng.choice([0, 10, 50, 200, 2000, 5000, 20000, 60000]))
    return Facts(
        company_id=i,
        industry=rng.choice([*DIVISIONS, "C", ""]),
        scale=rng.choice([*SCALES, ""]),
        above_scale=rng.random() < 0.4,
        town=rng.choice([*TOWNS, ""]),
        tags=frozenset(t for t in TAGS if rng.random() < 0.25),
        figures=figures,
    )


def random_criteria(rng: random.Random, i: int) -> Criteria:
    return Criteria(
        policy_id=i,
        industries=tuple(rng.sample([*DIVISIONS, "C", "E", "G"], rng.choice([0, 0, 1, 2]))),
        scales=tuple(rng.sample(SCALES, rng.choice([0, 0, 1, 2]))),
        above_scale_only=rng.random() < 0.3,
        towns=tuple(rng.sample(TOWNS, rng.choice([0, 0, 0, 1, 2]))),
        tags=tuple(rng.sample(TAGS, rng.choice([0, 0, 0, 1]))),
        thresholds=tuple(
            (m, rng.choice([">=", ">", "<=", "<"]), float(rng.choice([10, 200, 5000])))
            for m in rng.sample(["output", "employees", "tax"], rng.choice([0, 0, 1, 2]))
        ),
    )


def test_the_indexed_matcher_equals_a_naive_per_pair_evaluation_on_a_sample():
    rng = random.Random(4754)
    facts = [random_facts(rng, i) for i in range(1, 2001)]
    index = CompanyIndex(facts)
    matched_pairs = 0
    for p in range(1, 121):
        c = random_criteria(rng, p)
        fast = dict(index.match(c))
        naive = {f.company_id: r for f in facts if (r := evaluate(c, f)) is not None}
        assert fast == naive, c
        matched_pairs += len(naive)
    # The sample exercises both outcomes, not just empty or universal policies.
    assert 1000 < matched_pairs < 120 * 2000 // 2


def test_a_match_says_why_in_words():
    f = Facts(1, industry="C13", scale="medium", above_scale=True, town="白泉镇", figures={"output": 5200})
    c = Criteria(1, industries=("C",), above_scale_only=True, towns=("白泉镇",))
    assert evaluate(c, f) == "符合：规上工业企业、白泉镇"
    c = Criteria(2, industries=("C13",), thresholds=(("output", ">=", 2000.0),))
    assert evaluate(c, f) == "符合：农副食品加工业、产值5200万元≥2000万元"
    assert evaluate(Criteria(3, tags=("专精特新",)), f) is None
    assert evaluate(Criteria(4), f) == "符合：普惠政策，无限制条件"


def test_a_company_without_the_figure_does_not_meet_a_threshold():
    f = Facts(1, industry="C27")
    assert evaluate(Criteria(1, thresholds=(("employees", ">=", 1.0),)), f) is None
    assert CompanyIndex([f]).match(Criteria(1, thresholds=(("employees", ">=", 1.0),))) == []


@pytest.mark.django_db
def test_recompute_all_stores_every_match_from_the_latest_yearly_figures(world):
    Company.objects.filter(pk=world.huakang.pk).update(
        industry="C27", above_scale=True, tags=["高新技术企业"]
    )
    Company.objects.filter(pk=world.changhong.pk).update(industry="C37")
    record_indicator(world.huakang, "employees", "year", date(2021, 1, 1), 10, actor=world.admin)
    record_indicator(world.huakang, "employees", "year", date(2022, 1, 1), 80, actor=world.admin)
    Policy.objects.create(title="稳岗", thresholds=[{"metric": "employees", "op": ">=", "value": 50}])
    Policy.objects.create(title="医药", industries=["C27"], towns=["白泉镇"])
    Policy.objects.create(title="制造业", industries=["C"])
    Policy.objects.create(title="过期", industries=["C"], valid_to=timezone.localdate() - timedelta(days=1))
    summary = recompute_all()
    assert summary["companies"] == 2 and summary["policies"] == 3 and summary["matches"] == 4
    assert set(summary) == {"companies", "policies", "matches", "seconds"}
    reasons = dict(PolicyMatch.objects.filter(company=world.huakang).values_list("policy__title", "reasons"))
    assert reasons == {
        "稳岗": "符合：用工人数80人≥50人",
        "医药": "符合：医药制造业、白泉镇",
        "制造业": "符合：制造业",
    }
    # A recompute replaces, never duplicates.
    assert recompute_all()["matches"] == PolicyMatch.objects.count() == 4


@pytest.mark.django_db
def test_the_stored_facts_agree_with_what_the_naive_check_sees(world):
    Company.objects.filter(pk=world.huakang.pk).update(industry="C27", scale="medium", tags=["专精特新"])
    record_indicator(world.huakang, "output", "year", date(2022, 1, 1), Decimal("1234.5"), actor=world.admin)
    f = {x.company_id: x for x in load_facts()}[world.huakang.pk]
    assert f.town == "白泉镇" and f.tags == frozenset({"专精特新"}) and f.figures == {"output": 1234.5}


def test_every_division_belongs_to_exactly_one_section():
    assert len(gbt4754.SECTIONS) == 20 and len(gbt4754.DIVISIONS) == 97
    for code in gbt4754.DIVISIONS:
        assert gbt4754.lookup(gbt4754.section_of(code) + code).division == code
    assert gbt4754.parse("Ｃ２７").code == "C27"
    assert gbt4754.parse("制造业").code == "C"
    assert gbt4754.parse("27").code == "C27"
    with pytest.raises(gbt4754.IndustryError):
        gbt4754.parse("A27")


@pytest.mark.django_db
def test_a_new_policy_and_a_new_yearly_figure_are_matched_at_once(world):
    from nuanqi.enterprise.records import create_policy

    Company.objects.filter(pk=world.huakang.pk).update(industry="C27")
    policy = create_policy(
        {"title": "稳岗返还", "thresholds": [{"metric": "用工人数", "op": ">=", "value": 50}]},
        actor=world.admin,
    )
    assert not PolicyMatch.objects.exists()
    record_indicator(world.huakang, "employees", "year", date(2022, 1, 1), 60, actor=world.commissioner)
    assert PolicyMatch.objects.get().policy == policy
    other = create_policy({"title": "医药", "industries": ["医药制造业"]}, actor=world.admin)
    assert PolicyMatch.objects.get(policy=other).reasons == "符合：医药制造业"
