"""The rules of online tips: only inside the round's dates (outside them the answer names 12388), named
tips need a name and a phone, receipts of 16 digits resist guessing, and the web form files like the API."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client

from nuanqi.accounts.models import Unit, UnitKind
from nuanqi.cases.models import Case
from nuanqi.tips.models import InspectionGroup, Round, Tip

pytestmark = pytest.mark.django_db


def _post(c: Client, url: str, body: dict) -> object:  # type: ignore[type-arg]
    return c.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def seed_round(inspection) -> Round:  # type: ignore[no-untyped-def]
    """The seed's round: 十四届区委第四轮第二批, 2023-03-27 to 2023-05-10, 区发改局 among its units."""
    r = Round.objects.create(
        term="十四届区委",
        round_no=4,
        batch_no=2,
        window_start=date(2023, 3, 27),
        window_end=date(2023, 5, 10),
    )
    g = InspectionGroup.objects.create(
        round=r, number=1, phone="18058081373", postal_address="定海区昌国路61号", postcode="316000"
    )
    g.target_units.add(
        Unit.objects.create(name="定海区发展和改革局", short_name="区发改局", kind=UnitKind.DEPARTMENT)
    )
    return r


def test_an_online_tip_to_the_seeds_2023_round_is_refused_with_the_standing_channel(seed_round):
    body = {"target_unit": "区发改局", "disciplines": ["work"], "content": "反映问题", "anonymous": True}
    r = _post(Client(), "/api/v1/public/tips", body)
    assert r.status_code == 422
    assert r.json()["code"] == "outside_window" and "12388" in r.json()["error"]
    assert "2023-05-10" in r.json()["error"]
    r = _post(Client(), "/api/v1/public/tips", body | {"round": str(seed_round.pk)})
    assert r.json()["code"] == "outside_window"
    assert not Case.objects.exists() and not Tip.objects.exists()


def test_the_web_form_refuses_it_too_and_names_12388_beside_the_field(seed_round):
    page = Client().post(
        "/public/tips/",
        {
            "target_unit": str(Unit.objects.get(short_name="区发改局").pk),
            "disciplines": ["work"],
            "content": "反映问题",
            "anonymous": "true",
        },
    )
    assert page.status_code == 422
    html = page.content.decode()
    assert "12388" in html and 'href="#f-target_unit"' in html


def test_a_named_tip_needs_a_name_and_a_phone_and_nothing_is_kept_when_refused(inspection):
    body = {"target_unit": "区住建局", "disciplines": ["work"], "content": "反映问题", "anonymous": False}
    r = _post(Client(), "/api/v1/public/tips", body)
    assert r.status_code == 422 and r.json()["code"] == "missing_field"
    r = _post(Client(), "/api/v1/public/tips", body | {"name": "钱某", "phone": "1390580000"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_phone"
    r = _post(
        Client(),
        "/api/v1/public/tips",
        body | {"disciplines": ["bribery"], "name": "钱某", "phone": "13905800003"},
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_choice"
    r = _post(
        Client(),
        "/api/v1/public/tips",
        {"target_unit": "区住建局", "disciplines": [], "content": "x", "anonymous": True},
    )
    assert r.status_code == 422 and r.json()["code"] == "missing_field"
    assert not Case.objects.exists() and not Tip.objects.exists()


def test_a_unit_no_round_inspects_is_refused_by_name(inspection):
    r = _post(
        Client(),
        "/api/v1/public/tips",
        {"target_unit": "白泉镇", "disciplines": ["work"], "content": "反映问题", "anonymous": True},
    )
    assert r.status_code == 422 and r.json()["code"] == "not_inspected"


def test_thirty_wrong_receipts_in_a_minute_are_refused_and_a_right_one_works_from_another_client(inspection):
    body = {"target_unit": "区住建局", "disciplines": ["work"], "content": "反映问题", "anonymous": True}
    receipt = _post(Client(REMOTE_ADDR="10.0.0.9"), "/api/v1/public/tips", body).json()["receipt"]
    guesser = Client(REMOTE_ADDR="10.0.0.66")
    answers = [
        _post(guesser, "/api/v1/public/tips/status", {"receipt": f"{n:016d}"}).status_code for n in range(30)
    ]
    assert answers.count(404) <= 20 and answers.count(429) >= 10
    assert answers[-1] == 429
    # Even the right receipt waits on the guesser's address …
    assert _post(guesser, "/api/v1/public/tips/status", {"receipt": receipt}).status_code == 429
    # … and works from another.
    r = _post(Client(REMOTE_ADDR="10.0.0.10"), "/api/v1/public/tips/status", {"receipt": receipt})
    assert r.status_code == 200 and r.json()["status_label"] == "待受理"


def test_the_web_form_files_a_tip_and_shows_the_receipt_once(inspection):
    page = Client().get("/public/tips/")
    html = page.content.decode()
    assert page.status_code == 200 and "区住建局" in html and "廉洁纪律" in html
    r = Client().post(
        "/public/tips/",
        {
            "target_unit": str(inspection.target.pk),
            "disciplines": ["integrity", "life"],
            "content": "反映问题",
            "anonymous": "true",
        },
    )
    assert r.status_code == 200, r.content.decode()[:3000]
    assert "回执码" in r.content.decode() and r["Cache-Control"] == "no-store"
    tip = Tip.objects.get()
    assert tip.disciplines == ["integrity", "life"] and not tip.named
