from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from nuanqi.accounts.models import Unit


def choices_of(field: forms.Field) -> forms.ChoiceField:
    return cast(forms.ChoiceField, field)


class LogForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    time = forms.TimeField(label=_("时间"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    place = forms.CharField(label=_("地点"), required=False, max_length=100)
    unit = forms.ChoiceField(label=_("走访单位"), required=False)
    case = forms.CharField(label=_("事项编号"), required=False, max_length=20)
    note = forms.CharField(label=_("记录"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices_of(self.fields["unit"]).choices = [
            ("", "——"),
            *((str(u.pk), u.name) for u in Unit.objects.filter(active=True).exclude(kind="enterprise")),
        ]
