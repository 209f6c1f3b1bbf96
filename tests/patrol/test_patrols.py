"""A point leader walks a point's checklist on his phone and submits it once; each failure becomes a patrol
problem with its photo, the point as subject and the responsible unit as lead unit; a failure repeating one
closed within 30 days is a relapse."""

from __future__ import annotations

from datetime import timedelta

from nuanqi.cases import services
from nuanqi.cases.models import Case, CaseLink
from nuanqi.patrol.models import Patrol, PatrolResult

from ..cases.helpers import act
from .conftest import photo


def walk(patrols, *, fail=("door", "verge"), key="k-1", notes=None, photos=True):
    """The form a point leader sends: every item answered, failures with a note and a photo."""
    data = {"idempotency_key": key}
    for name in ("door", "verge", "litter"):
        item = getattr(patrols, name)
        data[f"outcome-{item.pk}"] = "fail" if name in fail else "pass"
        if name in fail:
            data[f"note-{item.pk}"] = (notes or {}).get(name, f"{item.text}：不合格")
            if photos:
                data[f"photo-{item.pk}"] = photo(f"{name}.jpg")
    return data


def submit(world, patrols, user=None, point=None, **kw):
    client = world.client(user or patrols.leader)
    return client.post(f"/patrol/points/{(point or patrols.weihai).pk}/", walk(patrols, **kw))


def test_a_patrol_with_two_failures_files_two_problems_with_their_photos(world, patrols):
    r = submit(world, patrols, notes={"door": "3 号楼网络通信箱箱门缺失", "verge": "绿化带裸露"})
    assert r.status_code == 302
    patrol = Patrol.objects.get()
    assert r["Location"] == f"/patrol/patrols/{patrol.pk}/"
    cases = list(Case.objects.filter(kind="patrol").order_by("id"))
    assert [c.title for c in cases] == ["卫海社区：3 号楼网络通信箱箱门缺失", "卫海社区：绿化带裸露"]
    for case in cases:
        assert case.status == "patrol_found" and case.channel == "patrol"
        assert (case.subject_type, case.subject_id, case.lead_unit) == (
            "point",
            patrols.weihai.pk,
            world.zhujian,
        )
        assert case.created_by == patrols.leader
        assert services.case_attachments(case).count() == 1
    assert [str(c.category) for c in cases] == ["设施完好", "绿化管护"]
    outcomes = sorted(PatrolResult.objects.values_list("outcome", flat=True))
    assert outcomes == ["fail", "fail", "pass"]

    page = world.client(patrols.leader).get(r["Location"]).content.decode()
    assert cases[0].number in page and cases[1].number in page


def test_the_same_submission_twice_is_one_patrol(world, patrols):
    first = submit(world, patrols, key="once")
    again = submit(world, patrols, key="once")
    assert first["Location"] == again["Location"]
    assert Patrol.objects.count() == 1 and Case.objects.filter(kind="patrol").count() == 2


def test_the_idempotency_key_header_wins_over_the_form_field(world, patrols):
    client = world.client(patrols.leader)
    url = f"/patrol/points/{patrols.weihai.pk}/"
    client.post(url, walk(patrols, key="a"), headers={"Idempotency-Key": "from-header"})
    client.post(url, walk(patrols, key="b"), headers={"Idempotency-Key": "from-header"})
    assert list(Patrol.objects.values_list("idempotency_key", flat=True)) == ["from-header"]


def test_a_failure_without_a_photo_is_refused_in_chinese_and_nothing_is_kept(world, patrols):
    r = submit(world, patrols, photos=False)
    assert r.status_code == 400
    assert "不合格，请拍照上传" in r.content.decode()
    assert Patrol.objects.count() == 0 and Case.objects.count() == 0


def test_a_checklist_not_walked_to_the_end_is_refused(world, patrols):
    data = walk(patrols, fail=())
    del data[f"outcome-{patrols.litter.pk}"]
    r = world.client(patrols.leader).post(f"/patrol/points/{patrols.weihai.pk}/", data)
    assert r.status_code == 400 and "还有 1 项未检查" in r.content.decode()
    assert Patrol.objects.count() == 0


def test_another_points_leader_and_outsiders_get_404(world, patrols):
    r = submit(world, patrols)
    for user in (patrols.leader2, world.handler2, world.outsider):
        c = world.client(user)
        assert c.get(f"/patrol/points/{patrols.weihai.pk}/").status_code == 404
        assert c.get(r["Location"]).status_code == 404
        assert submit(world, patrols, user=user, key="x").status_code == 404
    assert Patrol.objects.count() == 1
    home = world.client(patrols.leader2).get("/patrol/").content.decode()
    assert "惠舟社区" in home and "卫海社区" not in home


def _close(world, patrols, case):
    act(case, "file", world.dispatcher)
    act(case, "dispatch", world.dispatcher, lead_unit=world.zhujian.pk)
    act(case, "apply_close", world.handler, reason="已整改")
    return act(case, "recheck_pass", patrols.leader)


def test_the_same_item_failing_within_30_days_of_closing_is_a_relapse(world, patrols):
    submit(world, patrols, fail=("door",), key="first")
    closed = _close(world, patrols, Case.objects.get(kind="patrol"))
    submit(world, patrols, fail=("door", "verge"), key="second")
    door, verge = PatrolResult.objects.filter(patrol__idempotency_key="second", outcome="fail").order_by(
        "item__sort"
    )
    assert door.relapse and not verge.relapse
    link = CaseLink.objects.get(type="relapse_of")
    assert (link.from_case, link.to_case) == (door.case, closed)
    assert door.case.events.filter(action="link").exists()


def test_a_failure_more_than_30_days_after_closing_is_not_a_relapse(world, patrols):
    submit(world, patrols, fail=("door",), key="first")
    closed = _close(world, patrols, Case.objects.get(kind="patrol"))
    Case.objects.filter(pk=closed.pk).update(resolved_at=closed.resolved_at - timedelta(days=31))
    submit(world, patrols, fail=("door",), key="second")
    assert not PatrolResult.objects.get(patrol__idempotency_key="second", outcome="fail").relapse
    assert not CaseLink.objects.exists()


def test_the_patrol_page_fits_a_phone_and_offers_the_camera(world, patrols):
    page = world.client(patrols.leader).get(f"/patrol/points/{patrols.weihai.pk}/").content.decode()
    assert 'name="viewport"' in page and 'capture="environment"' in page
    assert page.count('type="radio"') == 9  # three items × 合格 / 不合格 / 不适用
