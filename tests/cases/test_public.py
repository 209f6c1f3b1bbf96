"""Public intake for a kind a module opens to the public: filed without an account, followed with a receipt
that only travels in POST bodies, limited per client, showing nothing internal."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.test import Client

from nuanqi.cases import kinds, public, services
from nuanqi.cases.models import Case, Event, PublicMessage, PublicReceipt

from ..toykinds import PUBLIC_TOY

URL = "/api/v1/public/toy-reports"


@pytest.fixture
def toy_public() -> Iterator[kinds.KindSpec]:
    kinds.register_kind(PUBLIC_TOY)
    yield PUBLIC_TOY
    kinds.unregister_kind(PUBLIC_TOY.code)


def post(client: Client, path: str, body: object, addr: str = "10.8.0.1"):
    return client.post(path, json.dumps(body), content_type="application/json", REMOTE_ADDR=addr)


REPORT = {
    "title": "卫海社区网络通信箱箱门缺失",
    "description": "3 号楼旁，箱门不见了",
    "place": "环南街道卫海社区",
}


def test_the_public_files_a_case_and_follows_it_with_the_receipt(world, toy_public):
    c = Client()
    r = post(c, URL, REPORT)
    assert r.status_code == 201, r.content
    body = r.json()
    assert set(body) == {"receipt", "number", "status", "status_label", "clock_starts_at"}
    assert body["receipt"].isdigit() and len(body["receipt"]) == 16
    assert body["number"].startswith("SP") and body["status"] == "toy_new"

    case = Case.objects.get(number=body["number"])
    stored = PublicReceipt.objects.get(case=case)
    assert body["receipt"] not in stored.digest and len(stored.digest) == 64  # only the Argon2id digest
    assert Event.objects.get(case=case, action="create").actor_name == "公众"

    # Staff work on it; the public sees the status and the answer, not who did it or their notes.
    case = services.perform(case, "toy_take", actor=world.dispatcher, version=case.version)
    public.reply_public(case, "已转环南街道处理，预计三个工作日内修复", actor=world.dispatcher)
    status = post(c, f"{URL}/status", {"receipt": body["receipt"]})
    assert status.status_code == 200
    seen = status.json()
    assert (seen["number"], seen["status_label"], seen["phase"]) == (body["number"], "处置中", "open")
    assert [m["direction"] for m in seen["messages"]] == ["out"]
    assert world.dispatcher.display_name not in status.content.decode()

    spaced = " ".join(body["receipt"][i : i + 4] for i in range(0, 16, 4))
    added = post(c, f"{URL}/messages", {"receipt": spaced, "text": "今天又看了一次，还没修"})
    assert added.status_code == 201
    assert [m["direction"] for m in added.json()["messages"]] == ["out", "in"]
    assert Event.objects.filter(case=case, action="public_message").count() == 1


def test_a_wrong_receipt_gets_the_same_answer_as_an_unknown_one(world, toy_public):
    c = Client()
    real = post(c, URL, REPORT).json()["receipt"]
    wrong = real[:-1] + str((int(real[-1]) + 1) % 10)
    answers = [post(c, f"{URL}/status", {"receipt": r}) for r in (wrong, "0" * 16, "abc", "")]
    assert {a.status_code for a in answers} == {404}
    assert {a.content for a in answers} == {answers[0].content}


def test_the_twentieth_wrong_try_in_a_minute_is_refused_while_another_client_gets_in(world, toy_public):
    c = Client()
    real = post(c, URL, REPORT, addr="10.9.9.9").json()["receipt"]
    codes = [post(c, f"{URL}/status", {"receipt": "1" * 16}, addr="10.8.0.7").status_code for _ in range(20)]
    assert codes[:19] == [404] * 19 and codes[19] == 429
    refused = post(c, f"{URL}/status", {"receipt": real}, addr="10.8.0.7")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert refused.json()["code"] == "throttled"
    assert post(c, f"{URL}/status", {"receipt": real}, addr="10.8.0.8").status_code == 200


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(world, toy_public, settings):
    c = Client()
    for _ in range(19):
        post(c, f"{URL}/status", {"receipt": "2" * 16}, addr="10.8.1.1")
    forged = c.post(
        f"{URL}/status",
        json.dumps({"receipt": "2" * 16}),
        content_type="application/json",
        REMOTE_ADDR="10.8.1.1",
        HTTP_X_FORWARDED_FOR="203.0.113.5",
    )
    assert forged.status_code == 429  # a client cannot name itself someone else
    settings.NUANQI_TRUSTED_PROXIES = ["10.8.1.1"]
    behind = c.post(
        f"{URL}/status",
        json.dumps({"receipt": "2" * 16}),
        content_type="application/json",
        REMOTE_ADDR="10.8.1.1",
        HTTP_X_FORWARDED_FOR="203.0.113.5",
    )
    assert behind.status_code == 404  # the proxy's client, counted on its own


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"description": "没有标题"}, "missing_field"),
        ({**REPORT, "title": "长" * 61}, "too_long"),
        ({**REPORT, "contact_phone": "张三办公室"}, "invalid_phone"),
        ({**REPORT, "priority": 1}, "unknown_field"),
        ({**REPORT, "title": "带\u0000控制字符"}, "invalid_text"),
        ({**REPORT, "title": 12345}, "invalid_text"),
    ],
)
def test_bad_public_input_is_refused_in_chinese_and_nothing_is_kept(world, toy_public, body, code):
    r = post(Client(), URL, body)
    assert r.status_code == 422 and r.json()["code"] == code
    assert Case.objects.count() == 0 and PublicReceipt.objects.count() == 0


def test_a_kind_not_open_to_the_public_has_no_public_path(world, toy_public):
    assert post(Client(), "/api/v1/public/request", REPORT).status_code == 404
    assert Client().get("/public/request/").status_code == 404
    with pytest.raises(services.Forbidden):
        services.create_case(services.NewCase(kind="request", title="x"), actor=None, public=True)


def test_the_public_pages_file_and_follow_a_case_without_an_account(world, toy_public):
    c = Client()
    form = c.get("/public/toy-reports/")
    assert form.status_code == 200 and "问题概述" in form.content.decode()
    bad = c.post("/public/toy-reports/", {"title": "", "description": "x"})
    html = bad.content.decode()
    assert bad.status_code == 422 and 'aria-invalid="true"' in html and 'href="#f-title"' in html
    assert "<title>错误：" in html
    ok = c.post(
        "/public/toy-reports/", {"title": "盐仓街道惠舟社区绿化带裸露", "description": "约 20 平方米"}
    )
    receipt = ok.content.decode().split('class="receipt-code"')[1].split("<strong>")[1].split("</strong>")[0]
    assert len(receipt.replace(" ", "")) == 16 and ok["Cache-Control"] == "no-store"
    page = c.post("/public/toy-reports/status/", {"receipt": receipt})
    assert page.status_code == 200 and "待受理" in page.content.decode()
    sent = c.post("/public/toy-reports/messages/", {"receipt": receipt, "text": "补充：靠近 5 号楼"})
    assert sent.status_code == 200 and "补充：靠近 5 号楼" in sent.content.decode()
    assert PublicMessage.objects.filter(direction="in").count() == 1
    wrong = c.post("/public/toy-reports/status/", {"receipt": "9" * 16})
    assert wrong.status_code == 404 and "回执码不正确" in wrong.content.decode()


def test_photos_come_with_the_report_and_later_and_a_bad_file_keeps_nothing(
    world, toy_public, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from nuanqi.attachments.models import Attachment

    from ..attachments.test_attachments import photo

    settings.MEDIA_ROOT = tmp_path / "media"
    c = Client()
    refused = c.post(
        "/public/toy-reports/",
        {
            "title": "僵尸车",
            "description": "x",
            "file": SimpleUploadedFile("车.jpg", b"MZ\x90\x00" + b"\0" * 99),
        },
    )
    assert refused.status_code == 422 and "不支持的文件类型" in refused.content.decode()
    assert Case.objects.count() == 0 and Attachment.objects.count() == 0

    ok = c.post(
        "/public/toy-reports/",
        {"title": "僵尸车", "description": "停了三个月", "file": SimpleUploadedFile("车.jpg", photo())},
    )
    receipt = ok.content.decode().split("<strong>")[1].split("</strong>")[0].replace(" ", "")
    case = Case.objects.get()
    assert Event.objects.get(case=case, action="attach").actor_name == "公众"
    assert Attachment.objects.get().latitude is not None  # kept for staff

    r = c.post(
        f"{URL}/photos",
        {"receipt": receipt, "file": SimpleUploadedFile("又一张.jpg", photo())},
        REMOTE_ADDR="10.1.1.1",
    )
    assert r.status_code == 201, r.content
    assert r.json()["messages"][-1]["files"] == 1
    assert "latitude" not in r.content.decode() and "attachments" not in r.json()
    staff = world.client(world.dispatcher).get(f"/cases/{case.number}/").content.decode()
    assert "又一张.jpg" in staff and "车.jpg" in staff


def test_the_login_page_links_the_public_channels_for_people_without_an_account(world, toy_public):
    html = Client().get("/login/").content.decode()
    assert 'href="/public/toy-reports/"' in html and 'href="/public/toy-reports/status/"' in html
    assert 'href="/tips/notice/"' in html
    assert "/public/toy-reports/" not in world.client(world.dispatcher).get("/login/").content.decode()
