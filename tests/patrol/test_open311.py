"""Open311 GeoReport v2 at /open311/v2/: services are the checklist topics, a POSTed report (form-encoded,
with a client's api_key) is a patrol problem at 发现 with its case number at once, GET answers show only
the public fields of problems that are not confidential, and errors are the spec's arrays."""

from __future__ import annotations

import io
import socket
from datetime import timedelta

import jsonschema
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from nuanqi.attachments.models import Attachment
from nuanqi.cases import services
from nuanqi.cases.models import Case
from nuanqi.patrol.models import Open311Key, Open311Report
from nuanqi.patrol.open311.service import hash_key, issue_key
from nuanqi.patrol.services import ItemAnswer, submit_patrol

from . import open311_schemas as S

V2 = "/open311/v2"


@pytest.fixture
def key(patrols) -> str:
    return issue_key("区数字城管平台")[1]


def post(data, fmt="json"):
    return Client().post(f"{V2}/requests.{fmt}", data)


def report(key, **more):
    return {"api_key": key, "service_code": "garbage", "description": "市场东门垃圾堆放两天了", **more}


def test_the_services_are_the_checklist_topics_with_the_items_as_attribute_values(patrols):
    r = Client().get(f"{V2}/services.json")
    assert r.status_code == 200 and r["Content-Type"] == "application/json; charset=utf-8"
    jsonschema.validate(r.json(), S.SERVICES)
    by_code = {s["service_code"]: s for s in r.json()}
    assert by_code["garbage"]["service_name"] == "垃圾堆放" and by_code["garbage"]["metadata"] is True
    assert by_code["zombie_car"]["metadata"] is False  # no checklist item of that topic yet
    d = Client().get(f"{V2}/services/greenery.json").json()
    jsonschema.validate(d, S.DEFINITION)
    assert d["attributes"][0]["values"] == [{"key": str(patrols.verge.pk), "name": "居民小区：绿化带无裸露"}]
    x = Client().get(f"{V2}/services/greenery.xml")
    assert x["Content-Type"] == "text/xml; charset=utf-8"
    assert S.from_xml(x.content, "service_definition") == d


def test_a_report_by_lat_long_is_filed_at_found_and_answers_its_case_number_at_once(patrols, key):
    r = post(report(key, lat="30.0031", long="122.1122", media_url="https://img.example.org/a.jpg"))
    assert r.status_code == 201, r.content
    jsonschema.validate(r.json(), S.POSTED)
    case = Case.objects.get(number=r.json()[0]["service_request_id"])
    assert (case.kind, case.status, str(case.category)) == ("patrol", "patrol_found", "垃圾堆放")
    stored = Open311Report.objects.get(case=case)
    assert (str(stored.latitude), str(stored.longitude)) == ("30.003100", "122.112200")
    assert stored.media_url == "https://img.example.org/a.jpg" and stored.client.name == "区数字城管平台"
    assert Open311Key.objects.get().last_used_at is not None


def test_a_report_by_address_id_names_the_point_and_its_responsible_unit(patrols, key, world):
    r = post(report(key, address_id=str(patrols.weihai.pk), **{"attribute[check_item]": patrols.litter.pk}))
    assert r.status_code == 201, r.content
    case = Case.objects.get(number=r.json()[0]["service_request_id"])
    assert (case.subject_label, case.lead_unit) == ("卫海社区", world.zhujian)
    assert "检查项：无垃圾堆放" in case.description
    # The point leader now sees it as his point's problem; another point leader does not.
    from nuanqi.cases.visibility import visible_cases

    assert visible_cases(patrols.leader).filter(pk=case.pk).exists()
    assert not visible_cases(patrols.leader2).filter(pk=case.pk).exists()


