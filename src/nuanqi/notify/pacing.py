"""Pacing per endpoint, shared by every worker through the database.

An endpoint is one channel's robot, gateway or mail server. Its budget is a sliding window: at most `limit`
sends in any `NUANQI_NOTIFY_RATE_WINDOW_SECONDS` (robots: 20 a minute, as DingTalk and WeCom document), taken
by compare-and-swap on the endpoint's row so that two workers never spend the same slot. An endpoint that
answers "too fast" anyway (another program shares the robot) is paused for the documented window
(`NUANQI_NOTIFY_THROTTLE_SECONDS`, ten minutes) and nothing is sent to it until then.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError
from django.db.models import F
from django.utils import timezone

from .models import ChannelConfig, ChannelKind, EndpointState

DEFAULT_RATE = {ChannelKind.DINGTALK: 20, ChannelKind.WECOM: 20}


def window_seconds() -> float:
    """The rate window, a tenth longer than documented, for an endpoint that counts in coarser steps."""
    return 1.1 * float(getattr(settings, "NUANQI_NOTIFY_RATE_WINDOW_SECONDS", 60))


def throttle_seconds() -> float:
    return float(getattr(settings, "NUANQI_NOTIFY_THROTTLE_SECONDS", 600))


def limit_for(channel: str) -> int:
    """Sends per window; 0 is no limit."""
    if channel == ChannelKind.EMAIL:
        return int(getattr(settings, "NUANQI_EMAIL_RATE_PER_MINUTE", 0))
    configured = ChannelConfig.objects.filter(kind=channel).values_list("rate_per_minute", flat=True).first()
    return configured or DEFAULT_RATE.get(channel, 0)  # type: ignore[call-overload]


def _state(channel: str) -> EndpointState:
    try:
        return EndpointState.objects.get_or_create(channel=channel)[0]
    except IntegrityError:  # another worker created it at the same moment
        return EndpointState.objects.get(channel=channel)


def take_slot(channel: str, now: datetime | None = None) -> datetime | None:
    """Spend one send of the endpoint's budget. None: go ahead. Otherwise the moment to try again."""
    now = now or timezone.now()
    limit = limit_for(channel)
    for _ in range(50):
        st = _state(channel)
        if st.paused_until and st.paused_until > now:
            return st.paused_until
        if limit <= 0:
            return None
        t = now.timestamp()
        stamps = [float(s) for s in st.stamps if float(s) > t - window_seconds()]
        if len(stamps) >= limit:
            free_at = stamps[len(stamps) - limit] + window_seconds()
            return datetime.fromtimestamp(free_at, tz=now.tzinfo) + timedelta(milliseconds=10)
        stamps.append(t)
        if EndpointState.objects.filter(pk=st.pk, version=st.version).update(
            stamps=stamps, version=F("version") + 1
        ):
            return None
    return now + timedelta(seconds=1)  # contended: try again shortly


def finished(channel: str, started: datetime, now: datetime | None = None) -> None:
    """Move a send's stamp from when it was allowed to when its answer came. The endpoint counted the
    request when it arrived, somewhere in between; counting from the answer keeps the next window clear of
    it however slow the network or the endpoint was."""
    t0, t1 = started.timestamp(), (now or timezone.now()).timestamp()
    if t1 <= t0:
        return
    for _ in range(50):
        st = EndpointState.objects.filter(channel=channel).first()
        if st is None:
            return
        stamps = [float(s) for s in st.stamps]
        if t0 not in stamps:
            return
        stamps[stamps.index(t0)] = t1
        if EndpointState.objects.filter(pk=st.pk, version=st.version).update(
            stamps=sorted(stamps), version=F("version") + 1
        ):
            return


def pause(channel: str, reason: str, seconds: float | None = None, now: datetime | None = None) -> datetime:
    """Pause the endpoint after a "too fast" answer; returns until when."""
    now = now or timezone.now()
    until = now + timedelta(seconds=throttle_seconds() if seconds is None else seconds)
    st = _state(channel)
    EndpointState.objects.filter(pk=st.pk).update(paused_until=until, pause_reason=reason[:300])
    return until
