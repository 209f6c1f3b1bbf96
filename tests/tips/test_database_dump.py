"""No database dump and no copy of the media folder betrays a tip: after tips are filed online and by
phone, messages exchanged and notes written, neither the content, the reporter's name and phone, the
accused's name, the file name nor the attachment's bytes appear — as UTF-8, as JSON escapes or as hex.

SQLite: the main file and its -wal after a checkpoint (secure_delete is on). PostgreSQL: `pg_dump` of the
server's major version."""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from PIL import Image

from nuanqi.tips.models import Tip

pytestmark = pytest.mark.django_db(transaction=True)

CONTENT = "住建局副局长孙某某在安置房项目验收中索要好处费八万元"
ACCUSED = "孙某某"
NAME = "举报人周某某"
PHONE = "13905807777"
NOTE = "经初核线索具体可查"
REPLY = "您反映的问题已受理"
FILE_NAME = "验收现场照片.jpg"


def _noise_photo() -> bytes:
    rng = random.Random(20230327)
    image = Image.new("RGB", (64, 48))
    image.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(64 * 48)])
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=95)
    return buf.getvalue()


def _forms(text: str) -> list[bytes]:
    """The ways a text could sit in a dump: UTF-8, a JSON escape, hex of its UTF-8 (bytea)."""
    raw = text.encode()
    return [raw, json.dumps(text).strip('"').encode(), raw.hex().encode()]


def _dump() -> bytes:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete")
            assert cursor.fetchone()[0] == 1
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        path = Path(connection.settings_dict["NAME"])
        wal = Path(f"{path}-wal")
        return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        major = int(cursor.fetchone()[0]) // 10000
    pg_dump = Path(f"/usr/lib/postgresql/{major}/bin/pg_dump")
    binary = str(pg_dump) if pg_dump.exists() else shutil.which("pg_dump")
    if binary is None:
        pytest.fail("pg_dump not found")
    s = connection.settings_dict
    env = os.environ | {"PGPASSWORD": s.get("PASSWORD") or ""}
    out = subprocess.run(
        [binary, "-h", s["HOST"] or "127.0.0.1", "-p", str(s["PORT"] or 5432), "-U", s["USER"], s["NAME"]],
        capture_output=True,
        check=True,
        env=env,
        timeout=120,
    )
    return out.stdout


def _media(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def test_a_dump_of_the_database_and_the_media_folder_finds_nothing_of_the_tips(
    inspection, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = _noise_photo()
    # Online, named, with a photo.
    body = {
        "target_unit": "区住建局",
        "disciplines": ["integrity"],
        "content": CONTENT,
        "accused_post": "副局长",
        "accused_name": ACCUSED,
        "anonymous": False,
        "name": NAME,
        "phone": PHONE,
    }
    r = Client().post("/api/v1/public/tips", json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    receipt = r.json()["receipt"]
    # The reporter adds a photo through the receipt.
    r = Client().post(
        "/api/v1/public/tips/photos",
        {"receipt": receipt, "text": "补充照片", "file": SimpleUploadedFile(FILE_NAME, photo, "image/jpeg")},
    )
    assert r.status_code == 201, r.content
    # A member registers a letter with the same photo, replies and writes a note.
    member = inspection.login(inspection.member)
    r = member.post(
        "/tips/new/",
        {
            "group": inspection.group.pk,
            "target_unit": inspection.target.pk,
            "channel": "letter",
            "received_at": "2026-11-27T10:00",
            "accused_post": "副局长",
            "accused_name": ACCUSED,
            "disciplines": ["integrity", "work"],
            "content": CONTENT,
            "named": "true",
            "name": NAME,
            "phone": PHONE,
            "issue_receipt": "on",
            "file": SimpleUploadedFile(FILE_NAME, photo, "image/jpeg"),
        },
    )
    assert r.status_code == 200 and "JB" in r.content.decode(), r.content.decode()[:2000]
    tip = Tip.objects.order_by("id").first()
    assert tip is not None
    n = tip.case.number
    assert member.post(f"/tips/{n}/act/", {"action": "accept", "note": NOTE, "version": 1}).status_code == 302
    assert member.post(f"/tips/{n}/reply/", {"text": REPLY, "tells": "accept"}).status_code == 302
    # The reporter reads the reply with the receipt: the scheme works end to end before we look for leaks.
    status = Client().post(
        "/api/v1/public/tips/status", json.dumps({"receipt": receipt}), content_type="application/json"
    )
    assert REPLY in [m["text"] for m in status.json()["messages"]]

    dump = _dump()
    media = _media(Path(settings.MEDIA_ROOT))
    # The dump is the real thing: the tip's metadata is in it, in clear.
    assert n.encode() in dump and "区住建局".encode() in dump
    assert len(media) > len(photo)  # the files are there, encrypted
    secrets = [CONTENT, ACCUSED, NAME, PHONE, NOTE, REPLY, FILE_NAME, "补充照片"]
    for text in secrets:
        for form in _forms(text):
            assert form not in dump, f"{text!r} in the database dump"
            assert form not in media, f"{text!r} in the media folder"
    chunk = photo[len(photo) // 2 : len(photo) // 2 + 48]
    for form in (chunk, chunk.hex().encode()):
        assert form not in dump and form not in media, "the photo's bytes are readable"
    assert receipt.encode() not in dump