def test_a_report_by_address_string_answers_in_xml(patrols, key):
    r = post(report(key, address_string="双桥街道万泰·三农汇市场东门"), fmt="xml")
    assert r.status_code == 201 and r["Content-Type"] == "text/xml; charset=utf-8"
    body = S.from_xml(r.content, "service_requests")
    jsonschema.validate(body, S.POSTED)
    assert (
        Case.objects.get(number=body[0]["service_request_id"]).title
        == "垃圾堆放：双桥街道万泰·三农汇市场东门"
    )


def test_the_media_url_is_stored_and_never_fetched(patrols, key):
    # A listener the server would connect to if it fetched the link: nothing ever knocks.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        url = f"http://127.0.0.1:{port}/photo.jpg"
        r = post(report(key, address_string="东门", media_url=url))
        assert r.status_code == 201
        with pytest.raises(TimeoutError):
            listener.accept()
    number = r.json()[0]["service_request_id"]
    shown = Client().get(f"{V2}/requests/{number}.json").json()[0]
    assert shown["media_url"] == url  # the client's own link, as given (we hold no photo of it)


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        ({"api_key": ""}, 403, "api_key 缺失"),
        ({"api_key": "o311_not-a-key"}, 403, "api_key 无效"),
        ({"service_code": "noise"}, 404, "没有编码为“noise”的服务"),
        ({"address_string": ""}, 400, "缺少位置"),
        ({"lat": "30.1"}, 400, "lat 与 long 须同时提供"),
        ({"lat": "91", "long": "122"}, 400, "lat 超出范围"),
        ({"lat": "北纬", "long": "122"}, 400, "lat 应为数字"),
        ({"address_id": "999999"}, 400, "不是本平台的点位"),
        ({"description": "脏" * 4001}, 400, "description 不能超过 4000"),
        ({"media_url": "file:///etc/passwd"}, 400, "media_url 应为 http(s) 网址"),
        ({"attribute[colour]": "red"}, 400, "没有属性“colour”"),
        ({"attribute[check_item]": "999999"}, 400, "不在服务定义中"),
        ({"email": "not-an-email"}, 400, "email 格式不正确"),
    ],
)
def test_bad_reports_get_the_specs_error_array_and_change_nothing(patrols, key, data, status, words):
    body = report(key, address_string="东门") | data
    for fmt in ("json", "xml"):
        r = post(body, fmt)
        assert r.status_code == status, r.content
        errors = r.json() if fmt == "json" else S.from_xml(r.content, "errors")
        jsonschema.validate(errors, S.ERRORS)
        assert errors[0]["code"] == status and words in errors[0]["description"]
    assert not Case.objects.exists() and not Open311Report.objects.exists()


def test_a_revoked_key_is_refused(patrols):
    client, raw = issue_key("旧客户端")
    client.revoked_at = timezone.now()
    client.save()
    assert post(report(raw, address_string="东门")).status_code == 403


def test_only_a_hash_of_each_key_is_stored(patrols):
    client, raw = issue_key("另一客户端")
    assert client.key_hash == hash_key(raw) != raw and raw not in str(Open311Key.objects.values())


def test_a_nul_byte_gets_the_specs_error_array_too(patrols, key):
    r = post(report(key, address_string="东\x00门"))
    assert r.status_code == 400 and r.json()[0]["code"] == 400


