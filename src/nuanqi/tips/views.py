"""巡察 pages: the public notice of the rounds taking tips (no account needed), and the group's own pages —
the tips of the member's groups, a tip (decrypted in memory, each read logged), the lifecycle's actions,
replies to the reporter, the custodian's release of an identity, tips taken by phone or letter, figures."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Case as DbCase
from django.db.models import Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST

from nuanqi.accounts.models import Role, User
from nuanqi.cases import public
from nuanqi.cases.errors import CaseError
from nuanqi.cases.kinds import status_label
from nuanqi.cases.models import Case, CaseClock
from nuanqi.cases.permissions import allowed_actions

from . import figures, keys, notice, services
from .access import eligible_members, is_group_leader, member_groups, visible_tips
from .forms import RegisterForm
from .models import Round, TipRead
from .workflow import CLOCK_LABELS, EVENT_LABELS, LIVE, TIP_STATUS_CHOICES


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


# ---------------------------------------------------------------- the group's pages (members only)


KEY_LOCKED = services.KEY_LOCKED  # lazy: translated when shown


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _member_or_404(request: HttpRequest) -> User:
    user = _user(request)
    if not member_groups(user).exists():
        raise Http404
    return user


@login_required
def tip_list(request: HttpRequest) -> HttpResponse:
    """The tips of the member's groups: metadata only (number, group, unit, disciplines, status, clocks) —
    search covers metadata, never content."""
    user = _member_or_404(request)
    # Open tips first, named ones first among them (实名举报优先办理), then the newest.
    open_first = DbCase(When(case__status__in=LIVE, then=Value(0)), default=Value(1))
    tips = visible_tips(user).annotate(open_first=open_first).order_by("open_first", "-named", "-id")
    q = (request.GET.get("q") or "").strip()[:50]
    status = request.GET.get("status", "")
    if q:
        tips = tips.filter(Q(case__number__icontains=q) | Q(target_unit__name__icontains=q))
    if status in dict(TIP_STATUS_CHOICES):
        tips = tips.filter(case__status=status)
    rows = list(tips[:200])
    clocks: dict[int, list[CaseClock]] = {}
    for c in CaseClock.objects.filter(case__in=[t.case_id for t in rows], stopped_at__isnull=True):
        clocks.setdefault(c.case_id, []).append(c)
    return render(
        request,
        "tips/list.html",
        {
            "rows": [(t, clocks.get(t.case_id, [])) for t in rows],
            "q": q,
            "status": status,
            "statuses": TIP_STATUS_CHOICES,
            "locked": keys.private_key(request) is None,
            "clock_labels": CLOCK_LABELS,
            "now": timezone.now(),
        },
    )


def _opened(request: HttpRequest, number: str) -> tuple[User, services.Opened, str]:
    """The member, the tip opened with his key, and why it is locked ("" when it opened); 404 otherwise."""
    user = _member_or_404(request)
    try:
        tip = services.member_tip(user, number)
    except CaseError:
        raise Http404 from None
    try:
        return user, services.open_tip(user, tip, keys.private_key(request)), ""
    except CaseError as exc:
        return user, services.Opened(tip, b"", {}), exc.message


def _detail(
    request: HttpRequest, user: User, opened: services.Opened, locked: str, status: int = 200, **extra: Any
) -> HttpResponse:
    tip = opened.tip
    case = Case.objects.get(pk=tip.case_id)
    events = []
    for e in case.events.select_related("actor").order_by("seq"):
        note = services.decrypt_note(opened.key, e.sealed) if opened.key and e.sealed else ""
        to_label = status_label(case.kind, e.to_status) if e.to_status != e.from_status else ""
        events.append(
            {"event": e, "note": note, "label": EVENT_LABELS.get(e.action, e.action), "to": to_label}
        )
    leader = is_group_leader(user, tip)
    context = {
        "tip": tip,
        "case": case,
        "content": opened.content,
        "locked": locked,
        "files": services.files_of(opened) if opened.key else [],
        "messages_": services.messages_of(opened) if opened.key else [],
        "events": events,
        "actions": [t for t in allowed_actions(user, case) if not t.action.startswith("tell_")],
        "clocks": CaseClock.objects.filter(case=case).order_by("started_at"),
        "clock_labels": CLOCK_LABELS,
        "leader": leader,
        "members": [m for m in eligible_members(tip) if m.user_id != user.pk] if leader else [],
        "links": case.links_out.select_related("to_case"),
        **extra,
    }
    return render(request, "tips/detail.html", context, status=status)


@login_required
def tip_detail(request: HttpRequest, number: str) -> HttpResponse:
    user, opened, locked = _opened(request, number)
    return _detail(request, user, opened, locked)


@login_required
@require_POST
def tip_act(request: HttpRequest, number: str) -> HttpResponse:
    user, opened, locked = _opened(request, number)
    if locked:
        return _detail(request, user, opened, locked, status=409)
    try:
        services.act(
            user,
            opened,
            request.POST.get("action", ""),
            request.POST.get("note", ""),
            version=request.POST.get("version"),
            original=request.POST.get("original", ""),
        )
    except CaseError as exc:
        return _detail(request, user, opened, locked, status=exc.status, act_error=exc.message)
    return redirect("tip_detail", number=number)


@login_required
@require_POST
def tip_reply(request: HttpRequest, number: str) -> HttpResponse:
    user, opened, locked = _opened(request, number)
    if locked:
        return _detail(request, user, opened, locked, status=409)
    try:
        services.reply(user, opened, request.POST.get("text", ""), tells=request.POST.get("tells", ""))
    except CaseError as exc:
        return _detail(
            request,
            user,
            opened,
            locked,
            status=exc.status,
            reply_error=exc.message,
            reply_text=request.POST.get("text", ""),
        )
    return redirect("tip_detail", number=number)


@login_required
@require_POST
def tip_identity(request: HttpRequest, number: str) -> HttpResponse:
    """Show the named reporter's identity (a POST, so no prefetch or history replays a logged read)."""
    user, opened, locked = _opened(request, number)
    private = keys.private_key(request)
    if locked or private is None:
        return _detail(request, user, opened, locked or str(KEY_LOCKED), status=409)
    try:
        identity = services.read_identity(user, opened, private)
    except CaseError as exc:
        return _detail(request, user, opened, locked, status=exc.status, identity_error=exc.message)
    response = _detail(request, user, opened, locked, identity=identity)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def tip_release(request: HttpRequest, number: str) -> HttpResponse:
    user, opened, locked = _opened(request, number)
    private = keys.private_key(request)
    if locked or private is None:
        return _detail(request, user, opened, locked or str(KEY_LOCKED), status=409)
    try:
        services.release_identity(
            user, opened, private, request.POST.get("member"), request.POST.get("reason", "")
        )
    except CaseError as exc:
        return _detail(request, user, opened, locked, status=exc.status, release_error=exc.message)
    return redirect("tip_detail", number=number)


