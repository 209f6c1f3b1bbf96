"""Tips are invisible outside their group: admins, leaders, dispatchers, another group's member and a member
from the reported unit get 404 for the tip, its files and its messages, on pages and API; reads are logged;
a reset password loses nothing; the identity is the leader's until he releases it."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from nuanqi.accounts.models import User
from nuanqi.tips import crypto, keys
from nuanqi.tips.models import Tip, TipFile, TipRead, TipShare
from nuanqi.tips.services import TipInput, file_tip
from nuanqi.tips.workflow import ACCEPTED, DONE, FILED, TRANSFERRED

pytestmark = pytest.mark.django_db

SECRET = "副局长李某某收受工程款回扣二十万元"


def _photo() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(buf, "JPEG")
    return SimpleUploadedFile("证据照片.jpg", buf.getvalue(), content_type="image/jpeg")


def _online(inspection):  # type: ignore[no-untyped-def]
    from django.db import transaction

    from nuanqi.cases import public

    receipt = public.new_receipt()
    _digest, key = public.receipt_secrets(receipt)
    with transaction.atomic():
        case = file_tip(
            TipInput(
                group=inspection.group,
                target_unit=inspection.target,
                disciplines=["integrity"],
                content=SECRET,
                accused_post="副局长",
                named=True,
                name="举报人钱某",
                phone="13905800002",
                files=[_photo()],
            ),
            actor=None,
            receipt_key=key,
        )
    return Tip.objects.get(case=case)


@pytest.fixture
def tip(inspection) -> Tip:  # type: ignore[no-untyped-def]
    return _online(inspection)


def _urls(tip: Tip) -> list[tuple[str, str]]:
    n = tip.case.number
    f = TipFile.objects.filter(tip=tip).first()
    assert f is not None
    return [
        ("get", f"/tips/{n}/"),
        ("get", f"/tips/{n}/files/{f.pk}/"),
        ("get", f"/tips/{n}/reads/"),
        ("post", f"/tips/{n}/act/"),
        ("post", f"/tips/{n}/reply/"),
        ("post", f"/tips/{n}/identity/"),
        ("post", f"/tips/{n}/release/"),
        ("get", f"/cases/{n}/"),
        ("get", f"/api/v1/cases/{n}"),
        ("get", f"/api/v1/tips/items/{n}"),
    ]


@pytest.mark.parametrize(
    "who", ["admin", "leader", "dispatcher", "stranger", "conflicted", "handler", "company"]
)
def test_everyone_outside_the_group_gets_404_for_the_tip_its_files_and_messages(inspection, tip, who):
    people = {"stranger": inspection.stranger, "conflicted": inspection.conflicted}
    user: User = people.get(who) or getattr(inspection.world, who)
    c = inspection.login(user)
    for method, url in _urls(tip):
        response = getattr(c, method)(url)
        assert response.status_code == 404, (who, url, response.status_code)
    listed = c.get("/api/v1/tips/items")
    assert listed.status_code == 200 and listed.json() == []
    assert tip.case.number not in c.get("/cases/").content.decode()
    assert not TipRead.objects.exists()


def test_the_conflicted_member_holds_no_key_to_the_tip(inspection, tip):
    assert not TipShare.objects.filter(tip=tip, user=inspection.conflicted).exists()


def test_a_member_reads_the_tip_and_its_photo_and_every_read_is_logged_for_the_leader(inspection, tip):
    c = inspection.login(inspection.member)
    page = c.get(f"/tips/{tip.case.number}/").content.decode()
    assert SECRET in page and "证据照片.jpg" in page and "举报人钱某" not in page
    f = TipFile.objects.get(tip=tip)
    download = c.get(f"/tips/{tip.case.number}/files/{f.pk}/")
    assert download.status_code == 200 and download.content.startswith(b"\xff\xd8")
    assert list(
        TipRead.objects.filter(user=inspection.member).values_list("what", flat=True).order_by("id")
    ) == [
        TipRead.CONTENT,
        TipRead.CONTENT,
        TipRead.FILE,
    ]
    # The member may not see the log; the leader sees every read.
    assert c.get(f"/tips/{tip.case.number}/reads/").status_code == 404
    log = inspection.login(inspection.leader).get(f"/tips/{tip.case.number}/reads/").content.decode()
    assert log.count("组员乙") == 3


def test_the_identity_opens_for_the_leader_and_for_a_member_only_after_a_release(inspection, tip):
    n = tip.case.number
    member = inspection.login(inspection.member)
    refused = member.post(f"/tips/{n}/identity/")
    assert refused.status_code == 403 and "举报人钱某" not in refused.content.decode()
    leader = inspection.login(inspection.leader)
    shown = leader.post(f"/tips/{n}/identity/")
    assert shown.status_code == 200 and "举报人钱某" in shown.content.decode()
    assert (
        leader.post(f"/tips/{n}/release/", {"member": inspection.member.pk, "reason": ""}).status_code == 422
    )
    released = leader.post(
        f"/tips/{n}/release/", {"member": inspection.member.pk, "reason": "需电话核实细节"}
    )
    assert released.status_code == 302
    assert tip.case.events.filter(action="identity_release").count() == 1
    event = tip.case.events.get(action="identity_release")
    assert "需电话核实" not in json.dumps(event.changes, ensure_ascii=False) and event.sealed
    again = member.post(f"/tips/{n}/identity/")
    assert again.status_code == 200 and "13905800002" in again.content.decode()
    assert TipRead.objects.filter(what=TipRead.IDENTITY).count() == 2


def test_a_password_reset_loses_no_tip_another_member_reseals_at_login(inspection, tip):
    user = inspection.member
    user.set_password("a-new-password-2026")
    user.save()
    c = Client()
    c.post("/login/", {"username": user.username, "password": "a-new-password-2026"})
    page = c.get(f"/tips/{tip.case.number}/")
    assert page.status_code == 200 and SECRET not in page.content.decode()
    assert "待本组其他成员登录后自动授权" in page.content.decode()
    inspection.login(inspection.leader)  # the leader logs in: his key re-seals to the member's new key
    assert SECRET in c.get(f"/tips/{tip.case.number}/").content.decode()


def test_the_escrow_key_recovers_a_leader_whose_password_was_reset(inspection, settings, tmp_path):
    private, public = crypto.new_keypair()
    import base64

    settings.NUANQI_TIPS_ESCROW_PUBLIC_KEY = base64.b64encode(public).decode()
    tip = _online(inspection)
    leader = inspection.leader
    leader.set_password("reset-by-admin-2026")
    leader.save()
    keys.ensure_member_key(leader, "reset-by-admin-2026")  # his next login makes a new pair
    assert not TipShare.objects.filter(tip=tip, user=leader).exists()
    assert keys.escrow_reseal(private, leader) == 2  # content and identity
    new_private = keys.ensure_member_key(leader, "reset-by-admin-2026")
    identity_key = keys.open_share(tip, leader, new_private, TipShare.IDENTITY)
    assert identity_key is not None
    assert crypto.decrypt_json(identity_key, bytes(tip.identity))["name"] == "举报人钱某"


def test_the_lifecycle_runs_with_sealed_notes_and_a_repeat_is_filed_against_the_earlier_tip(inspection, tip):
    n = tip.case.number
    member = inspection.login(inspection.member)
    assert (
        member.post(f"/tips/{n}/act/", {"action": "accept", "version": tip.case.version}).status_code == 302
    )
    tip.refresh_from_db()
    tip.case.refresh_from_db()
    assert tip.case.status == ACCEPTED and tip.in_scope is True
    # Only the leader concludes.
    assert (
        member.post(f"/tips/{n}/act/", {"action": "conclude", "version": tip.case.version}).status_code == 403
    )
    leader = inspection.login(inspection.leader)
    r = leader.post(
        f"/tips/{n}/act/", {"action": "conclude", "note": "查实，移送纪委", "version": tip.case.version}
    )
    assert r.status_code == 302
    tip.case.refresh_from_db()
    assert tip.case.status == DONE
    event = tip.case.events.get(action="conclude")
    assert event.reason == "" and event.sealed and "查实" not in json.dumps(event.changes, ensure_ascii=False)
    assert "查实，移送纪委" in leader.get(f"/tips/{n}/").content.decode()
    # The result clock runs after 办结 until the reporter is told.
    assert tip.case.clocks.get(name="tell_result").stopped_at is None
    leader.post(f"/tips/{n}/reply/", {"text": "您反映的问题已查实并处理", "tells": "result"})
    assert tip.case.clocks.get(name="tell_result").stopped_at is not None

    repeat = _online(inspection)
    r = member.post(
        f"/tips/{repeat.case.number}/act/",
        {"action": "file_repeat", "original": n, "note": "与前件内容相同", "version": repeat.case.version},
    )
    assert r.status_code == 302
    repeat.case.refresh_from_db()
    assert repeat.case.status == FILED
    assert repeat.case.links_out.get().to_case == tip.case

    third = _online(inspection)
    r = member.post(f"/tips/{third.case.number}/act/", {"action": "transfer", "version": third.case.version})
    assert r.status_code == 422  # 转办 needs to whom and why
    r = member.post(
        f"/tips/{third.case.number}/act/",
        {"action": "transfer", "note": "属信访事项，转区信访局", "version": third.case.version},
    )
    third.refresh_from_db()
    third.case.refresh_from_db()
    assert third.case.status == TRANSFERRED and third.in_scope is False


def test_the_notice_to_the_group_says_nothing_of_the_tip(inspection, tip):
    from nuanqi.notify.models import Delivery

    rows = list(Delivery.objects.filter(case_number=tip.case.number))
    assert {d.recipient_id for d in rows} == {inspection.leader.pk, inspection.member.pk}
    for d in rows:
        assert SECRET not in d.title + d.body and "副局长" not in d.title + d.body
        assert "您有一条新的举报待受理" in d.title
    inbox = inspection.login(inspection.member).get("/notifications/").content.decode()
    assert f'href="/tips/{tip.case.number}/"' in inbox