def camera_photo() -> SimpleUploadedFile:
    """A phone's photo, with the camera's EXIF tags (maker, model)."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Huawei", "Mate 60"
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(buf, "JPEG", exif=exif)
    return SimpleUploadedFile("现场.jpg", buf.getvalue(), content_type="image/jpeg")


def _patrol_problem(patrols, world, note="网络通信箱箱门缺失"):
    answers = [
        ItemAnswer(patrols.door.pk, "fail", note, camera_photo()),
        ItemAnswer(patrols.verge.pk, "pass"),
        ItemAnswer(patrols.litter.pk, "pass"),
    ]
    patrol, _ = submit_patrol(patrols.leader, patrols.weihai.pk, answers, key=note)
    return patrol.results.get(outcome="fail").case


def test_get_requests_shows_the_public_fields_and_never_internal_ones(patrols, world):
    case = _patrol_problem(patrols, world)
    case = services.perform(case, "file", actor=world.dispatcher, version=case.version)
    case = services.perform(
        case,
        "dispatch",
        actor=world.dispatcher,
        version=case.version,
        lead_unit=world.zhujian.pk,
        reason="内部备注：请住建局周三前处理",
    )
    r = Client().get(f"{V2}/requests.json")
    jsonschema.validate(r.json(), S.REQUESTS)
    (row,) = r.json()
    assert row["service_request_id"] == case.number and row["status"] == "open"
    assert row["status_notes"] == "整改中" and row["service_code"] == "facilities"
    assert row["agency_responsible"] == "区住建局" and row["address_id"] == str(patrols.weihai.pk)
    assert (row["lat"], row["long"]) == (30.0031, 122.1122)
    assert row["requested_datetime"].endswith("+08:00")
    # expected_datetime is the 整改 clock's deadline, there since 派遣.
    due = case.clocks.get(name="fix", stopped_at__isnull=True).due_at
    assert row["expected_datetime"] == timezone.localtime(due).isoformat(timespec="seconds")
    text = r.content.decode()
    for internal in ("内部备注", world.dispatcher.display_name, patrols.leader.display_name, "点位长"):
        assert internal not in text
    # The photo is our own thumbnail, re-encoded without EXIF.
    assert row["media_url"].startswith("http://testserver/open311/v2/media/")
    thumb = Client().get(row["media_url"].removeprefix("http://testserver"))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert not Image.open(io.BytesIO(b"".join(thumb.streaming_content))).getexif()  # the camera's tags gone
    # The XML answer says the same (its empty elements are the JSON's empty strings).
    x = Client().get(f"{V2}/requests.xml")
    assert S.from_xml(x.content, "service_requests") == [{k: v for k, v in row.items() if v != ""}]


def test_get_requests_filters_by_code_status_dates_and_ids(patrols, world, key):
    first = Case.objects.get(number=post(report(key, address_string="东门")).json()[0]["service_request_id"])
    second = _patrol_problem(patrols, world)
    services.perform(second, "reject", actor=world.dispatcher, version=second.version, reason="重复")

    def numbers(query):
        r = Client().get(f"{V2}/requests.json", query)
        assert r.status_code == 200, r.content
        return [row["service_request_id"] for row in r.json()]

    assert numbers({}) == [second.number, first.number]  # newest first
    assert numbers({"service_code": "garbage"}) == [first.number]
    assert numbers({"service_code": "garbage,facilities"}) == [second.number, first.number]
    assert numbers({"status": "closed"}) == [second.number]
    assert numbers({"status": "open"}) == [first.number]
    assert numbers({"service_request_id": f"{first.number},XC-none"}) == [first.number]
    now = timezone.localtime()
    later = {
        "start_date": (now + timedelta(hours=1)).isoformat(),
        "end_date": (now + timedelta(days=1)).isoformat(),
    }
    assert numbers(later) == []
    assert numbers({"start_date": (now - timedelta(days=1)).isoformat()}) == [second.number, first.number]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-05-01T00:00:00+08:00"}, "90 天"),
        ({"start_date": "2026-05-01T00:00:00+08:00", "end_date": "2026-01-01T00:00:00+08:00"}, "晚于"),
        ({"start_date": "上周一"}, "W3C 日期时间"),
        ({"status": "pending"}, "open 或 closed"),
        ({"service_code": "noise"}, "没有编码"),
    ],
)
def test_bad_queries_get_the_specs_error_array(patrols, query, words):
    r = Client().get(f"{V2}/requests.json", query)
    assert r.status_code in (400, 404) and words in r.json()[0]["description"]


def test_a_confidential_problem_and_its_photo_are_404_to_the_public(patrols, world):
    case = _patrol_problem(patrols, world)
    Case.objects.filter(pk=case.pk).update(confidential=True)
    photo_id = Attachment.objects.get(owner_type=ContentType.objects.get_for_model(Case), owner_id=case.pk).pk
    assert Client().get(f"{V2}/requests.json").json() == []
    r = Client().get(f"{V2}/requests/{case.number}.json")
    assert r.status_code == 404 and r.json()[0]["code"] == 404
    assert Client().get(f"{V2}/requests/{case.number}.xml").status_code == 404
    assert Client().get(f"{V2}/media/{photo_id}.jpg").status_code == 404
    # Not a photo of a case at all (a public message's file, a company's document): 404 as well.
    assert Client().get(f"{V2}/media/999999.jpg").status_code == 404


def test_unknown_requests_and_services_are_404_in_the_specs_shape(patrols):
    assert Client().get(f"{V2}/requests/XC2026-999999.json").json()[0]["code"] == 404
    r = Client().get(f"{V2}/services/noise.xml")
    assert r.status_code == 404 and S.from_xml(r.content, "errors")[0]["code"] == 404


@pytest.mark.parametrize("path", ["services.csv", "requests.html", "nothing.json", "requests/X-1/x.json"])
def test_an_unknown_resource_or_format_is_404_in_the_specs_shape_not_an_html_page(patrols, path):
    r = Client().get(f"{V2}/{path}")
    assert r.status_code == 404 and r["Content-Type"].startswith("application/json")
    assert r.json()[0]["code"] == 404 and ".json" in r.json()[0]["description"]
    r = Client().get(f"{V2}/unknown.xml")
    assert r.status_code == 404 and S.from_xml(r.content, "errors")[0]["code"] == 404


def test_discovery_names_the_endpoint_and_its_formats(patrols):
    d = Client().get(f"{V2}/discovery.json").json()
    jsonschema.validate(d, S.DISCOVERY)
    assert d["endpoints"][0]["url"] == "http://testserver/open311/v2"
    assert S.from_xml(Client().get(f"{V2}/discovery.xml").content, "discovery") == d


def test_service_request_updates_list_status_changes_for_a_keyed_client(patrols, world, key):
    case = _patrol_problem(patrols, world)
    services.perform(case, "reject", actor=world.dispatcher, version=case.version, reason="内部：重复上报")
    assert Client().get(f"{V2}/servicerequestupdates.xml").status_code == 403
    r = Client().get(f"{V2}/servicerequestupdates.xml", {"api_key": key})
    assert r.status_code == 200
    updates = S.from_xml(r.content, "service_request_updates")
    jsonschema.validate(updates, S.UPDATES)
    assert [(u["service_request_id"], u["status"]) for u in updates][-1] == (
        case.number,
        "NOT_COUNCILS_RESPONSIBILITY",
    )
    assert "内部" not in r.content.decode()


def test_the_cli_prints_a_new_key_as_its_last_line_and_revokes_it(patrols, capsys):
    from nuanqi.cli import main

    main(["open311", "key", "create", "市民热线"])
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    assert post(report(raw, address_string="东门")).status_code == 201
    main(["open311", "key", "list"])
    assert "市民热线" in capsys.readouterr().out
    main(["open311", "key", "revoke", "市民热线"])
    assert post(report(raw, address_string="东门")).status_code == 403


def test_the_admin_lists_keys_and_revokes_one(patrols, world, key):
    c = world.client(world.admin)
    page = c.get("/admin/patrol/open311key/")
    assert page.status_code == 200 and "区数字城管平台" in page.content.decode()
    assert hash_key(key) not in page.content.decode()
    client = Open311Key.objects.get()
    c.post("/admin/patrol/open311key/", {"action": "revoke", "_selected_action": [client.pk]})
    assert Open311Key.objects.get().revoked_at is not None
    assert post(report(key, address_string="东门")).status_code == 403
