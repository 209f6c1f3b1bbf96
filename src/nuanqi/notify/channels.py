"""Sending one post on one channel, and telling its answer apart: delivered (the sender returns the
server's answer), passing (`SendError`, retried with backoff), permanent (`SendError(permanent=True)`, dead
at once with its reason) or "too fast" (`SendError(throttled=…)`: the whole endpoint pauses, the notices
keep their retries).

A post carries one notice, or several for one group robot (see `posts.py`). DingTalk robots sign with
HMAC-SHA256 over "timestamp\\nsecret" (their documented 加签 scheme); WeCom robots authenticate by the key in
their URL; the generic SMS/HTTP hook gets an HMAC-SHA256 signature of "timestamp.body" in
`X-Nuanqi-Signature` and an `Idempotency-Key` (the contract is in docs/notify-sms.md).
A POST is never redirected: a 3xx is a permanent failure that names its `Location`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from .models import ChannelConfig, ChannelKind

TIMEOUT_SECONDS = 10.0

# Robots answer HTTP 200 with an errcode. Documented codes that retrying cannot cure, and "too fast".
DINGTALK_THROTTLED = {410100, 130101}
DINGTALK_PERMANENT = {
    310000: "安全设置校验失败（关键词、IP 或签名）",
    300001: "机器人 access_token 无效",
    300005: "机器人 access_token 不存在",
    400013: "机器人所在群已解散",
    460101: "消息超过 20000 字节",
}
WECOM_THROTTLED = {45009}
WECOM_PERMANENT = {
    93000: "机器人 Webhook 地址无效",
    93004: "机器人已被停用",
    40008: "消息类型无效",
    40058: "消息内容超长或参数无效",
}


class SendError(Exception):
    """A failed send. `permanent`: retrying cannot help. `throttled`: the endpoint said "too fast"; pause it
    for that many seconds (None: the configured throttle window)."""

    def __init__(self, reason: str, *, permanent: bool = False, throttled: float | bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent
        self.throttled = throttled is not False
        self.pause_seconds = None if isinstance(throttled, bool) else float(throttled)


@dataclass(frozen=True)
class Notice:
    title: str
    body: str
    address: str  # e-mail address or mobile number
    case_number: str
    event_id: int
    delivery_id: int


@dataclass(frozen=True)
class Post:
    """What one request carries: the text already within the channel's limits, the people to @-mention."""

    channel: str
    notices: tuple[Notice, ...]
    text: str

    @property
    def first(self) -> Notice:
        return self.notices[0]

    @property
    def mentions(self) -> list[str]:
        return sorted({n.address for n in self.notices if n.address})

    @property
    def key(self) -> str:
        """The idempotency key: the same for every attempt of the same notices."""
        return "nuanqi-" + "-".join(str(n.delivery_id) for n in self.notices)


def send_timeout() -> float:
    return float(getattr(settings, "NUANQI_NOTIFY_SEND_TIMEOUT_SECONDS", TIMEOUT_SECONDS))


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    raw = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(raw).decode())


def hook_signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx surfaces as an HTTPError below


_opener = urllib.request.build_opener(_NoRedirect)


def _retry_after(value: str | None) -> float | bool:
    try:
        return max(0.0, float(value or ""))
    except ValueError:
        return True


