"""Fake DingTalk and WeCom group robots and a fake SMS gateway on loopback that behave as documented:

- robots take `limit` posts per `window` seconds (a sliding window), then refuse every post for `throttle`
  seconds with HTTP 200 and their "too fast" errcode (DingTalk 410100, WeCom 45009);
- a robot refuses an oversize text (DingTalk 460101 beyond 20,000 bytes; WeCom 40058 beyond 2,048);
- DingTalk checks its 加签 signature (310000 when wrong); WeCom checks the key in its URL (93000);
- the SMS gateway sends each `Idempotency-Key` once and answers a repeated key with success (the contract of
  docs/notify-sms.md); it can take `delay` seconds a message;
- any of them can answer 302, or accept the connection and never answer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

THROTTLED = {"dingtalk": 410100, "wecom": 45009}
TOO_LONG = {"dingtalk": (20_000, 460101), "wecom": (2_048, 40058)}


@dataclass
class Fake:
    flavour: str  # dingtalk | wecom | sms
    url: str = ""
    limit: int = 0  # posts per window; 0: no limit
    window: float = 60.0
    throttle: float = 600.0
    secret: str = ""
    key: str = "good-key"
    delay: float = 0.0
    status: int = 200  # the SMS gateway's HTTP status
    redirect_to: str = ""
    silent: bool = False
    hang_after_processing: bool = False  # process the first message, then never answer it
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Event = field(default_factory=threading.Event)
    requests: list[dict[str, Any]] = field(default_factory=list)  # everything that arrived, with the answer
    delivered: list[dict[str, Any]] = field(default_factory=list)  # what reached people
    lock: threading.Lock = field(default_factory=threading.Lock)
    _stamps: deque[float] = field(default_factory=deque)
    _throttled_until: float = 0.0
    _keys: set[str] = field(default_factory=set)

    def refusals(self, errcode: int) -> int:
        return sum(1 for r in self.requests if r["answer"].get("errcode") == errcode)

    def _robot(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        query = urllib.parse.parse_qs(urllib.parse.urlparse(path).query)
        if self.flavour == "wecom" and query.get("key", [""])[0] != self.key:
            return {"errcode": 93000, "errmsg": "invalid webhook url"}
        if self.flavour == "dingtalk" and self.secret:
            ts = query.get("timestamp", [""])[0]
            good = base64.b64encode(
                hmac.new(self.secret.encode(), f"{ts}\n{self.secret}".encode(), hashlib.sha256).digest()
            ).decode()
            if query.get("sign", [""])[0] != good:
                return {"errcode": 310000, "errmsg": "sign not match"}
        now = time.monotonic()
        if now < self._throttled_until:
            return {"errcode": THROTTLED[self.flavour], "errmsg": "send too fast"}
        while self._stamps and self._stamps[0] <= now - self.window:
            self._stamps.popleft()
        if self.limit and len(self._stamps) >= self.limit:
            self._throttled_until = now + self.throttle
            return {"errcode": THROTTLED[self.flavour], "errmsg": "send too fast"}
        self._stamps.append(now)
        size, code = TOO_LONG[self.flavour]
        if len(payload["text"]["content"].encode()) > size:
            return {"errcode": code, "errmsg": "content exceed max length"}
        self.delivered.append(payload)
        return {"errcode": 0, "errmsg": "ok"}

    def _sms(self, headers: dict[str, str], payload: dict[str, Any]) -> dict[str, Any]:
        if self.status != 200:
            return {"ok": False}
        key = headers.get("Idempotency-Key", "")
        if key and key in self._keys:
            return {"ok": True, "duplicate": True}
        self._keys.add(key)
        self.delivered.append(payload)
        return {"ok": True}


def serve(fake: Fake) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            fake.arrived.set()
            if fake.silent:
                fake.release.wait(30)
                return
            if fake.redirect_to:
                with fake.lock:
                    fake.requests.append({"path": self.path, "answer": {"status": 302}})
                self.send_response(302)
                self.send_header("Location", fake.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if fake.delay:
                time.sleep(fake.delay)
            payload = json.loads(body)
            with fake.lock:
                first = not fake.requests
                if fake.flavour == "sms":
                    answer = fake._sms(dict(self.headers), payload)
                else:
                    answer = fake._robot(self.path, payload)
                fake.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "json": payload, "answer": answer}
                )
            if first and fake.hang_after_processing:
                fake.release.wait(30)  # the sender dies waiting for the answer
                return
            out = json.dumps(answer).encode()
            self.send_response(fake.status if fake.flavour == "sms" else 200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    fake.url = {
        "dingtalk": f"http://127.0.0.1:{port}/robot/send?access_token=t",
        "wecom": f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key={fake.key}",
        "sms": f"http://127.0.0.1:{port}/sms",
    }[fake.flavour]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
