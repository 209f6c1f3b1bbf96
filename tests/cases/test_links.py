"""Links and merges: a duplicate merged into an earlier case closes as 重复件 pointing at it, both timelines
say so, its requester is told and follows the original, and the KPIs count the pair once."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from nuanqi.cases import kpis, services
from nuanqi.cases.models import Case, CaseLink, Event
from nuanqi.cases.visibility import visible_cases
from nuanqi.notify.models import Delivery

from ..api.test_api import api_for
from .helpers import act, file_case

TZ = ZoneInfo("Asia/Shanghai")


def _pair(world) -> tuple[Case, Case]:
    original = file_case(
        world.commissioner, world.huakang, "开具合规证明", received_at=datetime(2023, 3, 27, 9, tzinfo=TZ)
    )
    duplicate = file_case(
        world.company, world.huakang, "再次申请合规证明", received_at=datetime(2023, 3, 28, 9, tzinfo=TZ)
    )
    return original, duplicate


def test_a_dispatcher_merges_a_duplicate_into_the_earlier_case(world):
    original, duplicate = _pair(world)
    merged = act(duplicate, "merge", world.dispatcher, original=original.number, reason="同一事项")
    assert (merged.status, merged.status_label, merged.phase) == ("duplicate", "重复件", "closed")
    assert CaseLink.objects.filter(from_case=duplicate, to_case=original, type="duplicate_of").exists()
    dup_event = Event.objects.get(case=duplicate, action="merge")
    assert dup_event.changes["original"] == original.number
    orig_event = Event.objects.get(case=original, action="linked_from")
    assert orig_event.changes["number"] == duplicate.number

    client = world.client(world.dispatcher)
    assert duplicate.number in client.get(f"/cases/{original.number}/").content.decode()
    assert original.number in client.get(f"/cases/{duplicate.number}/").content.decode()

    # The duplicate's filer (the company contact) is told, and hears of the original from now on.
    assert Delivery.objects.filter(event=dup_event, recipient=world.company).exists()
    act(original, "accept", world.dispatcher)
    accepted = Event.objects.get(case=original, action="accept")
    assert Delivery.objects.filter(event=accepted, recipient=world.company).exists()

    k = kpis.total(visible_cases(world.dispatcher), date(2023, 3, 1), date(2023, 3, 31))
    assert k.received == 1  # the pair counts once


def test_a_case_cannot_be_merged_into_a_later_one_or_itself(world):
    original, duplicate = _pair(world)
    with pytest.raises(services.Invalid):
        act(original, "merge", world.dispatcher, original=duplicate.number)
    with pytest.raises(services.Invalid):
        act(duplicate, "merge", world.dispatcher, original=duplicate.number)
    with pytest.raises(services.Forbidden):
        act(duplicate, "merge", world.handler, original=original.number)
    assert Case.objects.get(pk=duplicate.pk).status == "new"
    assert not CaseLink.objects.exists()


def test_links_show_on_both_timelines_through_the_api(world):
    original, duplicate = _pair(world)
    api = api_for(world.dispatcher)
    r = api.post(f"/cases/{duplicate.number}/links", {"type": "repeat_of", "number": original.number})
    assert r.status_code == 201, r.content
    assert r.json() == {
        "type": "repeat_of",
        "label": "重复来件",
        "direction": "out",
        "number": original.number,
    }
    assert (
        api.post(f"/cases/{duplicate.number}/links", {"type": "重复来件", "number": original.number}).json()[
            "code"
        ]
        == "duplicate_link"
    )
    mine = api.get(f"/cases/{duplicate.number}").json()
    theirs = api.get(f"/cases/{original.number}").json()
    assert mine["links"][0]["number"] == original.number and mine["links"][0]["direction"] == "out"
    assert theirs["links"][0]["number"] == duplicate.number and theirs["links"][0]["direction"] == "in"
    assert [e["action"] for e in theirs["events"]][-1] == "linked_from"
    assert [e["action"] for e in mine["events"]][-1] == "link"

    outsider = api_for(world.outsider)
    bad = outsider.post(f"/cases/{duplicate.number}/links", {"type": "repeat_of", "number": original.number})
    assert bad.status_code == 404
    stranger = api_for(world.handler2)
    assert stranger.post(f"/cases/{duplicate.number}/links", {"type": "x", "number": "y"}).status_code == 404
