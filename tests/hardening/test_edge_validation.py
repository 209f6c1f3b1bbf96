"""Numbers and text are checked against their columns at every door — API, pages, imports — and refused with a
Chinese message and a stable code; nothing is stored, and every page that reads the data keeps working."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from nuanqi.cases.errors import Invalid
from nuanqi.enterprise import records
from nuanqi.enterprise.imports import run_import
from nuanqi.enterprise.models import Indicator, Policy, PolicyApplication, Project, WorkLogEntry
from nuanqi.enterprise.outcomes import record_indicator
from nuanqi.lib.numbers import NumberError, TextError, check_decimal, check_text
from tests.enterprise.helpers import fill_template


def post(client: Any, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body) if not isinstance(body, str) else body, "application/json")


@pytest.mark.parametrize(
    ("value", "fits"),
    [
        (0, True),
        ("12345678901234.56", True),  # DECIMAL(16, 2): 14 whole digits
        ("123456789012345", False),
        (1e20, False),
        (1e308, False),
        (float("inf"), False),
        (float("nan"), False),
        ("NaN", False),
        ("-Infinity", False),
        ("1.234", False),  # three decimals in a two-decimal column
        ("1,234.5", True),
        (True, False),
        ("abc", False),
        ("", False),
        ("9" * 200, False),
    ],
)
def test_a_decimal_fits_its_column_or_is_refused_with_a_reason(value: Any, fits: bool) -> None:
    if fits:
        assert check_decimal(value, max_digits=16, decimal_places=2) == Decimal(str(value).replace(",", ""))
    else:
        with pytest.raises(NumberError):
            check_decimal(value, max_digits=16, decimal_places=2)


def test_a_spreadsheet_float_is_rounded_to_the_column_but_typed_decimals_are_not() -> None:
    assert check_decimal(0.1 + 0.2, max_digits=16, decimal_places=2, round_floats=True) == Decimal("0.30")
    with pytest.raises(NumberError, match="最多保留 2 位小数"):
        check_decimal("0.305", max_digits=16, decimal_places=2, round_floats=True)


def test_text_with_nul_or_a_lone_surrogate_or_over_the_column_is_refused() -> None:
    assert check_text("舟山华康", max_length=4) == "舟山华康"
    for bad, code in (("a\x00b", "invalid_text"), ("a\ud800b", "invalid_text"), ("长" * 5, "too_long")):
        with pytest.raises(TextError) as exc:
            check_text(bad, max_length=4)
        assert exc.value.code == code


def test_a_company_contact_posting_an_indicator_of_1e20_is_refused_and_nothing_breaks(world) -> None:
    client = world.client(world.company)
    url = f"/api/v1/companies/{world.huakang.pk}/indicators"
    for value in (1e20, "1e20", 1e308, -5, "NaN", 12.345):
        r = post(
            client,
            url,
            {"metric": "output", "period_kind": "year", "period_start": "2023-01-01", "value": value},
        )
        assert r.status_code == 422, value
        assert r.json()["code"] == "invalid_number"
        assert r.json()["error"].startswith("请求数据不正确")
    raw = '{"metric": "output", "period_kind": "year", "period_start": "2023-01-01", "value": NaN}'
    assert post(client, url, raw).json()["code"] == "invalid_number"
    assert not Indicator.objects.exists()
    ok = {
        "metric": "output",
        "period_kind": "year",
        "period_start": "2023-01-01",
        "value": "12345678901234.5",
    }
    assert post(client, url, ok).status_code == 201
    for page in (url, f"/companies/{world.huakang.pk}/", f"/api/v1/companies/{world.huakang.pk}/policies"):
        assert client.get(page).status_code == 200, page
    assert world.client(world.admin).get("/programme/").status_code == 200


def test_an_investment_of_1e308_and_a_policy_amount_of_1e15_are_refused(world) -> None:
    office = world.client(world.dispatcher)
    r = post(
        office, f"/api/v1/companies/{world.huakang.pk}/projects", {"name": "新厂房", "investment": 1e308}
    )
    assert (r.status_code, r.json()["code"]) == (422, "invalid_number")
    r = post(office, "/api/v1/policies", {"title": "技改补助", "max_amount": 1e15})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_number")
    r = post(
        office,
        "/api/v1/policies",
        {"title": "技改补助", "thresholds": [{"metric": "output", "op": ">=", "value": 1e308}]},
    )
    assert (r.status_code, r.json()["code"]) == (422, "invalid_number")
    assert not Project.objects.exists() and not Policy.objects.exists()
    policy = post(office, "/api/v1/policies", {"title": "技改补助", "max_amount": "500"}).json()
    r = post(
        office,
        f"/api/v1/companies/{world.huakang.pk}/policies/{policy['id']}/application",
        {"status": "granted", "amount": 1e15},
    )
    assert (r.status_code, r.json()["code"]) == (422, "invalid_number")
    assert not PolicyApplication.objects.exists()


def test_the_openapi_schema_states_the_range_and_the_length(world) -> None:
    schema = world.client(world.admin).get("/api/v1/openapi.json").json()["components"]["schemas"]
    value = schema["IndicatorIn"]["properties"]["value"]
    assert value["type"] == "number" and value["minimum"] == 0 and value["maximum"] < 1e15
    assert schema["ProjectIn"]["properties"]["name"]["maxLength"] == 200


def test_writers_refuse_what_the_column_cannot_hold_whoever_calls_them(world) -> None:
    with pytest.raises(Invalid) as exc:
        record_indicator(
            world.huakang, "output", "year", date(2023, 1, 1), Decimal("1e20"), actor=world.admin
        )
    assert exc.value.code == "invalid_number" and "数值" in exc.value.message
    with pytest.raises(Invalid):
        records.create_project(world.huakang, name="厂房", investment="abc", actor=world.admin)
    assert not Indicator.objects.exists() and not Project.objects.exists()


def test_the_indicator_form_refuses_1e20_with_a_message(world) -> None:
    client = world.client(world.company)
    r = client.post(
        f"/companies/{world.huakang.pk}/indicators/",
        {"metric": "output", "period_kind": "year", "period_start": "2023-01-01", "value": "1e20"},
        follow=True,
    )
    assert r.status_code == 200
    assert "数值过大" in r.content.decode()
    assert not Indicator.objects.exists()


def test_an_import_with_an_indicator_of_1e20_reports_the_cell_and_imports_nothing(
    world, tmp_path: Path
) -> None:
    path = fill_template(
        "indicators",
        tmp_path / "ind.xlsx",
        [
            [world.huakang.name, "产值", "年度", "2022", 1e20],
            [world.huakang.name, "营收", "年度", "2022", "12.345"],
            [world.huakang.name, "税收", "年度", "2022", 100],
        ],
    )
    report = run_import("indicators", path, actor=world.admin)
    assert [(e.row, e.column) for e in report.errors] == [(2, "数值"), (3, "数值")]
    assert "数值过大" in report.errors[0].reason
    assert not Indicator.objects.exists()


def test_an_import_reports_over_long_text_by_row_and_column(world, tmp_path: Path) -> None:
    path = fill_template(
        "policies", tmp_path / "pol.xlsx", [["政" * 201, "区"], ["技改补助", "区", "局" * 101]]
    )
    report = run_import("policies", path, actor=world.admin)
    assert [(e.row, e.column) for e in report.errors] == [(2, "政策名称"), (3, "发文单位")]
    assert "不能超过 200 个字" in report.errors[0].reason
    assert not Policy.objects.exists()


def test_text_longer_than_its_column_is_refused_in_the_api(world) -> None:
    office = world.client(world.dispatcher)
    r = post(office, f"/api/v1/companies/{world.huakang.pk}/projects", {"name": "厂" * 201})
    assert (r.status_code, r.json()["code"]) == (422, "too_long")
    r = post(
        world.client(world.commissioner),
        "/api/v1/worklog",
        {"date": "2023-03-01", "note": "走访", "place": "地" * 101},
    )
    assert (r.status_code, r.json()["code"]) == (422, "too_long")
    assert not WorkLogEntry.objects.exists()


def test_a_description_of_40000_characters_is_refused_by_the_column_guard(world) -> None:
    client = world.client(world.dispatcher)
    r = post(
        client, "/api/v1/cases", {"title": "缺电", "company": world.huakang.pk, "description": "电" * 40_000}
    )
    assert (r.status_code, r.json()["code"]) == (422, "too_long")
    assert "不能超过 10000 个字" in r.json()["error"]


@pytest.mark.parametrize(
    "body",
    [
        '{"date": "2023-03-01", "note": "a\\u0000b"}',
        '{"date": "2023-03-01", "note": "a\\ud800b"}',
        '{"date": "2023-03-01", "note": "ok", "place": "\\udfff"}',
        '{"date": "2023-03-01", "note": "ok", "x\\u0000": 1}',
    ],
)
def test_nul_bytes_and_lone_surrogates_in_json_are_refused(world, body: str) -> None:
    r = post(world.client(world.commissioner), "/api/v1/worklog", body)
    assert (r.status_code, r.json()["code"]) == (422, "invalid_text")
    assert not WorkLogEntry.objects.exists()


def test_nul_bytes_in_a_query_a_path_or_a_form_are_refused(world) -> None:
    client = world.client(world.dispatcher)
    r = client.get("/api/v1/companies?q=%00")
    assert (r.status_code, r.json()["code"]) == (422, "invalid_text")
    r = client.get("/api/v1/cases/QY2023-%00")
    assert (r.status_code, r.json()["code"]) == (422, "invalid_text")
    assert client.get("/cases/?q=%00").status_code == 400
    assert client.get("/companies/?name=a%00").status_code == 400
    r = client.post(f"/companies/{world.huakang.pk}/confidential/", {"text": "a\x00b"})
    assert r.status_code == 400


def test_an_id_beyond_the_database_integers_is_a_client_error(world) -> None:
    client = world.client(world.dispatcher)
    # A path id states its range (1…2⁶³−1) in the schema: beyond it is a field's value out of range.
    r = client.get("/api/v1/companies/99999999999999999999999")
    assert (r.status_code, r.json()["code"]) == (422, "invalid_number")
    # SQLite cannot bind the id (OverflowError → 422); PostgreSQL finds no such row (404). Never a 500.
    r = post(
        client, "/api/v1/inspections/joint", {"inspections": [99999999999999999999999], "on": "2023-05-01"}
    )
    assert (r.status_code, r.json()["code"]) in ((422, "invalid_number"), (404, "not_found"))


def test_api_names_are_stored_in_nfc_keeping_full_width_brackets(world) -> None:
    import unicodedata

    from nuanqi.enterprise.models import Company
    from nuanqi.lib.uscc import with_check_digit

    name = unicodedata.normalize("NFD", "舟山Café（集团）有限公司")
    body = {"name": name, "uscc": with_check_digit("91330902MA0000777"), "industry": "C27", "scale": "小型"}
    r = post(world.client(world.dispatcher), "/api/v1/companies", body)
    assert r.status_code == 201, r.content
    assert Company.objects.get(pk=r.json()["id"]).name == "舟山Café（集团）有限公司"


def test_a_phone_no_mainland_number_can_be_is_refused_by_the_api_with_its_code(world) -> None:
    import json as _json

    client = world.client(world.company)
    body = {"title": "缺少用电指标", "company": "舟山华康生物科技有限公司", "requester_phone": "12-34"}
    r = client.post("/api/v1/cases", _json.dumps(body), "application/json")
    assert r.status_code == 422 and r.json()["code"] == "invalid_phone"
    body["requester_phone"] = "0580-2281234"
    assert client.post("/api/v1/cases", _json.dumps(body), "application/json").status_code == 201
