"""The directory: units, people and their roles. Knows nothing of cases."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("管理员")
    LEADER = "leader", _("领导")
    DISPATCHER = "dispatcher", _("受理派单员")
    COMMISSIONER = "commissioner", _("暖企专员")
    HANDLER = "handler", _("单位经办人")
    ENTERPRISE = "enterprise", _("企业联系人")
    POINT_LEADER = "point_leader", _("点位长")
    PATROLLER = "patroller", _("巡查员")
    INSPECTOR = "inspector", _("巡察组成员")
    CONSULT_STAFF = "consult_staff", _("政协工作人员")
    PUBLIC = "public", _("公众")


EXTERNAL_ROLES = frozenset({Role.ENTERPRISE, Role.PUBLIC})


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("部门")
    TOWN = "town", _("镇街")
    COMMUNITY = "community", _("社区")
    BANK = "bank", _("银行")
    TASKFORCE = "taskforce", _("专班")
    INSPECTION_GROUP = "inspection_group", _("巡察组")
    OFFICE = "office", _("办公室")
    ENTERPRISE = "enterprise", _("企业")
    OTHER = "other", _("其他")


class Unit(models.Model):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices, default=UnitKind.DEPARTMENT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    in_district = models.BooleanField(_("区内单位"), default=True)
    region_code = models.CharField(_("行政区划代码"), max_length=12, default="330902")
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering: ClassVar = ["sort", "name"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name


class User(AbstractUser):
    """A person. The profile (name, phone, unit) lives on the user itself."""

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机"), max_length=20, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    title = models.CharField(_("职务"), max_length=60, blank=True)

    objects: ClassVar[UserManager[User]] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self) -> str:
        return self.display_name or self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        """The roles granted (and admin for a superuser), read once per instance: one statement compiled
        once per process (every page asks)."""
        if not self.pk:
            return frozenset()
        return self._roles_of(r[0] for r in _granted_roles().rows(user_id=self.pk))

    def _roles_of(self, granted: Iterable[str]) -> frozenset[str]:
        found = frozenset(granted)
        return found | {Role.ADMIN} if self.is_superuser else found

    def set_granted_roles(self, granted: Iterable[str]) -> None:
        """`roles` from the grants read in the statement that loaded this person (the bearer token's,
        `nuanqi.api.BearerToken`), instead of a statement of its own on first use. For this request only:
        the instance is not kept beyond it."""
        self.__dict__["roles"] = self._roles_of(granted)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_external(self) -> bool:
        """A company contact, a member of the public or a person with no role: outside the administration.
        Internal lists and pages answer them 404; they file requests the office triages."""
        return self.roles <= EXTERNAL_ROLES

    @property
    def sees_everything(self) -> bool:
        """Office staff and leaders read every case of the list engine."""
        return self.has_role(Role.ADMIN, Role.LEADER, Role.DISPATCHER)


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint(fields=["user", "role"], name="uniq_user_role")]
        indexes: ClassVar = [
            # Everyone holding a role (the office's dispatchers to notify of a new case).
            models.Index(fields=["role", "user"], name="role_grant_role"),
        ]
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")


# Database vendor → the compiled read of a person's grants.
_GRANTED_ROLES: dict[str, Any] = {}


def _granted_roles() -> Any:
    """A person's granted roles, `lib.compiled.CompiledQuery` (parameter `user_id`)."""
    from django.db import connection

    from nuanqi.lib.compiled import CompiledQuery

    found = _GRANTED_ROLES.get(connection.vendor)
    if found is None:

        def build(user_id: int) -> models.QuerySet[Any]:
            return RoleGrant.objects.filter(user_id=user_id).values_list("role")

        a, b = {"user_id": -(2**40)}, {"user_id": -(2**40) - 1}
        found = _GRANTED_ROLES[connection.vendor] = CompiledQuery(build, a, b)
    return found


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token. Only the SHA-256 of the token is stored; the token itself is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=60, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    @property
    def expired(self) -> bool:
        """Unused for `NUANQI_TOKEN_IDLE_DAYS` (counted from its last use, or its creation)."""
        from django.conf import settings

        days = settings.NUANQI_TOKEN_IDLE_DAYS
        last = self.last_used_at or self.created_at
        return bool(days) and (timezone.now() - last).days >= days

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple[ApiToken, str]:
        raw = "nq_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=hash_token(raw), prefix=raw[:8])
        return token, raw


class SettingChange(models.Model):
    """One change an office made to the platform's settings outside the case timeline (a category, a time
    limit …): who, when, what, and the old → new values. Written by the writer of that setting, in the same
    transaction as the change; append-only like the timeline."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=100)
    subject = models.CharField(max_length=40)  # "category", "sla_policy" …
    object_id = models.PositiveBigIntegerField()
    label = models.CharField(max_length=200)
    action = models.CharField(max_length=20)  # "create" or "update"
    changes = models.JSONField(default=dict)

    class Meta:
        ordering: ClassVar = ["-at", "-id"]
        indexes: ClassVar = [
            # The change history of one object on its edit page.
            models.Index(fields=["subject", "object_id", "-at"], name="setting_change_object"),
        ]
        verbose_name = _("设置变更记录")
        verbose_name_plural = _("设置变更记录")


def record_setting_change(
    actor: User, subject: str, obj: models.Model, label: str, action: str, changes: dict[str, Any]
) -> SettingChange:
    """The audit row of one settings change (call inside the writer's transaction)."""
    return SettingChange.objects.create(
        actor=actor,
        actor_name=str(actor)[:100],
        subject=subject,
        object_id=obj.pk,
        label=label[:200],
        action=action,
        changes=changes,
    )
