"""巡察 rounds, their inspection groups and the public notice's data.

The seed's notice (十四届区委第四轮第二批巡察): three groups, each with its target unit, a tip phone, an
e-mail, the postal address 定海区昌国路61号区委巡察办转区委第N巡察组 (316000), the acceptance dates and the
working hours. Everything on the notice is a field here, so the notice page and `GET /api/v1/tips/rounds`
are rendered from data.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from nuanqi.lib.cnnum import chinese_numeral

DEFAULT_SESSIONS = [["08:30", "12:00"], ["14:00", "17:00"]]

# 巡察工作条例: what a group takes tips on.
DEFAULT_SCOPE = (
    "主要受理反映被巡察党组织领导班子及其成员，近5年以来调离、退休、退二线的原领导班子成员，"
    "下一级党组织主要负责人和重要岗位领导干部问题的来信来电来访。"
    "重点是关于违反政治纪律、组织纪律、廉洁纪律、群众纪律、工作纪律和生活纪律等方面的举报和反映。"
)
DEFAULT_STANDING_CHANNEL = (
    "巡察受理期以外，请通过 12388 举报电话、12388 举报网站，或来信寄定海区纪委监委信访室反映。"
)


class Round(models.Model):
    """One round (and batch) of inspections: 十四届区委 第四轮 第二批."""

    term = models.CharField(_("届次"), max_length=20, help_text=_("如：十四届区委"))
    round_no = models.PositiveSmallIntegerField(_("轮次"))
    batch_no = models.PositiveSmallIntegerField(_("批次"), null=True, blank=True)
    window_start = models.DateField(_("受理开始日期"))
    window_end = models.DateField(_("受理截止日期"))
    # Working sessions on working days of the calendar in force (调休 included, holidays excluded).
    sessions = models.JSONField(_("受理时段"), default=list)
    scope = models.TextField(_("受理范围"), default=DEFAULT_SCOPE)
    standing_channel = models.TextField(_("常设举报渠道"), default=DEFAULT_STANDING_CHANNEL)
    published = models.BooleanField(_("已发布公告"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-window_start", "-id"]
        verbose_name = _("巡察轮次")
        verbose_name_plural = _("巡察轮次")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """十四届区委第四轮第二批巡察."""
        # Chinese counts rounds in Chinese numerals (第四轮), other languages in digits.
        chinese = (get_language() or "zh").startswith("zh")
        numeral = chinese_numeral if chinese else str
        batch = gettext("第%(n)s批") % {"n": numeral(self.batch_no)} if self.batch_no else ""
        round_no = numeral(self.round_no)
        return gettext("%(term)s第%(round)s轮%(batch)s巡察") % {
            "term": self.term,
            "round": round_no,
            "batch": batch,
        }

    def session_pairs(self) -> list[tuple[str, str]]:
        return [(str(a), str(b)) for a, b in (self.sessions or DEFAULT_SESSIONS)]

    @property
    def hours(self) -> list[str]:
        """["08:30-12:00", "14:00-17:00"]."""
        return [f"{a}-{b}" for a, b in self.session_pairs()]

    def is_open_on(self, day: date) -> bool:
        return self.window_start <= day <= self.window_end


class InspectionGroup(models.Model):
    """区委第一巡察组: its target units, its contact channels, its members."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="groups", verbose_name=_("轮次"))
    number = models.PositiveSmallIntegerField(_("组号"))
    name = models.CharField(_("组别"), max_length=40, blank=True, help_text=_("留空则为“区委第N巡察组”"))
    target_units = models.ManyToManyField(
        "accounts.Unit", related_name="inspection_groups", verbose_name=_("被巡察单位")
    )
    phone = models.CharField(_("举报电话"), max_length=20)
    email = models.EmailField(_("联系邮箱"), blank=True)
    postal_address = models.CharField(_("邮政邮箱"), max_length=120)
    postcode = models.CharField(_("邮政编码"), max_length=6)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="GroupMember", related_name="inspection_groups", blank=True
    )

    class Meta:
        ordering: ClassVar = ["round_id", "number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["round", "number"], name="uniq_group_number"),
        ]
        verbose_name = _("巡察组")
        verbose_name_plural = _("巡察组")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.name or f"区委第{chinese_numeral(self.number)}巡察组"


