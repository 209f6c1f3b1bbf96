from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from nuanqi.accounts.models import Unit

from . import kinds
from .models import Category, Channel, Importance, Kind, Nature, Urgency


def choices_of(field: forms.Field) -> forms.ChoiceField:
    return cast(forms.ChoiceField, field)


class CaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), required=False)
    company = forms.ChoiceField(label=_("企业"), required=False)
    title = forms.CharField(label=_("标题"), max_length=200)
    description = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    category = forms.ChoiceField(label=_("分类"), required=False)
    nature = forms.ChoiceField(label=_("性质"), choices=Nature.choices, initial=Nature.HELP)
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices, initial=Channel.COMPANY_REQUEST)
    importance = forms.ChoiceField(label=_("重要性"), choices=Importance.choices, initial=Importance.MINOR)
    urgency = forms.ChoiceField(label=_("紧急性"), choices=Urgency.choices, initial=Urgency.NORMAL)
    lead_unit = forms.ChoiceField(label=_("建议主办单位"), required=False)

    def __init__(
        self, *args: Any, companies: list[tuple[int, str]], kinds: list[tuple[str, Any]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # Only the kinds this person may file; with a single one the field is hidden.
        choices_of(self.fields["kind"]).choices = kinds
        self.fields["kind"].initial = kinds[0][0] if kinds else ""
        if len(kinds) <= 1:
            self.fields["kind"].widget = forms.HiddenInput()
        self._default_kind = kinds[0][0] if kinds else ""
        choices_of(self.fields["company"]).choices = [("", _("——请选择——")), *companies]
        groups: dict[str, list[tuple[str, str]]] = {}
        for c in Category.objects.filter(kind=Kind.REQUEST, active=True).select_related("parent"):
            if c.parent_id and c.parent:
                groups.setdefault(c.parent.name, []).append((str(c.pk), c.name))
            else:
                groups.setdefault(c.name, []).insert(0, (str(c.pk), _("%(name)s（大类）") % {"name": c.name}))
        choices_of(self.fields["category"]).choices = [("", _("——请选择——")), *groups.items()]
        # Units that may lead a case: not the office (it dispatches), not an inspection group, not a company.
        choices_of(self.fields["lead_unit"]).choices = [
            ("", _("——由受理员派单——")),
            *(
                (str(u.pk), u.name)
                for u in Unit.objects.filter(active=True).exclude(
                    kind__in=("enterprise", "office", "inspection_group")
                )
            ),
        ]

    def fit_to_external(self, companies: list[tuple[int, str]]) -> str:
        """A company contact (or another filer outside the administration) files a 企业求助 the office
        triages: no channel, unit or priority to choose; her own company fixed when she has one. Returns
        that company's name ("" when there is a choice)."""
        for name in ("channel", "lead_unit", "importance", "urgency"):
            del self.fields[name]
        if len(companies) != 1:
            return ""
        self.fields["company"].widget = forms.HiddenInput()
        self.fields["company"].initial = str(companies[0][0])
        return companies[0][1]

    def clean_kind(self) -> str:
        """A form posted without a kind (one kind offered, or an old page) files the first offered kind."""
        return str(self.cleaned_data.get("kind") or self._default_kind)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        spec = next((k for k in kinds.all_kinds() if k.code == data.get("kind")), None)
        # A kind whose cases concern a company (企业诉求) needs one: said with the other errors, not after.
        if spec is not None and spec.subject_required == "company" and not data.get("company"):
            self.add_error("company", _("请选择企业"))
        return data


class TaskForm(forms.Form):
    unit = forms.ChoiceField(label=_("协办单位"))
    note = forms.CharField(label=_("事项说明"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices_of(self.fields["unit"]).choices = [
            (str(u.pk), u.name + ("" if u.in_district else str(_("（区外）"))))
            for u in Unit.objects.filter(active=True).exclude(kind__in=("enterprise", "inspection_group"))
        ]


class SpawnForm(forms.Form):
    """派生: a new case of another kind, prefilled from its origin (`cases.spawn`)."""

    subject = forms.ChoiceField(label=_("对象"), required=False)
    title = forms.CharField(label=_("标题"), max_length=200)
    description = forms.CharField(
        label=_("内容"), widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=4000
    )
    nature = forms.ChoiceField(label=_("性质"), choices=Nature.choices, initial=Nature.SUGGESTION)
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices, initial=Channel.DEPARTMENT)
    lead_unit = forms.ChoiceField(label=_("主办单位"), required=False)

    def __init__(
        self, *args: Any, subjects: list[tuple[int, str]], subject_word: Any, required: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = choices_of(self.fields["subject"])
        field.label = subject_word
        field.required = required
        field.choices = [("", _("——请选择——")), *((str(pk), label) for pk, label in subjects)]
        if not subjects:
            del self.fields["subject"]
        choices_of(self.fields["lead_unit"]).choices = [
            ("", _("——由受理员派单——")),
            *((str(u.pk), u.name) for u in Unit.objects.filter(active=True).exclude(kind="enterprise")),
        ]
