"""The point leader's patrol pages, made for a phone: choose a point, walk its checklist, submit once."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from nuanqi.accounts.models import User
from nuanqi.cases.errors import CaseError
from nuanqi.cases.kinds import HELD, OPEN
from nuanqi.cases.visibility import visible_cases

from .access import SUBJECT, patrollable_points, visible_points
from .models import Outcome, Patrol, Point
from .nearby import STAFF_RADIUS_M, Near, nearby_problems, nearest_first, place_from
from .services import ItemAnswer, checklist, submit_patrol
from .workflow import PATROL, PATROL_KIND


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def patrol_home(request: HttpRequest) -> HttpResponse:
    """The points this person patrols, with their open problems."""
    user = _user(request)
    points = patrollable_points(user).select_related("town", "point_type").order_by("town__name", "name")
    live = (*PATROL_KIND.status_codes(OPEN), *PATROL_KIND.status_codes(HELD))
    counts = dict(
        visible_cases(user)
        .filter(kind=PATROL, subject_type=SUBJECT, status__in=live)
        .order_by()
        .values_list("subject_id")
        .annotate(n=Count("id"))
        .values_list("subject_id", "n")
    )
    place = place_from(request.GET)  # the phone's location, when it gave one: nearest first
    ordered = nearest_first(list(points), *place) if place is not None else [(p, None) for p in points]
    rows = [{"point": p, "open": counts.get(p.pk, 0), "distance": d} for p, d in ordered]
    context = {
        "rows": rows,
        "by_distance": place is not None,
        "ledger": visible_points(user).exists(),
        "report": user.sees_everything,
        "office": user.has_role("admin", "dispatcher"),
    }
    return render(request, "patrol/home.html", context)


def answers_from(request: HttpRequest, point: Point) -> tuple[list[ItemAnswer], dict[str, Any]]:
    """The checklist as the form (or an API client) sent it: `outcome-<item>`, `note-<item>`,
    `photo-<item>`; also what to show again when the submission is refused."""
    answers: list[ItemAnswer] = []
    shown: dict[str, Any] = {}
    for item in checklist(point):
        outcome = request.POST.get(f"outcome-{item.pk}", "")
        note = request.POST.get(f"note-{item.pk}", "")
        shown[str(item.pk)] = {"outcome": outcome, "note": note}
        if outcome:
            answers.append(ItemAnswer(item.pk, outcome, note, request.FILES.get(f"photo-{item.pk}")))
    return answers, shown


@login_required
@require_http_methods(["GET", "POST"])
def patrol_point(request: HttpRequest, point_id: int) -> HttpResponse:
    user = _user(request)
    point = patrollable_points(user).select_related("town", "point_type").filter(pk=point_id).first()
    if point is None:
        raise Http404
    error = ""
    shown: dict[str, Any] = {}
    key = str(uuid.uuid4())
    if request.method == "POST":
        # The page carries its key in a hidden field; an API client sends the Idempotency-Key header.
        key = request.headers.get("Idempotency-Key") or request.POST.get("idempotency_key", "")
        answers, shown = answers_from(request, point)
        try:
            patrol, _created = submit_patrol(
                user, point.pk, answers, key=key, note=request.POST.get("note", "")
            )
        except CaseError as exc:
            error = exc.message
        else:
            return redirect("patrol_done", patrol_id=patrol.pk)
    # Before a failure is saved: the open problems of the same category already reported near the point.
    near: dict[str, list[Near]] = {}
    if point.latitude is not None and point.longitude is not None:
        lat, lon = float(point.latitude), float(point.longitude)
        for topic in {i.topic for i in checklist(point)}:
            near[topic] = nearby_problems(visible_cases(user), topic, lat, lon, STAFF_RADIUS_M)[:3]
    items = [
        {
            "item": i,
            "outcome": shown.get(str(i.pk), {}).get("outcome", ""),
            "note": shown.get(str(i.pk), {}).get("note", ""),
            "near": near.get(i.topic, []),
        }
        for i in checklist(point)
    ]
    return render(
        request,
        "patrol/point.html",
        {"point": point, "items": items, "key": key, "error": error, "outcomes": Outcome.choices},
        status=400 if error else 200,
    )


@login_required
def patrol_done(request: HttpRequest, patrol_id: int) -> HttpResponse:
    """A submitted patrol and the problems it filed."""
    user = _user(request)
    patrol = (
        Patrol.objects.select_related("point", "patroller")
        .filter(Q(patroller=user) | Q(point__in=visible_points(user)), pk=patrol_id)
        .first()
    )
    if patrol is None:
        raise Http404
    results = list(patrol.results.select_related("item", "case"))
    return render(request, "patrol/done.html", {"patrol": patrol, "results": results})
