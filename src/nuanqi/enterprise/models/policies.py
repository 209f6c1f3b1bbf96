"""惠企政策: the library, structured eligibility, computed matches, and applications (applied → granted)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .core import Company


class Level(models.TextChoices):
    NATIONAL = "national", _("国家")
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    DISTRICT = "district", _("区")


class Policy(models.Model):
    title = models.CharField(_("政策名称"), max_length=200)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices, default=Level.DISTRICT)
    issuer = models.CharField(_("发文单位"), max_length=100, blank=True)
    doc_number = models.CharField(_("文号"), max_length=100, blank=True)
    valid_from = models.DateField(_("有效期起"), null=True, blank=True)
    valid_to = models.DateField(_("有效期止"), null=True, blank=True)
    deadline = models.DateField(_("申报截止"), null=True, blank=True)
    benefit = models.TextField(_("扶持内容"), blank=True)
    max_amount = models.DecimalField(
        _("最高金额(万元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    auto_grant = models.BooleanField(_("免申即享"), default=False)
    # Eligibility: every non-empty criterion must hold. Lists are "any of"; tags are "all of".
    industries = models.JSONField(_("适用行业"), default=list, blank=True)  # ["C", "C27"]
    scales = models.JSONField(_("适用规模"), default=list, blank=True)  # ["large", "medium"]
    above_scale_only = models.BooleanField(_("仅限规上企业"), default=False)
    towns = models.JSONField(_("适用镇街"), default=list, blank=True)  # ["白泉镇"]
    tags = models.JSONField(_("须具备标签"), default=list, blank=True)  # ["高新技术企业"]
    # [{"metric": "output", "op": ">=", "value": 2000}] on the company's latest yearly figures.
    thresholds = models.JSONField(_("指标门槛"), default=list, blank=True)
    active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-id"]
        verbose_name = _("惠企政策")
        verbose_name_plural = _("惠企政策")

    def __str__(self) -> str:
        return self.title


class PolicyMatch(models.Model):
    """A company eligible for a policy, with the reasons in words. Recomputed wholesale by the matcher."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="matches")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="policy_matches")
    reasons = models.CharField(_("匹配理由"), max_length=400)
    matched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["policy", "company"], name="uniq_policy_match"),
        ]
        indexes: ClassVar = [
            # A company's matched policies (company page, the commissioner's list).
            models.Index(fields=["company"], name="policy_match_company"),
        ]
        verbose_name = _("政策匹配")
        verbose_name_plural = _("政策匹配")


class ApplicationStatus(models.TextChoices):
    PUSHED = "pushed", _("已推送")
    APPLIED = "applied", _("已申报")
    GRANTED = "granted", _("已兑现")
    REFUSED = "refused", _("未获批")


class PolicyApplication(models.Model):
    """One company's way through one policy: pushed → applied → granted (amount) or refused."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="applications")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="policy_applications")
    status = models.CharField(
        _("状态"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.PUSHED
    )
    applied_on = models.DateField(_("申报日期"), null=True, blank=True)
    granted_on = models.DateField(_("兑现日期"), null=True, blank=True)
    amount = models.DecimalField(_("兑现金额(万元)"), max_digits=14, decimal_places=2, null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["policy", "company"], name="uniq_policy_application"),
        ]
        verbose_name = _("政策申报")
        verbose_name_plural = _("政策申报")
