"""The outbox: one Delivery per (timeline event, recipient, channel), and what people and admins configure."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    IN_APP = "in_app", _("站内通知")
    EMAIL = "email", _("电子邮件")
    DINGTALK = "dingtalk", _("钉钉机器人")
    WECOM = "wecom", _("企业微信机器人")
    SMS = "sms", _("短信/HTTP 接口")


# Channels a person may switch on; in-app notifications are always on.
OPTIONAL_CHANNELS = (ChannelKind.EMAIL, ChannelKind.DINGTALK, ChannelKind.WECOM, ChannelKind.SMS)


class ChannelConfig(models.Model):
    """An external channel the admin configured: a robot webhook (with its signing secret) or an SMS hook."""

    kind = models.CharField(_("渠道"), max_length=12, choices=ChannelKind.choices, unique=True)
    enabled = models.BooleanField(_("启用"), default=True)
    url = models.URLField(_("Webhook 地址"), max_length=500, blank=True)
    secret = models.CharField(_("签名密钥"), max_length=200, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    # Posts a minute to this endpoint; 0 means the channel's documented default (robots: 20).
    rate_per_minute = models.PositiveIntegerField(_("每分钟上限"), default=0)

    class Meta:
        verbose_name = _("通知渠道")
        verbose_name_plural = _("通知渠道")

    def __str__(self) -> str:
        return self.get_kind_display()


class Preference(models.Model):
    """A person's choice of an optional channel, with the address to use (e-mail, mobile number)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_prefs")
    channel = models.CharField(_("渠道"), max_length=12, choices=ChannelKind.choices)
    enabled = models.BooleanField(_("启用"), default=True)
    address = models.CharField(_("地址/手机号"), max_length=200, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "channel"], name="uniq_notify_pref"),
        ]
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")


class EndpointState(models.Model):
    """What every worker must know of one endpoint (a robot, the SMS gateway, the mail server): its recent
    sends, for the rate limit, and a pause after it answered "too fast". Kept in the database so that several
    workers share one budget."""

    channel = models.CharField(max_length=12, choices=ChannelKind.choices, unique=True)
    # Epoch seconds of the sends inside the current rate window, oldest first.
    stamps = models.JSONField(default=list)
    # Compare-and-swap guard of `stamps`.
    version = models.PositiveIntegerField(default=0)
    paused_until = models.DateTimeField(null=True, blank=True)
    pause_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("渠道状态")
        verbose_name_plural = _("渠道状态")

    def __str__(self) -> str:
        return self.channel


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    CLAIMED = "claimed", _("发送中")
    SENT = "sent", _("已送达")
    DEAD = "dead", _("发送失败")


class Delivery(models.Model):
    # No database constraint: the timeline is append-only and its own audit detects a removed row; a
    # delivery must not make the audit's evidence (or a tampering test) impossible to produce.
    event = models.ForeignKey(
        "cases.Event", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("渠道"), max_length=12, choices=ChannelKind.choices)
    address = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    case_number = models.CharField(_("事项编号"), max_length=20)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A claim is a lease: a worker that dies after claiming leaves the row to be claimed again once the
    # lease has run out, so nothing is lost.
    lease_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-id"]
        constraints: ClassVar = [
            # Never twice for one event: the fan-out may run again (a retry, a replay) without duplicates.
            models.UniqueConstraint(fields=["event", "recipient", "channel"], name="uniq_delivery"),
        ]
        indexes: ClassVar = [
            # The worker's claim query: due pending rows, oldest first.
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            # The bell: a person's unread in-app notifications.
            models.Index(fields=["recipient", "channel", "read_at"], name="delivery_bell"),
        ]
        verbose_name = _("通知投递")
        verbose_name_plural = _("通知投递")

    def __str__(self) -> str:
        return f"{self.title} → {self.recipient} ({self.channel})"
