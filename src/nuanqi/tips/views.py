"""Public pages of 巡察: the notice of the rounds taking tips (no account needed)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from . import notice
from .models import Round


def notice_list(request: HttpRequest) -> HttpResponse:
    rounds = list(notice.current_rounds())
    return render(
        request,
        "tips/notice_list.html",
        {"rounds": [(r, notice.rows(r)) for r in rounds], "today": timezone.localdate()},
    )


def notice_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    r = Round.objects.filter(pk=round_id, published=True).first()
    if r is None:
        raise Http404("没有这一轮巡察的公告")
    return render(
        request,
        "tips/notice_detail.html",
        {"round": r, "rows": notice.rows(r), "units": notice.units_of(r), "today": timezone.localdate()},
    )