@login_required
def tip_file(request: HttpRequest, number: str, file_id: int) -> HttpResponse:
    user, opened, locked = _opened(request, number)
    if locked:
        raise Http404
    try:
        name, data = services.read_file(user, opened, file_id)
    except CaseError:
        raise Http404 from None
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def tip_reads(request: HttpRequest, number: str) -> HttpResponse:
    """The read log of a tip: who read its content, identity or files, and when (the group leader's)."""
    user = _member_or_404(request)
    try:
        tip = services.member_tip(user, number)
    except CaseError:
        raise Http404 from None
    if not is_group_leader(user, tip):
        raise Http404
    reads = TipRead.objects.filter(tip=tip).select_related("user")[:500]
    return render(request, "tips/reads.html", {"tip": tip, "reads": reads})


@login_required
@require_http_methods(["GET", "POST"])
def tip_register(request: HttpRequest) -> HttpResponse:
    """A tip taken by phone, letter, e-mail or visit, registered by a member of the group."""
    user = _member_or_404(request)
    form = RegisterForm(user, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        group = d["group"]
        try:
            case, receipt = services.register_tip(
                services.TipInput(
                    group=group,
                    target_unit=d["target_unit"],
                    disciplines=list(d["disciplines"]),
                    content=d["content"],
                    accused_post=d["accused_post"],
                    accused_name=d["accused_name"],
                    named=d["named"] == "true",
                    name=d["name"],
                    phone=d["phone"],
                    channel=d["channel"],
                    received_at=d["received_at"],
                    files=request.FILES.getlist("file"),
                ),
                actor=user,
                issue_receipt=d["issue_receipt"],
            )
        except CaseError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            response = render(
                request,
                "tips/registered.html",
                {"case": case, "receipt": public.format_receipt(receipt) if receipt else ""},
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "tips/register.html", {"form": form}, status=422 if form.errors else 200)


@login_required
def tip_figures(request: HttpRequest) -> HttpResponse:
    """The inspection office's figures: counts only, never content."""
    user = _user(request)
    if not user.has_role(Role.INSPECTOR):
        raise Http404
    rounds = Round.objects.order_by("-window_start")
    chosen = rounds.filter(pk=_int(request.GET.get("round"))).first() or rounds.first()
    return render(
        request,
        "tips/figures.html",
        {"rounds": rounds, "round": chosen, "figures": figures.of_round(chosen) if chosen else None},
    )


def _int(value: Any) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0
