"""The office's project forms: each field checked against its column (lengths, digits, choices, dates);
what spans fields is the writers' (`projects.editing`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from nuanqi.accounts.models import Unit

from .models import Milestone, Programme, Project, ProjectKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _units() -> Any:
    return Unit.objects.filter(active=True).exclude(kind="enterprise").order_by("name")


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields: ClassVar = [
            "name",
            "kind",
            "programme",
            "parent",
            "theme",
            "category",
            "town",
            "owner_unit",
            "owner_name",
            "investment_planned",
            "start",
            "planned_end",
            "sort",
            "description",
        ]
        widgets: ClassVar = {
            "start": DATE,
            "planned_end": DATE,
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("town", "owner_unit"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = _units()
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        parent.queryset = Project.objects.filter(kind=ProjectKind.SECTION).order_by("programme", "sort", "id")
        parent.help_text = _("景观点位或子项目所属的分段（须在同一项目群中）")
        invest = self.fields["investment_planned"]
        invest.validators.append(MinValueValidator(Decimal(0)))
        if self.instance.pk and self.instance.baselines.exists():
            # Dates of an approved plan change only by re-planning (the old baseline stays).
            for name in ("start", "planned_end"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("已有批准的计划基线：请用“调整计划”修改")


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields: ClassVar = ["name", "planned_on", "actual_on", "sort"]
        widgets: ClassVar = {"planned_on": DATE, "actual_on": DATE}


class ReplanForm(forms.Form):
    start = forms.DateField(label=_("计划开工"), widget=DATE)
    planned_end = forms.DateField(label=_("新的计划完工"), widget=DATE)
    approved_on = forms.DateField(label=_("批准日期"), widget=DATE)
    note = forms.CharField(label=_("调整说明"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields: ClassVar = ["name", "weighting", "lead_unit", "description"]
        widgets: ClassVar = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["lead_unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = _units()
