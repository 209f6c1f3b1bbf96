"""Choice lists of the list engine. Labels are the Chinese words the office uses; the API accepts either."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind:
    """The engine's stock kind. Other kinds are declared by the modules that own them (`cases.kinds`)."""

    REQUEST = "request"


class Status(models.TextChoices):
    """Status codes of the stock request lifecycle (`cases.workflow`); other kinds declare their own."""

    NEW = "new", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    DISPATCHED = "dispatched", _("已派单")
    IN_PROGRESS = "in_progress", _("办理中")
    ON_HOLD = "on_hold", _("挂账")
    RESOLVED = "resolved", _("已办结")
    VISITING = "visiting", _("待回访")
    RATED = "rated", _("已评价")
    ARCHIVED = "archived", _("归档")
    REJECTED = "rejected", _("不予受理")
    DUPLICATE = "duplicate", _("重复件")


class Nature(models.TextChoices):
    CONSULT = "consult", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")
    THANKS = "thanks", _("感谢")


class Channel(models.TextChoices):
    COMPANY_REQUEST = "company_request", _("企业求助")
    VOLUNTEERED = "volunteered", _("主动请缨")
    PHONE = "phone", _("电话")
    EMAIL = "email", _("邮件")
    LETTER = "letter", _("信件")
    VISIT = "visit", _("来访")
    ONLINE = "online", _("网上")
    PATROL = "patrol", _("巡查发现")
    DEPARTMENT = "department", _("部门交办")
    LEADER = "leader", _("领导交办")


class Importance(models.TextChoices):
    MAJOR = "major", _("重要")
    MINOR = "minor", _("一般")


class Urgency(models.TextChoices):
    URGENT = "urgent", _("紧急")
    NORMAL = "normal", _("不紧急")


class Priority(models.IntegerChoices):
    P1 = 1, "P1"
    P2 = 2, "P2"
    P3 = 3, "P3"
    P4 = 4, "P4"


def priority_of(importance: str, urgency: str) -> int:
    """主次缓急: important and urgent first, then important, then urgent, then the rest."""
    major = importance == Importance.MAJOR
    urgent = urgency == Urgency.URGENT
    if major and urgent:
        return 1
    if major:
        return 2
    if urgent:
        return 3
    return 4


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class AppealState(models.TextChoices):
    NONE = "", _("无")
    PENDING = "pending", _("申诉待审")
    UPHELD = "upheld", _("申诉成立")
    REJECTED = "rejected", _("申诉驳回")


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("待签收")
    SIGNED = "signed", _("办理中")
    DONE = "done", _("已完成")
    RETURNED = "returned", _("已退回")


class SlaState(models.TextChoices):
    NONE = "", _("正常")
    YELLOW = "yellow", _("黄牌")
    RED = "red", _("红牌")


class CountFrom(models.TextChoices):
    NEXT_DAY = "next_day", _("受理次日起算")
    RECEIPT = "receipt", _("受理当日起算")


class ClockMode(models.TextChoices):
    WORKING = "working", _("工作时间")
    CALENDAR = "calendar", _("自然时间(7×24)")
