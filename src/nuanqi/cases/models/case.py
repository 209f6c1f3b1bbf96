"""The list engine's tables: categories, SLA policies, cases, co-handling tasks and the timeline."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..kinds import kind_choices, kind_label, phase_of, status_choices, status_label
from .choices import (
    AppealState,
    Channel,
    ClockMode,
    CountFrom,
    Importance,
    Kind,
    Nature,
    Priority,
    Satisfaction,
    Status,
    TaskStatus,
    Urgency,
)


class Category(models.Model):
    """Two levels per kind: a 大类 (parent is null) and its 小项."""

    kind = models.CharField(_("类别"), max_length=20, choices=kind_choices, default=Kind.REQUEST)
    name = models.CharField(_("名称"), max_length=60)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("大类"),
    )
    sort = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering: ClassVar = ["kind", "sort", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["kind", "parent", "name"], name="uniq_category_name"),
            models.UniqueConstraint(
                fields=["kind", "name"],
                condition=models.Q(parent__isnull=True),
                name="uniq_top_category_name",
            ),
        ]
        verbose_name = _("分类")
        verbose_name_plural = _("分类")

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id and self.parent else self.name

    @property
    def top(self) -> Category:
        return self.parent if self.parent_id and self.parent else self


class SlaPolicy(models.Model):
    """Time limits per kind × nature × priority; the most specific matching row wins."""

    kind = models.CharField(_("类别"), max_length=20, choices=kind_choices, default=Kind.REQUEST)
    nature = models.CharField(_("性质"), max_length=20, choices=Nature.choices, blank=True)
    priority = models.PositiveSmallIntegerField(_("优先级"), choices=Priority.choices, null=True, blank=True)
    sign_hours = models.DecimalField(_("签收时限(工作小时)"), max_digits=6, decimal_places=2, default=2)
    contact_hours = models.DecimalField(
        _("首次联系时限(工作小时)"), max_digits=6, decimal_places=2, default=4
    )
    resolve_days = models.PositiveIntegerField(_("办结时限(工作日)"), default=5)
    resolve_hours = models.PositiveIntegerField(
        _("办结时限(自然小时)"), null=True, blank=True, help_text=_("仅自然时间(7×24)模式使用")
    )
    count_from = models.CharField(
        _("起算"), max_length=10, choices=CountFrom.choices, default=CountFrom.NEXT_DAY
    )
    clock = models.CharField(
        _("计时方式"), max_length=10, choices=ClockMode.choices, default=ClockMode.WORKING
    )
    note = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["kind", "nature", "priority"], name="uniq_sla_policy"),
        ]
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.nature or '*'} P{self.priority or '*'}"


class NumberCounter(models.Model):
    """The next human number per prefix and year; incremented under a row lock."""

    prefix = models.CharField(max_length=4)
    year = models.PositiveIntegerField()
    value = models.PositiveIntegerField(default=0)
    # HMAC of (prefix, year, value) with the audit key: numbers are gap-free, so a deleted case is a missing
    # number, and the newest one's deletion cannot be hidden by lowering the counter without the key.
    mac = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["prefix", "year"], name="uniq_number_counter")
        ]


class Case(models.Model):
    number = models.CharField(_("编号"), max_length=20, unique=True)
    kind = models.CharField(_("类别"), max_length=20, choices=kind_choices)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("内容"), blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("分类"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    nature = models.CharField(_("性质"), max_length=20, choices=Nature.choices, default=Nature.HELP)
    channel = models.CharField(
        _("渠道"), max_length=20, choices=Channel.choices, default=Channel.COMPANY_REQUEST
    )
    # Requester and subject are generic references ("company", 12) so that the engine stays below the
    # modules that define companies, points and projects; modules register their types in cases.subjects.
    requester_type = models.CharField(max_length=20, blank=True)
    requester_id = models.BigIntegerField(null=True, blank=True)
    requester_name = models.CharField(_("诉求人"), max_length=100, blank=True)
    requester_phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    subject_type = models.CharField(max_length=20, blank=True)
    subject_id = models.BigIntegerField(null=True, blank=True)
    subject_label = models.CharField(_("对象"), max_length=200, blank=True)
    importance = models.CharField(
        _("重要性"), max_length=10, choices=Importance.choices, default=Importance.MINOR
    )
    urgency = models.CharField(_("紧急性"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    priority = models.PositiveSmallIntegerField(_("优先级"), choices=Priority.choices, default=4)
    lead_unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("主办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=20, choices=status_choices, default=Status.NEW)
    confidential = models.BooleanField(_("涉密"), default=False)
    # Provenance: brought in from a district's historical ledger (one `imported` event, no live workflow
    # behind it), or generated by the demo to fill its dashboards. KPI pages can exclude imported cases
    # (docs/kpis.md); generated cases never train or evaluate the routing model.
    imported = models.BooleanField(_("历史导入"), default=False)
    generated = models.BooleanField(_("演示生成"), default=False)
    # A sealed kind's title and content, as ciphertext supplied by its module; the engine never sees the
    # plaintext (title and description stay empty).
    sealed = models.BinaryField(null=True, blank=True, editable=False)

    received_at = models.DateTimeField(_("受理时间"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("首次联系时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    sign_due = models.DateTimeField(_("签收期限"), null=True, blank=True)
    contact_due = models.DateTimeField(_("联系期限"), null=True, blank=True)
    resolve_due = models.DateTimeField(_("办结期限"), null=True, blank=True)
    # The yellow card starts one working day before resolve_due; stored so lists can filter in SQL.
    warn_at = models.DateTimeField(null=True, blank=True)
    # When the worker's SLA sweep last raised the yellow card, the red card and the 督办 escalation for the
    # current deadline; cleared (by the sweep) when the deadline moves, so each fires once per deadline.
    yellow_sent_at = models.DateTimeField(_("黄牌提醒时间"), null=True, blank=True)
    red_sent_at = models.DateTimeField(_("红牌提醒时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("升级督办时间"), null=True, blank=True)
    sla_reminded_at = models.DateTimeField(_("自动催办时间"), null=True, blank=True)
    # The deadline the cards above were raised for: when resolve_due moves (延期, 重办) they fire again.
    sla_due_seen = models.DateTimeField(null=True, blank=True)

    extension_days = models.PositiveIntegerField(_("已延期工作日"), default=0)
    extension_pending = models.JSONField(null=True, blank=True)
    hold_review_on = models.DateField(_("挂账复核日期"), null=True, blank=True)
    supervised = models.BooleanField(_("督办"), default=False)
    remind_count = models.PositiveIntegerField(_("催办次数"), default=0)
    return_count = models.PositiveIntegerField(_("退单次数"), default=0)
    reopen_count = models.PositiveIntegerField(_("重办次数"), default=0)
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices, blank=True)
    rating_comment = models.TextField(_("评价意见"), blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    # 申诉: the lead unit's appeal against a 不满意 rating; an upheld appeal takes the rating out of 满意率.
    appeal_state = models.CharField(_("申诉"), max_length=10, choices=AppealState.choices, blank=True)
    appealed_at = models.DateTimeField(_("申诉时间"), null=True, blank=True)
    result = models.TextField(_("办理结果"), blank=True)
    # What this case adds to the KPI roll-up (cases.rollup): its day, dimension keys and counters as last
    # recorded by the writer, so the next change can take exactly that back out. NULL: not rolled up yet.
    kpi_keys = models.JSONField(null=True, blank=True, editable=False)

    version = models.PositiveIntegerField(default=1)
    event_count = models.PositiveIntegerField(default=0)
    # The head of this case's hash chain: deleting the newest timeline row is detected against it.
    event_head = models.CharField(max_length=64, blank=True)
    # HMAC of (number, event_count, event_head) with the audit key kept outside the database.
    event_mac = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-id"]
        indexes: ClassVar = [
            # 我的清单 of a unit: open cases led by the unit, ordered by priority and deadline.
            models.Index(
                fields=["lead_unit", "status", "priority", "resolve_due"], name="case_unit_worklist"
            ),
            # 我的清单 of a person who owns cases.
            models.Index(fields=["owner", "status", "priority", "resolve_due"], name="case_owner_worklist"),
            # A company's (or point's, project's) cases, and the commissioner's list through assignments.
            models.Index(fields=["subject_type", "subject_id", "status"], name="case_subject"),
            # Office queues by kind and status (new, returned, …), newest first.
            models.Index(fields=["kind", "status", "-id"], name="case_kind_status"),
            # A kind's cases received in a period, newest first (a module's public feed, e.g. Open311's GET
            # requests: the last 90 days, 1,000 newest) — a range read in order instead of a sort.
            models.Index(fields=["kind", "-received_at"], name="case_kind_received"),
            # Overdue sweeps and the "overdue" filter.
            models.Index(fields=["status", "resolve_due"], name="case_status_due"),
            # 我的清单 of the office (visibility.my_worklist): extension requests awaiting approval, a handful
            # among millions of cases, so a partial index rather than a scan.
            models.Index(
                fields=["id"],
                condition=models.Q(extension_pending__isnull=False),
                name="case_extension_pending",
            ),
            # Cases the KPI roll-up has not taken in yet (written by a bulk path): none in a built world, so
            # the dashboard's "may I read the roll-up?" is one index probe.
            models.Index(fields=["id"], condition=models.Q(kpi_keys__isnull=True), name="case_kpi_pending"),
        ]
        verbose_name = _("事项")
        verbose_name_plural = _("事项")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def status_label(self) -> str:
        """The status in the words of this case's kind."""
        return status_label(self.kind, self.status)

    @property
    def phase(self) -> str:
        return phase_of(self.kind, self.status)


