"""The 政协 staff keep a session's participants and, after it, its minutes and whether its summary is public:
on the session page and through the API; a unit handler and outsiders may not."""

from __future__ import annotations

from nuanqi.accounts.models import ApiToken
from nuanqi.consult.models import Participant

from ..conftest import _person


def test_the_staff_add_a_participant_with_an_account_and_write_the_minutes_on_the_page(world, consult):
    member = _person("weiyuan", "委员丁")
    client = world.client(consult.staff)
    page = client.get(f"/consult/sessions/{consult.session.pk}/").content.decode()
    assert "登记参加人员" in page and "编辑会议纪要与公开" in page
    r = client.post(
        f"/consult/sessions/{consult.session.pk}/",
        {"op": "participant", "role": "member", "name": "委员丁", "sector": "体育界", "username": "weiyuan"},
    )
    assert r.status_code == 302
    p = Participant.objects.get(session=consult.session, name="委员丁")
    assert p.user == member and p.sector == "体育界"
    bad = client.post(
        f"/consult/sessions/{consult.session.pk}/", {"op": "participant", "role": "member", "name": "x",
                                                    "username": "nobody"},
    )  # fmt: skip
    assert bad.status_code == 400 and "找不到账号" in bad.content.decode()
    r = client.post(
        f"/consult/sessions/{consult.session.pk}/", {"op": "minutes", "minutes": "会议纪要：三项建议。"}
    )
    assert r.status_code == 302
    consult.session.refresh_from_db()
    assert consult.session.minutes == "会议纪要：三项建议。" and consult.session.public is False


def test_a_unit_handler_sees_the_session_but_may_not_edit_it(world, consult):
    from nuanqi.consult.services import raise_item

    raise_item(consult.session, title="场馆少", lead_unit=world.zhujian, actor=consult.staff)
    client = world.client(world.handler)
    page = client.get(f"/consult/sessions/{consult.session.pk}/").content.decode()
    assert "登记参加人员" not in page
    r = client.post(f"/consult/sessions/{consult.session.pk}/", {"op": "minutes", "minutes": "x"})
    assert r.status_code == 404


def test_the_api_adds_participants_and_patches_the_session(world, consult):
    token = ApiToken.issue(consult.staff, "t")[1]
    client = world.client(consult.staff)
    h = {"HTTP_AUTHORIZATION": f"Bearer {token}", "content_type": "application/json"}
    r = client.post(
        f"/api/v1/consult/sessions/{consult.session.pk}/participants",
        {"role": "unit_head", "name": "局长戊", "unit": world.zhujian.pk},
        **h,
    )
    assert r.status_code == 201 and r.json()["unit"] == "区住建局"
    r = client.patch(
        f"/api/v1/consult/sessions/{consult.session.pk}", {"minutes": "纪要", "public": False}, **h
    )
    assert r.status_code == 200 and r.json()["minutes"] == "纪要" and r.json()["public"] is False
    r = client.patch(f"/api/v1/consult/sessions/{consult.session.pk}", {"minutes": "x" * 20001}, **h)
    assert r.status_code == 422 and r.json()["code"] == "too_long"
    outsider = ApiToken.issue(world.outsider, "t")[1]
    r = client.patch(
        f"/api/v1/consult/sessions/{consult.session.pk}", {"minutes": "x"},
        HTTP_AUTHORIZATION=f"Bearer {outsider}", content_type="application/json",
    )  # fmt: skip
    assert r.status_code == 404
