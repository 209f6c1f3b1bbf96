"""Sending one message on one channel. Each sender raises `SendError` on failure; the outbox retries.

DingTalk robots sign with HMAC-SHA256 over "timestamp\\nsecret" (their documented 加签 scheme); WeCom robots
authenticate by the key in their URL; the generic SMS/HTTP hook gets an HMAC-SHA256 signature of
"timestamp.body" in `X-Nuanqi-Signature`, so the gateway can check the message came from us.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail

from .models import ChannelConfig, ChannelKind

TIMEOUT_SECONDS = 10


class SendError(Exception):
    pass


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    address: str  # e-mail address or mobile number
    case_number: str
    event_id: int
    delivery_id: int

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.body}" if self.body else self.title


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    raw = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(raw).decode())


def hook_signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _post_json(url: str, payload: dict[str, Any] | bytes, headers: dict[str, str] | None = None) -> bytes:
    data = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    req = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS) as resp:  # an admin-configured URL
            return bytes(resp.read())
    except urllib.error.HTTPError as exc:
        raise SendError(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise SendError(f"连接失败：{exc}") from None


def _robot_ok(raw: bytes) -> None:
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        raise SendError("机器人返回的不是 JSON") from None
    if answer.get("errcode", 0) != 0:
        raise SendError(f"机器人返回错误 {answer.get('errcode')}：{answer.get('errmsg', '')}")


def _config(kind: str) -> ChannelConfig:
    cfg = ChannelConfig.objects.filter(kind=kind, enabled=True).first()
    if cfg is None or not cfg.url:
        raise SendError("该渠道未配置或已停用")
    return cfg


def send_email(msg: Message) -> None:
    if not msg.address:
        raise SendError("收件人没有电子邮箱")
    sender = getattr(settings, "DEFAULT_FROM_EMAIL", "nuanqi@localhost")
    try:
        send_mail(msg.title, msg.body or msg.title, sender, [msg.address])
    except Exception as exc:  # any mail backend error is a failed attempt, retried later
        raise SendError(f"邮件发送失败：{exc}") from None


def send_dingtalk(msg: Message) -> None:
    cfg = _config(ChannelKind.DINGTALK)
    url = cfg.url
    if cfg.secret:
        ts = int(time.time() * 1000)
        url += ("&" if "?" in url else "?") + f"timestamp={ts}&sign={dingtalk_sign(cfg.secret, ts)}"
    payload = {
        "msgtype": "text",
        "text": {"content": msg.text},
        "at": {"atMobiles": [msg.address] if msg.address else []},
    }
    _robot_ok(_post_json(url, payload))


def send_wecom(msg: Message) -> None:
    cfg = _config(ChannelKind.WECOM)
    payload = {
        "msgtype": "text",
        "text": {"content": msg.text, "mentioned_mobile_list": [msg.address] if msg.address else []},
    }
    _robot_ok(_post_json(cfg.url, payload))


def send_sms(msg: Message) -> None:
    cfg = _config(ChannelKind.SMS)
    if not msg.address:
        raise SendError("收件人没有手机号")
    payload = {
        "phone": msg.address,
        "text": msg.text,
        "case": msg.case_number,
        "event": msg.event_id,
        "delivery": msg.delivery_id,
    }
    ts = str(int(time.time()))
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"X-Nuanqi-Timestamp": ts, "Idempotency-Key": f"nuanqi-{msg.delivery_id}"}
    if cfg.secret:
        headers["X-Nuanqi-Signature"] = hook_signature(cfg.secret, ts, body)
    _post_json(cfg.url, body, headers)


SENDERS = {
    ChannelKind.EMAIL: send_email,
    ChannelKind.DINGTALK: send_dingtalk,
    ChannelKind.WECOM: send_wecom,
    ChannelKind.SMS: send_sms,
}
