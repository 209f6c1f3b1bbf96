"""From notices to posts. Mail and SMS: one post per notice. A group robot: the notices due together
are combined into posts ("3 件事项需要处理：…", each person @-mentioned), at most `NUANQI_NOTIFY_COMBINE_MAX`
a post and each within the robot's size limit, so that a morning's sweep is a few posts rather than one
per person.

The texts are the notices' own titles and bodies as the fan-out wrote them, so whatever a kind withholds
from a notice is withheld from the combined post too.
"""

from __future__ import annotations

from django.conf import settings

from .channels import Notice, Post
from .limits import byte_limit, case_link, shorten
from .models import ChannelKind

ROBOTS = (ChannelKind.DINGTALK, ChannelKind.WECOM)
ITEM_BODY_CHARS = 60


def combine_max() -> int:
    return max(1, int(getattr(settings, "NUANQI_NOTIFY_COMBINE_MAX", 10)))


def _single(channel: str, n: Notice) -> str:
    mention = f"@{n.address} " if channel in ROBOTS and n.address else ""
    text = f"{mention}{n.title}\n{n.body}" if n.body else f"{mention}{n.title}"
    return shorten(text, channel, tail="\n" + case_link(n.case_number))


def _item(i: int, n: Notice) -> str:
    mention = f"@{n.address} " if n.address else ""
    body = n.body if len(n.body) <= ITEM_BODY_CHARS else n.body[:ITEM_BODY_CHARS] + "…"
    return f"{i}. {mention}{n.title}" + (f"（{body}）" if body else "") + f" {case_link(n.case_number)}"


def _combined(channel: str, notices: list[Notice]) -> str:
    head = f"{len(notices)} 件事项需要处理："
    return "\n".join([head, *(_item(i, n) for i, n in enumerate(notices, 1))])


def _fits(channel: str, text: str) -> bool:
    limit = byte_limit(channel)
    return limit is None or len(text.encode()) <= limit


def build(channel: str, notices: list[Notice]) -> list[Post]:
    """The posts that carry `notices` (in order) on `channel`."""
    if channel not in ROBOTS:
        return [Post(channel, (n,), _single(channel, n)) for n in notices]
    groups: list[list[Notice]] = []
    for n in notices:
        if (
            groups
            and len(groups[-1]) < combine_max()
            and _fits(channel, _combined(channel, [*groups[-1], n]))
        ):
            groups[-1].append(n)
        else:
            groups.append([n])
    return [
        Post(channel, tuple(g), _single(channel, g[0]) if len(g) == 1 else _combined(channel, g))
        for g in groups
    ]
