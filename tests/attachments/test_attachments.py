"""Photos and documents on cases: uploaded through the page and the API, typed by content, fetched only by
those who may read the case, covered by the timeline's hashes."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from nuanqi.attachments.models import Attachment
from nuanqi.cases.models import Event
from nuanqi.cases.timeline import verify

from ..api.test_api import api_for
from ..cases.helpers import act, dispatched_to, file_case


@pytest.fixture(autouse=True)
def _media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def photo(*, gps: bool = True, size: tuple[int, int] = (800, 600)) -> bytes:
    """A real JPEG as a phone takes it, with the place in its EXIF (卫海社区, about 30.0 N 122.1 E)."""
    image = Image.new("RGB", size, (90, 140, 60))
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {1: "N", 2: (30.0, 1.0, 12.0), 3: "E", 4: (122.0, 6.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", "<w:document>合规证明</w:document>")
    return out.getvalue()


def upload(api, number: str, name: str, data: bytes, **extra):
    return api.c.post(
        f"/api/v1/cases/{number}/attachments",
        {"file": SimpleUploadedFile(name, data), **extra},
        headers=api.headers,
    )


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_photo_is_uploaded_and_fetched_through_the_api_with_the_same_token(world, _media):
    case = file_case(world.commissioner, world.huakang)
    api = api_for(world.commissioner)
    data = photo()
    r = upload(api, case.number, "箱门缺失.jpg", data)
    assert r.status_code == 201, r.content
    body = r.json()
    assert set(body) >= {"id", "name", "size", "sha256", "url"}
    assert (body["name"], body["size"]) == ("箱门缺失.jpg", len(data))
    got = api.c.get(body["url"], headers=api.headers)
    assert got.status_code == 200 and b"".join(got.streaming_content) == data
    assert got["Content-Type"] == "image/jpeg" and got["X-Content-Type-Options"] == "nosniff"

    stored = Attachment.objects.get(pk=body["id"])
    assert stored.latitude == pytest.approx(30.02, abs=0.01) and stored.longitude == pytest.approx(
        122.1, abs=0.01
    )
    thumb = api.c.get(body["thumbnail_url"], headers=api.headers)
    small = Image.open(io.BytesIO(b"".join(thumb.streaming_content)))
    assert max(small.size) <= 320 and 0x8825 not in small.getexif()  # no location in what lists show

    event = Event.objects.get(case=case, action="attach")
    assert event.changes["attachments"][0]["sha256"] == body["sha256"]
    assert api.get(f"/cases/{case.number}").json()["attachments"][0]["id"] == body["id"]


def test_an_outsider_gets_404_for_the_file_on_the_api_and_the_page(world):
    case = file_case(world.commissioner, world.huakang)
    body = upload(
        api_for(world.commissioner), case.number, "证明.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n"
    ).json()
    for person in (world.commissioner2, world.handler2, world.outsider):
        api = api_for(person)
        assert api.c.get(body["url"], headers=api.headers).status_code == 404
        assert api.get(f"/attachments/{body['id']}").status_code == 404
        assert world.client(person).get(f"/files/{body['id']}/").status_code == 404
    assert world.client(world.dispatcher).get(f"/files/{body['id']}/").status_code == 200
    assert api_for(world.outsider).c.get(body["url"]).status_code == 401  # no token at all


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        (
            "现场.jpg",
            b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200,
            "file_type",
        ),  # an executable renamed .jpg
        ("空白.jpg", b"", "empty_file"),
        ("脚本.pdf", b"<html><script>alert(1)</script></html>", "file_type"),
    ],
)
def test_a_bad_file_is_refused_in_chinese_and_nothing_is_stored(world, _media, name, data, code):
    case = file_case(world.commissioner, world.huakang)
    r = upload(api_for(world.commissioner), case.number, name, data)
    assert r.status_code == 422 and r.json()["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["error"])
    assert Attachment.objects.count() == 0 and _files(_media) == []
    assert not Event.objects.filter(case=case, action="attach").exists()


def test_a_file_over_the_limit_is_refused_on_the_page_and_the_api(world, settings, _media):
    settings.NUANQI_ATTACHMENT_MAX_MB = 0.01  # about 10 KB
    case = file_case(world.commissioner, world.huakang)
    big = photo(size=(1600, 1200)) + b"\x00" * 20_000
    r = upload(api_for(world.commissioner), case.number, "大图.jpg", big)
    assert r.status_code == 422 and r.json()["code"] == "file_too_large"
    page = world.client(world.commissioner).post(
        f"/cases/{case.number}/attachments/", {"file": SimpleUploadedFile("大图.jpg", big)}, follow=True
    )
    assert "上限" in page.content.decode()
    assert Attachment.objects.count() == 0 and _files(_media) == []


def test_the_case_page_uploads_photos_and_offers_the_camera(world):
    case = file_case(world.commissioner, world.huakang)
    client = world.client(world.commissioner)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'accept="image/*" capture' in page and 'enctype="multipart/form-data"' in page
    r = client.post(
        f"/cases/{case.number}/attachments/",
        {"file": [SimpleUploadedFile("一.jpg", photo()), SimpleUploadedFile("证明.docx", docx())]},
        follow=True,
    )
    html = r.content.decode()
    assert "已上传 2 个文件" in html and "证明.docx" in html
    assert sorted(Attachment.objects.values_list("mime", flat=True)) == [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "image/jpeg",
    ]


def test_a_zip_bomb_dressed_as_a_document_is_refused(world):
    case = file_case(world.commissioner, world.huakang)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", b"\x00" * (60 * 1024 * 1024))
    r = upload(api_for(world.commissioner), case.number, "台账.xlsx", out.getvalue())
    assert r.status_code == 422 and r.json()["code"] == "file_bomb"


def test_evidence_named_in_an_action_is_covered_by_its_event(world):
    case = dispatched_to(file_case(world.commissioner, world.huakang), world)
    other = file_case(world.commissioner, world.huakang, "另一件事")
    mine = upload(api_for(world.handler), case.number, "办结材料.pdf", b"%PDF-1.7\n").json()
    theirs = upload(api_for(world.commissioner), other.number, "别的.pdf", b"%PDF-1.7\nx").json()
    api = api_for(world.handler)
    version = api.get(f"/cases/{case.number}").json()["version"]
    bad = api.post(
        f"/cases/{case.number}/actions",
        {"action": "resolve", "version": version, "result": "已办结", "attachment_ids": [theirs["id"]]},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_attachment"
    ok = api.post(
        f"/cases/{case.number}/actions",
        {"action": "resolve", "version": version, "result": "已办结", "attachment_ids": [mine["id"]]},
    )
    assert ok.status_code == 200, ok.content
    resolved = Event.objects.get(case=case, action="resolve")
    assert resolved.changes["attachments"] == [
        {"id": mine["id"], "name": "办结材料.pdf", "sha256": mine["sha256"], "size": mine["size"]}
    ]


def test_audit_verify_fails_after_a_stored_file_is_overwritten(world, capsys):
    from nuanqi.cli import main

    case = file_case(world.commissioner, world.huakang)
    act(case, "accept", world.dispatcher)
    body = upload(api_for(world.commissioner), case.number, "现场.jpg", photo()).json()
    assert list(verify()) == []
    stored = Attachment.objects.get(pk=body["id"])
    Path(stored.file.path).write_bytes(photo(gps=False))
    problems = [b.problem for b in verify()]
    assert problems == ["附件“现场.jpg”的文件内容与记录的哈希不符（文件被替换）"]
    with pytest.raises(SystemExit) as exit_:
        main(["audit", "verify"])
    assert exit_.value.code == 1


def test_an_outsider_cannot_upload_to_a_case_it_cannot_see(world, _media):
    case = file_case(world.commissioner, world.huakang)
    for person in (world.commissioner2, world.handler2, world.outsider):
        page = world.client(person).post(
            f"/cases/{case.number}/attachments/", {"file": SimpleUploadedFile("x.jpg", photo())}
        )
        assert page.status_code == 404
        assert upload(api_for(person), case.number, "x.jpg", photo()).status_code == 404
    assert Attachment.objects.count() == 0 and _files(_media) == []
