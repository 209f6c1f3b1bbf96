"""A real local HTTP endpoint for webhook tests: it records every request and can fail the first N."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from .fakes import Fake, serve


@dataclass
class Endpoint:
    url: str
    fail_first: int = 0
    # Hold the first request without answering until `release` is set (a worker killed mid-send).
    hang_first: bool = False
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Event = field(default_factory=threading.Event)
    answer: dict[str, Any] = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def received(self) -> list[dict[str, Any]]:
        """Requests that were answered with success."""
        return [r for r in self.requests if r["ok"]]


@pytest.fixture(autouse=True)
def _notices_due_at_once(settings):
    """Robot notices are normally held a few seconds to be combined; tests that want that set it."""
    settings.NUANQI_NOTIFY_COMBINE_SECONDS = 0


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    state: dict[str, Endpoint] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            ep = state["ep"]
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with ep.lock:
                first = not ep.requests
                failing = len(ep.requests) < ep.fail_first or (first and ep.hang_first)
                ep.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "json": json.loads(body),
                        "ok": not failing,
                    }
                )
            ep.arrived.set()
            if first and ep.hang_first:
                # Never acknowledged: the sender died waiting, so for it this message was not delivered.
                ep.release.wait(30)
                return
            if failing:
                self.send_response(503)
                self.end_headers()
                return
            out = json.dumps(ep.answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["ep"] = Endpoint(url=f"http://127.0.0.1:{server.server_address[1]}/robot/send?access_token=t")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state["ep"]
    state["ep"].release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake() -> Iterator[Any]:
    """A factory of fake robots and gateways: `fake("wecom", limit=20, window=0.5)`."""
    servers: list[tuple[Fake, ThreadingHTTPServer]] = []

    def make(flavour: str, **behaviour: Any) -> Fake:
        f = Fake(flavour, **behaviour)
        servers.append((f, serve(f)))
        return f

    yield make
    for f, server in servers:
        f.release.set()
        server.shutdown()
        server.server_close()
