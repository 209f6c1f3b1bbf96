"""Points: coordinates in WGS-84 (GCJ-02 converted at the edge), and who sees a point's problems."""

from __future__ import annotations

import pytest

from nuanqi.cases.access import resolve_subject
from nuanqi.cases.errors import Invalid
from nuanqi.cases.permissions import relations
from nuanqi.cases.visibility import my_worklist, visible_cases
from nuanqi.patrol.access import visible_points
from nuanqi.patrol.geo import distance_m, gcj02_to_wgs84, wgs84_to_gcj02

from ..cases.helpers import act
from .test_kind import file_problem


def test_the_forward_transform_matches_the_published_reference_point():
    # Shanghai, the reference pair of the widely used eviltransform test suite.
    lat, lon = wgs84_to_gcj02(31.1774276, 121.5272106)
    assert (round(lat, 9), round(lon, 9)) == (31.175303984, 121.531541859)


def test_a_gcj02_point_from_a_map_picker_comes_back_to_its_wgs84_place_within_a_millimetre():
    dinghai = (30.0163, 122.1065)
    picked = wgs84_to_gcj02(*dinghai)
    assert distance_m(*dinghai, *picked) > 300  # the offset is hundreds of metres in 定海
    back = gcj02_to_wgs84(*picked)
    assert distance_m(*dinghai, *back) < 0.001


def test_points_outside_china_are_left_alone():
    assert gcj02_to_wgs84(51.5007, -0.1246) == (51.5007, -0.1246)


def test_a_point_leader_sees_and_works_his_points_problems_and_no_others(world, patrols):
    mine = file_problem(world, patrols, by=world.dispatcher)
    assert visible_cases(patrols.leader).filter(pk=mine.pk).exists()
    assert not visible_cases(patrols.leader2).filter(pk=mine.pk).exists()
    assert "point_leader" in relations(patrols.leader, mine)
    assert "point_leader" not in relations(patrols.leader2, mine)
    assert list(visible_points(patrols.leader)) == [patrols.weihai]


def test_a_problem_waiting_for_recheck_is_on_the_point_leaders_list(world, patrols):
    case = file_problem(world, patrols)
    act(case, "file", world.dispatcher)
    act(case, "dispatch", world.dispatcher, lead_unit=world.zhujian.pk)
    assert not my_worklist(patrols.leader).filter(pk=case.pk).exists()
    assert my_worklist(world.handler).filter(pk=case.pk).exists()  # the responsible unit rectifies
    act(case, "apply_close", world.handler, reason="已补装箱门")
    assert my_worklist(patrols.leader).filter(pk=case.pk).exists()


def test_the_responsible_units_handler_sees_the_problem_as_lead_unit_and_others_do_not(world, patrols):
    case = file_problem(world, patrols)
    assert "lead_unit" in relations(world.handler, case)
    assert visible_cases(world.handler).filter(pk=case.pk).exists()
    assert patrols.weihai in visible_points(world.handler)
    for outsider in (world.handler2, world.commissioner, world.company, world.outsider):
        assert not visible_cases(outsider).filter(pk=case.pk).exists()
        assert patrols.weihai not in visible_points(outsider)


def test_outsiders_get_404_for_a_points_problem_on_the_page_and_the_api(world, patrols):
    case = file_problem(world, patrols)
    for user in (world.handler2, patrols.leader2, world.outsider):
        assert world.client(user).get(f"/cases/{case.number}/").status_code == 404
        r = world.client(user).get(f"/api/v1/cases/{case.number}")
        assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert world.client(patrols.leader).get(f"/cases/{case.number}/").status_code == 200


def test_a_point_is_named_as_subject_only_by_those_who_see_it(world, patrols):
    ref = resolve_subject("point", patrols.leader, "卫海社区")
    assert (ref.type, ref.id, ref.label) == ("point", patrols.weihai.pk, "卫海社区")
    with pytest.raises(Invalid):
        resolve_subject("point", patrols.leader2, patrols.weihai.pk)


def test_the_admin_stores_a_gcj02_point_from_a_map_picker_in_wgs84(world, patrols):
    from nuanqi.patrol.admin import PointForm
    from nuanqi.patrol.geo import wgs84_to_gcj02 as forward

    picked = forward(30.0031, 122.1122)
    form = PointForm(
        data={
            "name": "卫海社区二期",
            "point_type": patrols.estate.pk,
            "town": patrols.town.pk,
            "leader": patrols.leader.pk,
            "responsible_unit": world.zhujian.pk,
            "latitude": f"{picked[0]:.6f}",
            "longitude": f"{picked[1]:.6f}",
            "datum": "gcj02",
            "active": "on",
        }
    )
    assert form.is_valid(), form.errors
    point = form.save()
    assert distance_m(30.0031, 122.1122, float(point.latitude), float(point.longitude)) < 0.5
