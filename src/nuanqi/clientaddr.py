"""The client's address, the one every throttle in the product keys on.

Behind a reverse proxy every request comes from the proxy. Only when the direct peer (`REMOTE_ADDR`) is one of
`NUANQI_TRUSTED_PROXIES` (addresses or networks, comma-separated) is `X-Forwarded-For` believed, and then read
from the right: each trusted proxy appends the address it received from, so the right-most entry that is not
one of our proxies is the client — whatever a client wrote into the header itself sits further left and is
ignored. Anyone else gets the socket's address, whatever headers it sends.

django-ipware's trusted-proxy option expects our proxies to appear inside the header itself; a proxy in
front of gunicorn is the socket's peer instead, so the rule is applied here directly (standard library only).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(t, strict=False) for t in trusted)


def _is_trusted(address: str, trusted: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _networks(trusted))


def client_address(request: HttpRequest) -> str:
    peer = str(request.META.get("REMOTE_ADDR", "") or "")
    trusted = tuple(getattr(settings, "NUANQI_TRUSTED_PROXIES", ()) or ())
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = [h.strip() for h in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if h.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a malformed chain: fall back to the proxy itself rather than trust any of it
        if not _is_trusted(hop, trusted):
            return hop
    return peer