class GroupMember(models.Model):
    LEADER = "leader"
    MEMBER = "member"

    group = models.ForeignKey(InspectionGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(
        _("职务"), max_length=10, choices=[(LEADER, _("组长")), (MEMBER, _("组员"))], default=MEMBER
    )

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint(fields=["group", "user"], name="uniq_group_member")]
        verbose_name = _("巡察组成员")
        verbose_name_plural = _("巡察组成员")

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        # A member may not inspect his own unit: the tips name its leaders (巡察工作条例, 回避).
        unit_id = getattr(self.user, "unit_id", None) if self.user_id else None
        if unit_id and self.group_id and self.group.target_units.filter(pk=unit_id).exists():
            raise ValidationError(_("该成员所在单位是本组的被巡察单位，须回避，不能加入本组"))


class Discipline(models.TextChoices):
    """The six disciplines of the 中国共产党纪律处分条例 a tip may concern."""

    POLITICAL = "political", _("政治纪律")
    ORGANISATIONAL = "organisational", _("组织纪律")
    INTEGRITY = "integrity", _("廉洁纪律")
    MASSES = "masses", _("群众纪律")
    WORK = "work", _("工作纪律")
    LIFE = "life", _("生活纪律")


class TipChannel(models.TextChoices):
    ONLINE = "online", _("网上举报")
    PHONE = "phone", _("电话")
    LETTER = "letter", _("来信")
    EMAIL = "email", _("电子邮件")
    VISIT = "visit", _("来访")


class MemberKey(models.Model):
    """A group member's X25519 key pair: the public key in clear, the private key wrapped with a key derived
    from the member's password (Argon2id), so the database alone opens nothing (docs/tips-keys.md)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tip_key")
    public_key = models.BinaryField()
    wrapped_private = models.BinaryField()
    salt = models.BinaryField()
    opslimit = models.PositiveIntegerField()
    memlimit = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    # When the password no longer opened the private key (an admin's reset) and a new pair was made.
    reset_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("巡察组成员密钥")
        verbose_name_plural = _("巡察组成员密钥")


class Tip(models.Model):
    """A tip's metadata in clear (what routing, clocks and counts need); its content, messages, files and the
    reporter's identity are ciphertext: the case's `sealed`, `TipMessage`, `TipFile`, `identity`."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="tip")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="tips")
    group = models.ForeignKey(InspectionGroup, on_delete=models.PROTECT, related_name="tips")
    target_unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    disciplines = models.JSONField(default=list)
    named = models.BooleanField(_("实名"), default=False)
    channel = models.CharField(
        _("来源"), max_length=10, choices=TipChannel.choices, default=TipChannel.ONLINE
    )
    # The tip key wrapped with the filer's receipt key (cases.public.receipt_secrets): the filer's way in.
    receipt_share = models.BinaryField(null=True, blank=True)
    # The reporter's name and phone under the identity key, which is sealed to the group leader (and escrow).
    identity = models.BinaryField(null=True, blank=True)
    # False once transferred as out of scope (转办); the in-scope share of the figures.
    in_scope = models.BooleanField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-id"]
        indexes: ClassVar = [models.Index(fields=["group", "-id"], name="tip_group_recent")]
        verbose_name = _("举报")
        verbose_name_plural = _("举报")

    def discipline_labels(self) -> list[str]:
        return [str(Discipline(d).label) for d in self.disciplines if d in Discipline.values]


class TipShare(models.Model):
    """A tip's key (or its identity key) sealed to one member's public key, or to the escrow key (user
    null). `public_key` records which key: after a password reset the old shares are dead."""

    CONTENT = "content"
    IDENTITY = "identity"

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=10, choices=[(CONTENT, _("内容")), (IDENTITY, _("身份"))])
    public_key = models.BinaryField()
    sealed = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["user", "purpose"], name="tipshare_user")]


class TipMessage(models.Model):
    FROM_PUBLIC = "in"
    TO_PUBLIC = "out"

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=[(FROM_PUBLIC, _("举报人")), (TO_PUBLIC, _("巡察组"))])
    sealed = models.BinaryField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["id"]


class TipFile(models.Model):
    """A file of a tip, encrypted with the tip key before it reaches the disk; its name too."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="files")
    message = models.ForeignKey(TipMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    sealed_name = models.BinaryField()
    blob = models.FileField(upload_to="tips/")
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)


class TipRead(models.Model):
    """Every read of a tip's content, identity or files: who, when, what (the group leader's log)."""

    CONTENT = "content"
    IDENTITY = "identity"
    FILE = "file"
    WHAT = [(CONTENT, _("内容")), (IDENTITY, _("举报人身份")), (FILE, _("附件"))]

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    what = models.CharField(max_length=10, choices=WHAT)
    detail = models.CharField(max_length=100, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-at", "-id"]