class Task(models.Model):
    """One unit's share of a co-handled case (联办/协办)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("协办单位"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.PENDING
    )
    note = models.TextField(_("事项说明"), blank=True)
    result = models.TextField(_("办理情况"), blank=True)
    due_at = models.DateTimeField(_("期限"), null=True, blank=True)
    seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    signed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["seq", "id"]
        constraints: ClassVar = [models.UniqueConstraint(fields=["case", "unit"], name="uniq_task_unit")]
        indexes: ClassVar = [
            # A unit's inbox of co-handling tasks, and visibility of cases through tasks.
            models.Index(fields=["unit", "status"], name="task_unit_status"),
            # A unit handler's visibility (visibility._unit_q): the case ids of all the unit's tasks, read
            # from the index alone (the (case, unit) constraint has them in the wrong order).
            models.Index(fields=["unit", "case"], name="task_unit_case"),
        ]
        verbose_name = _("协办任务")
        verbose_name_plural = _("协办任务")

    def __str__(self) -> str:
        return f"{self.case.number} → {self.unit}"


class Event(models.Model):
    """One change of a case. Append-only, chained by hash per case; also the outbox of notifications."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    # A sealed kind's note for this event, as ciphertext supplied by its module (covered by the hash).
    sealed = models.BinaryField(null=True, blank=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering: ClassVar = ["case_id", "seq"]
        constraints: ClassVar = [models.UniqueConstraint(fields=["case", "seq"], name="uniq_event_seq")]
        verbose_name = _("时间线事件")
        verbose_name_plural = _("时间线事件")


class CaseClock(models.Model):
    """One running (or stopped) named clock of a case (`kinds.Clock`): its deadline, yellow-card time and the
    cards the sweeps raised for it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clocks")
    name = models.CharField(max_length=30)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    warn_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    yellow_sent_at = models.DateTimeField(null=True, blank=True)
    red_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint(fields=["case", "name"], name="uniq_case_clock")]
        indexes: ClassVar = [
            # The sweeps' candidates: running clocks by deadline and by yellow-card time.
            models.Index(
                fields=["due_at"], condition=models.Q(stopped_at__isnull=True), name="clock_running_due"
            ),
            models.Index(
                fields=["warn_at"], condition=models.Q(stopped_at__isnull=True), name="clock_running_warn"
            ),
        ]


class LinkType(models.TextChoices):
    DUPLICATE_OF = "duplicate_of", _("重复于")
    REPEAT_OF = "repeat_of", _("重复来件")
    SPAWNED_FROM = "spawned_from", _("派生自")
    RELAPSE_OF = "relapse_of", _("复发于")


class CaseLink(models.Model):
    """`from_case` is a duplicate/repeat/spawn/relapse of `to_case`; shown on both timelines."""

    from_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_out")
    to_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_in")
    type = models.CharField(_("关联类型"), max_length=20, choices=LinkType.choices)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["from_case", "to_case", "type"], name="uniq_case_link"),
        ]
        indexes: ClassVar = [models.Index(fields=["to_case", "type"], name="case_link_to")]


class KpiCounters(models.Model):
    """The counters a roll-up row holds (cases.rollup.COUNTERS): every count of docs/kpis.md but `overdue`
    (which moves with the clock: `KpiOpenDue`), and the working-day sum behind 平均办理时长."""

    dim = models.CharField(max_length=24)
    # The dimension's value: an id (unit, category, commissioner, town) or a code (channel, kind).
    ikey = models.BigIntegerField(null=True, blank=True)
    skey = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=20)
    imported = models.BooleanField(default=False)
    received = models.IntegerField(default=0)
    signed = models.IntegerField(default=0)
    signed_on_time = models.IntegerField(default=0)
    dispatched = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    resolved_on_time = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    rated_counted = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    appealed = models.IntegerField(default=0)
    appeal_upheld = models.IntegerField(default=0)
    extended = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    # 在办: the cases in a counted open status (it moves only when a case's status does).
    open = models.IntegerField(default=0)
    # Σ working days from receipt to resolution over the resolved cases (平均办理时长 = wd_sum / resolved).
    wd_sum = models.IntegerField(default=0)

    class Meta:
        abstract = True


class KpiRollup(KpiCounters):
    """Daily KPI counters of the cases received on `day`, per dimension value (cases.rollup).

    The writer appends one row per dimension whose figures a change moved (a delta: −old, +new); the worker
    folds the rows of a (dimension, key, kind, day, imported) into one and counts them into the month
    (`KpiRollupMonth`), marking them `monthed`. Readers sum, so a figure is exact whether or not the rows
    are folded yet."""

    day = models.DateField()
    # Counted into `KpiRollupMonth` (set only by the worker's fold, which recounts the month).
    monthed = models.BooleanField(default=False)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["dim", "day"], name="kpirollup_dim_day"),
            # The rows not yet counted into their month: the few the writers appended since the last fold.
            models.Index(fields=["dim", "day"], condition=models.Q(monthed=False), name="kpirollup_fresh"),
        ]


class KpiRollupMonth(KpiCounters):
    """The monthly level of the roll-up: per (dimension, value, kind, month, imported), the sum of the
    `monthed` daily rows of the month (`month` is its 1st). Written only by the worker's fold
    (cases.rollup.fold), which recounts a month from its daily rows in the transaction that marks them."""

    month = models.DateField()

    class Meta:
        indexes: ClassVar = [models.Index(fields=["dim", "month"], name="kpirollupmonth_dim_month")]


class KpiOpenDue(models.Model):
    """The open cases by the day their resolve deadline falls on (cases.rollup; docs/kpis.md, 超期): per
    (dimension, value, kind, day of receipt, due day, imported), how many cases of the roll-up are open with a
    `resolve_due` on that local day. The writer appends ±1 delta rows (`n`) when a case opens, closes or its
    deadline moves; the worker's fold merges each key's rows into one and drops the keys that sum to 0, so the
    table holds about one row per open case's key, not one per case ever received. 超期 = the rows due before
    today, plus the open cases due today whose deadline has passed, counted live."""

    dim = models.CharField(max_length=24)
    ikey = models.BigIntegerField(null=True, blank=True)
    skey = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=20)
    imported = models.BooleanField(default=False)
    day = models.DateField()
    due = models.DateField()
    n = models.IntegerField(default=0)
    # Appended by a writer since the last fold (the fold merges the keys of these rows).
    fresh = models.BooleanField(default=True)

    class Meta:
        indexes: ClassVar = [
            # The dashboard's read: one dimension's rows due before today.
            models.Index(fields=["dim", "due"], name="kpiopendue_dim_due"),
            # The fold's claim: the rows appended since the last fold.
            models.Index(fields=["id"], condition=models.Q(fresh=True), name="kpiopendue_fresh"),
        ]


class KpiRollupMark(models.Model):
    """The roll-up's bookkeeping (one row): the last delta row folded and the working calendar it counted
    with, so a calendar change is noticed and recounted from the changed day."""

    folded_to = models.BigIntegerField(default=0)
    calendar = models.JSONField(null=True, blank=True)
    # A new random value in every transaction that changes the months or the counted daily rows (a fold, a
    # rebuild): readers may keep the sums of that part for as long as it is unchanged (cases.rollup.read).
    token = models.CharField(max_length=32, blank=True, default="")
