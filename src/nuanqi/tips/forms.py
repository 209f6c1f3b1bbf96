"""The form a group member fills for a tip taken by phone, letter, e-mail or visit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanqi.accounts.models import Unit, User

from .access import member_groups
from .models import Discipline, InspectionGroup, TipChannel
from .services import CONTENT_MAX


class RegisterForm(forms.Form):
    group = forms.ModelChoiceField(InspectionGroup.objects.none(), label=_("巡察组"))
    target_unit = forms.ModelChoiceField(Unit.objects.none(), label=_("被巡察单位"))
    channel = forms.ChoiceField(
        label=_("来源"), choices=[c for c in TipChannel.choices if c[0] != TipChannel.ONLINE]
    )
    received_at = forms.DateTimeField(
        label=_("收到时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    accused_post = forms.CharField(label=_("被反映人职务"), max_length=100, required=False)
    accused_name = forms.CharField(label=_("被反映人姓名"), max_length=50, required=False)
    disciplines = forms.MultipleChoiceField(
        label=_("涉及的纪律"), choices=Discipline.choices, widget=forms.CheckboxSelectMultiple
    )
    content = forms.CharField(
        label=_("举报内容"), max_length=CONTENT_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )
    named = forms.ChoiceField(
        label=_("实名或匿名"), choices=[("false", _("匿名")), ("true", _("实名"))], widget=forms.RadioSelect
    )
    name = forms.CharField(label=_("举报人姓名"), max_length=50, required=False)
    phone = forms.CharField(label=_("举报人电话"), max_length=20, required=False)
    issue_receipt = forms.BooleanField(
        label=_("生成回执码（告知举报人，凭码查看答复）"), required=False, initial=True
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups = member_groups(user).select_related("round")
        self.fields["group"].queryset = groups  # type: ignore[attr-defined]
        units = Unit.objects.filter(inspection_groups__in=groups).distinct().order_by("name")
        if user.unit_id:
            units = units.exclude(pk=user.unit_id)  # 回避: never one's own unit
        self.fields["target_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["received_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        self.user = user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        group, unit = data.get("group"), data.get("target_unit")
        if group and unit and not group.target_units.filter(pk=unit.pk).exists():
            self.add_error("target_unit", _("该单位不是所选巡察组的巡察对象"))
        if data.get("named") == "true":
            if not data.get("name"):
                self.add_error("name", _("实名举报请填写姓名"))
            if not data.get("phone"):
                self.add_error("phone", _("实名举报请填写电话"))
        at = data.get("received_at")
        if at and at > timezone.now():
            self.add_error("received_at", _("收到时间不能晚于现在"))
        return data
