"""`nuanqi worker --once`: one sweep and one delivery pass, then exit 0."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from nuanqi.cli import main
from nuanqi.notify.models import ChannelConfig, ChannelKind, Delivery, DeliveryStatus, Preference
from tests.cases.helpers import act, file_case


def test_worker_once_raises_the_due_cards_and_delivers_the_outbox(world, endpoint, capsys):
    ChannelConfig.objects.create(kind=ChannelKind.WECOM, url=endpoint.url)
    Preference.objects.create(user=world.handler, channel=ChannelKind.WECOM, address="13800000001")
    long_ago = timezone.now() - timedelta(days=30)
    case = file_case(world.commissioner, world.huakang, received_at=long_ago)
    act(case, "accept", world.dispatcher)
    act(case, "dispatch", world.dispatcher, lead_unit=world.zhujian.pk)
    main(["worker", "--once"])  # returns normally: exit status 0
    out = capsys.readouterr().out
    assert "sla_red=1" in out and "送达" in out
    actions = list(case.events.values_list("action", flat=True))
    assert "sla_red" in actions and "sla_escalate" in actions
    sent = Delivery.objects.filter(
        recipient=world.handler, channel=ChannelKind.WECOM, status=DeliveryStatus.SENT
    )
    assert sent.count() >= 2  # the dispatch and the red card at least, each once
    # Due together for one robot: one post carries them all, the person @-mentioned.
    assert len(endpoint.received) == 1
    text = endpoint.received[0]["json"]["text"]
    assert text["content"].startswith(f"{sent.count()} 件事项需要处理") and text["mentioned_mobile_list"] == [
        "13800000001"
    ]
    main(["worker", "--once"])
    assert len(endpoint.received) == 1  # a second pass sends nothing again