def _post_json(url: str, payload: dict[str, Any] | bytes, headers: dict[str, str] | None = None) -> bytes:
    data = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    req = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )
    try:
        with _opener.open(req, timeout=send_timeout()) as resp:  # an admin-configured URL
            return bytes(resp.read())
    except urllib.error.HTTPError as exc:
        code = exc.code
        if 300 <= code < 400:
            where = exc.headers.get("Location", "") if exc.headers else ""
            raise SendError(
                f"HTTP {code}：重定向到 {where or '（未给出）'}，POST 不跟随重定向", permanent=True
            ) from None
        if code == 429:
            raise SendError(
                "HTTP 429：发送过快", throttled=_retry_after(exc.headers.get("Retry-After"))
            ) from None
        if 400 <= code < 500 and code != 408:
            raise SendError(f"HTTP {code}：请求被拒绝", permanent=True) from None
        raise SendError(f"HTTP {code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SendError(f"连接失败：{reason}") from None


def _robot_answer(raw: bytes, throttled: set[int], permanent: dict[int, str]) -> str:
    try:
        answer = json.loads(raw or b"{}")
        code = int(answer.get("errcode", 0))
    except (ValueError, TypeError, AttributeError):
        raise SendError("机器人返回的不是 JSON") from None
    message = f"errcode {code}：{answer.get('errmsg', '')}"
    if code == 0:
        return message
    if code in throttled:
        raise SendError(f"机器人限流（{message}）", throttled=True)
    if code in permanent:
        raise SendError(f"{permanent[code]}（{message}）", permanent=True)
    raise SendError(f"机器人返回错误 {message}")


def _config(kind: str) -> ChannelConfig:
    cfg = ChannelConfig.objects.filter(kind=kind, enabled=True).first()
    if cfg is None or not cfg.url:
        raise SendError("该渠道未配置或已停用", permanent=True)
    return cfg


def _smtp_failure(exc: Exception) -> SendError:
    code = 0
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [c for c, _ in exc.recipients.values()]
        code = min(codes) if codes else 0
    elif isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
    permanent = 500 <= code < 600
    return SendError(f"邮件发送失败：{exc}", permanent=permanent)


def send_email(post: Post) -> str:
    n = post.first
    if not n.address:
        raise SendError("收件人没有电子邮箱", permanent=True)
    sender = getattr(settings, "DEFAULT_FROM_EMAIL", "nuanqi@localhost")
    domain = sender.rpartition("@")[2] or "localhost"
    # A stable Message-ID: mail archives and clients that dedupe by it show a repeated send once.
    mail = EmailMessage(
        n.title, post.text, sender, [n.address], headers={"Message-ID": f"<{post.key}@{domain}>"}
    )
    try:
        with get_connection(fail_silently=False) as backend:
            backend.send_messages([mail])
            answer = getattr(backend, "last_answer", lambda: "")()
    except (smtplib.SMTPException, OSError) as exc:
        raise _smtp_failure(exc) from None
    except UnicodeError as exc:  # e.g. a password smtplib cannot send: a setting to fix, not a retry
        raise SendError(f"邮件设置有误：{exc}", permanent=True) from None
    return answer or "已交给邮件后端"


def send_dingtalk(post: Post) -> str:
    cfg = _config(ChannelKind.DINGTALK)
    url = cfg.url
    if cfg.secret:
        ts = int(time.time() * 1000)
        url += ("&" if "?" in url else "?") + f"timestamp={ts}&sign={dingtalk_sign(cfg.secret, ts)}"
    payload = {"msgtype": "text", "text": {"content": post.text}, "at": {"atMobiles": post.mentions}}
    return _robot_answer(_post_json(url, payload), DINGTALK_THROTTLED, DINGTALK_PERMANENT)


def send_wecom(post: Post) -> str:
    cfg = _config(ChannelKind.WECOM)
    payload = {"msgtype": "text", "text": {"content": post.text, "mentioned_mobile_list": post.mentions}}
    return _robot_answer(_post_json(cfg.url, payload), WECOM_THROTTLED, WECOM_PERMANENT)


def send_sms(post: Post) -> str:
    cfg = _config(ChannelKind.SMS)
    n = post.first
    if not n.address:
        raise SendError("收件人没有手机号", permanent=True)
    payload = {
        "phone": n.address,
        "text": post.text,
        "case": n.case_number,
        "event": n.event_id,
        "delivery": n.delivery_id,
    }
    ts = str(int(time.time()))
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"X-Nuanqi-Timestamp": ts, "Idempotency-Key": post.key}
    if cfg.secret:
        headers["X-Nuanqi-Signature"] = hook_signature(cfg.secret, ts, body)
    raw = _post_json(cfg.url, body, headers)
    return raw[:200].decode(errors="replace") or "HTTP 2xx"


SENDERS = {
    ChannelKind.EMAIL: send_email,
    ChannelKind.DINGTALK: send_dingtalk,
    ChannelKind.WECOM: send_wecom,
    ChannelKind.SMS: send_sms,
}
