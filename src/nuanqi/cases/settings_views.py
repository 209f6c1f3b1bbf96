"""The office's pages for the engine's settings: categories and time limits (no /admin/ needed). Each change
goes through `cases.catalogue` and leaves a `SettingChange` row; others get 404 (a page a role may not use
is not there)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from nuanqi.accounts.models import SettingChange, User

from . import catalogue, kinds
from .errors import CaseError
from .models import Category, SlaPolicy


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ("kind", "name", "parent", "sort", "active")
        labels = {"kind": _("事项类别"), "parent": _("所属大类（留空即为大类）"), "sort": _("排序")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        field.choices = [(k.code, k.label) for k in kinds.all_kinds()]  # type: ignore[attr-defined]
        parents = Category.objects.filter(parent__isnull=True)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents.order_by("kind", "sort", "id")  # type: ignore[attr-defined]


class SlaForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = catalogue.SLA_FIELDS
        labels = {"kind": _("事项类别")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.code, k.label) for k in kinds.all_kinds()]  # type: ignore[attr-defined]
        for name in ("sign_hours", "contact_hours"):
            self.fields[name].min_value = 0  # type: ignore[attr-defined]


def _office(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not catalogue.may_maintain(user):
        raise Http404
    return user


def _history(subject: str, pk: int | None = None) -> list[SettingChange]:
    qs = SettingChange.objects.filter(subject=subject)
    if pk is not None:
        qs = qs.filter(object_id=pk)
    return list(qs[:50])


def _edit(
    request: HttpRequest,
    form_class: type[forms.ModelForm],
    writer: Any,
    instance: Any,
    subject: str,
    template: str,
    back: str,
    context: dict[str, Any],
) -> HttpResponse:
    user = _office(request)
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            # The form validated each value against its column; the writer checks the rules and keeps the
            # record. A fresh instance: the form has already set the posted values on its own.
            saved = writer(
                user, form.cleaned_data, type(instance).objects.get(pk=instance.pk) if instance.pk else None
            )
        except CaseError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已保存：{saved}")
            return redirect(back)
    history = _history(subject, instance.pk) if instance.pk else _history(subject)
    return render(request, template, {"form": form, "instance": instance, "history": history, **context})


@login_required
@require_http_methods(["GET", "POST"])
def category_list(request: HttpRequest) -> HttpResponse:
    tops = list(
        Category.objects.filter(parent__isnull=True)
        .prefetch_related("children")
        .order_by("kind", "sort", "id")
    )
    labels = {k.code: k.label for k in kinds.all_kinds()}
    groups = [
        {
            "top": t,
            "kind": labels.get(t.kind, t.kind),
            "children": sorted(t.children.all(), key=lambda c: (c.sort, c.pk)),
        }
        for t in tops
    ]
    return _edit(
        request,
        CategoryForm,
        catalogue.save_category,
        Category(),
        "category",
        "office/categories.html",
        "office_categories",
        {"groups": groups},
    )


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, category_id: int) -> HttpResponse:
    _office(request)
    category = get_object_or_404(Category, pk=category_id)
    return _edit(
        request,
        CategoryForm,
        catalogue.save_category,
        category,
        "category",
        "office/category_edit.html",
        "office_categories",
        {},
    )


@login_required
@require_http_methods(["GET", "POST"])
def sla_list(request: HttpRequest) -> HttpResponse:
    labels = {k.code: k.label for k in kinds.all_kinds()}
    rules = [
        {"p": p, "kind": labels.get(p.kind, p.kind)}
        for p in SlaPolicy.objects.order_by("kind", "nature", "priority", "id")
    ]
    return _edit(
        request,
        SlaForm,
        catalogue.save_sla_policy,
        SlaPolicy(),
        "sla_policy",
        "office/sla.html",
        "office_sla",
        {"rules": rules},
    )


@login_required
@require_http_methods(["GET", "POST"])
def sla_edit(request: HttpRequest, policy_id: int) -> HttpResponse:
    _office(request)
    policy = get_object_or_404(SlaPolicy, pk=policy_id)
    return _edit(
        request,
        SlaForm,
        catalogue.save_sla_policy,
        policy,
        "sla_policy",
        "office/sla_edit.html",
        "office_sla",
        {},
    )
