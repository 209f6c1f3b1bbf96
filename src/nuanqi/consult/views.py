"""Consultation pages: the sessions list, a session with its items, raising an item, recording an
on-the-spot answer on a phone, and the public summary of a session (no account)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from nuanqi.accounts.models import Unit, User
from nuanqi.cases.errors import CaseError
from nuanqi.cases.models import Case
from nuanqi.cases.visibility import visible_cases

from .access import is_consult_office, public_sessions, visible_sessions
from .models import Participant, ParticipantRole, Session
from .services import (
    NewSession,
    add_participant,
    can_record,
    create_session,
    decision_label,
    facts,
    participant_account,
    raise_item,
    record_on_spot_answer,
    session_items,
    unit_figures,
    update_session,
)
from .workflow import ASSIGNED, CONSULT


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _session_or_404(user: User, session_id: int) -> Session:
    session = visible_sessions(user).select_related("organiser").filter(pk=session_id).first()
    if session is None:
        raise Http404
    return session


@login_required
def session_list(request: HttpRequest) -> HttpResponse | FileResponse:
    user = _user(request)
    if user.is_external:
        raise Http404
    if request.GET.get("format") == "xlsx":
        import io

        from .ledger import write_sessions

        buf = io.BytesIO()
        write_sessions(buf, visible_sessions(user))
        buf.seek(0)
        return FileResponse(buf, as_attachment=True, filename="协商活动台账.xlsx")
    sessions = list(visible_sessions(user).select_related("organiser"))
    return render(
        request,
        "consult/session_list.html",
        {
            "sessions": sessions,
            "can_create": is_consult_office(user),
            # The import page is the office's (admins and dispatchers); the consult kind wants the consult
            # office too: administrators are both.
            "can_import": user.has_role("admin"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not is_consult_office(user):
        raise Http404
    error = ""
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("topic", "held_on", "organiser", "venue", "minutes")}
        try:
            session = create_session(
                NewSession(
                    topic=values["topic"],
                    held_on=values["held_on"],
                    organiser=values["organiser"],
                    venue=values["venue"],
                    report_summary=request.POST.get("report_summary", ""),
                    minutes=values["minutes"],
                    public=request.POST.get("public") == "on",
                ),
                actor=user,
                report=request.FILES.get("report"),
            )
        except CaseError as exc:
            error = exc.message
        else:
            return redirect("consult_session", session_id=session.pk)
    return render(
        request,
        "consult/session_new.html",
        {
            "error": error,
            "values": values,
            "units": Unit.objects.filter(active=True).order_by("sort", "name"),
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    user = _user(request)
    session = _session_or_404(user, session_id)
    error = ""
    op = request.POST.get("op", "item")
    if request.method == "POST" and op in ("participant", "minutes"):
        if not is_consult_office(user):
            raise Http404
        try:
            if op == "participant":
                unit_id = request.POST.get("unit", "")
                add_participant(
                    session,
                    role=request.POST.get("role", ""),
                    name=request.POST.get("name", ""),
                    sector=request.POST.get("sector", ""),
                    unit=Unit.objects.filter(pk=unit_id).first() if unit_id.isdigit() else None,
                    user=participant_account(request.POST.get("username", "")),
                    actor=user,
                )
            else:
                update_session(
                    session,
                    minutes=request.POST.get("minutes", ""),
                    public=request.POST.get("public") == "on",
                    actor=user,
                )
        except CaseError as exc:
            error = exc.message
        else:
            return redirect("consult_session", session_id=session.pk)
    elif request.method == "POST":
        if not can_record(user):
            raise Http404
        participant = session.participants.filter(pk=request.POST.get("raised_by") or 0).first()
        unit_id = request.POST.get("lead_unit", "")
        try:
            raise_item(
                session,
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                raised_by=participant,
                raised_by_name="" if participant else request.POST.get("raised_by_name", ""),
                lead_unit=Unit.objects.filter(pk=unit_id).first() if unit_id.isdigit() else None,
                actor=user,
            )
        except CaseError as exc:
            error = exc.message
        else:
            return redirect("consult_session", session_id=session.pk)
    items = session_items(session, visible_cases(user))
    known = facts(items)
    rows = [
        {"case": c, "facts": known[c.pk], "decision": decision_label(known[c.pk].decision)} for c in items
    ]
    return render(
        request,
        "consult/session_detail.html",
        {
            "session": session,
            "participants": list(session.participants.select_related("unit")),
            "rows": rows,
            "figures": unit_figures(items, known),
            "can_record": can_record(user),
            "can_edit": is_consult_office(user),
            "roles": ParticipantRole.choices,
            "assigned": ASSIGNED,
            "units": Unit.objects.filter(active=True).order_by("sort", "name") if can_record(user) else [],
            "files": _files(session),
            "error": error,
        },
        status=400 if error else 200,
    )


def _files(session: Session) -> list[Any]:
    from django.contrib.contenttypes.models import ContentType

    from nuanqi.attachments.models import Attachment

    return list(
        Attachment.objects.filter(owner_type=ContentType.objects.get_for_model(Session), owner_id=session.pk)
    )


@login_required
@require_http_methods(["GET", "POST"])
def spot_answer(request: HttpRequest, number: str) -> HttpResponse:
    """The phone page: one item, the answer the unit head gives at the session, one button."""
    user = _user(request)
    case = visible_cases(user).filter(kind=CONSULT, number=number).select_related("lead_unit").first()
    if case is None or not can_record(user):
        raise Http404
    session = _session_or_404(user, case.subject_id or 0)
    error = ""
    answer = ""
    if request.method == "POST":
        answer = request.POST.get("answer", "")
        try:
            record_on_spot_answer(case, answer, actor=user, version=request.POST.get("version"))
        except CaseError as exc:
            error = exc.message
        else:
            return redirect(f"{session_url(session)}#item-{case.number}")
    return render(
        request,
        "consult/spot_answer.html",
        {
            "case": case,
            "session": session,
            "answer": answer,
            "error": error,
            "open": case.status == ASSIGNED,
            "heads": list(
                session.participants.filter(role=ParticipantRole.UNIT_HEAD, unit=case.lead_unit_id)
            ),
        },
        status=400 if error else 200,
    )


def session_url(session: Session) -> str:
    from django.urls import reverse

    return reverse("consult_session", args=[session.pk])


# ---------------------------------------------------------------- public


def public_list(request: HttpRequest) -> HttpResponse:
    sessions = list(public_sessions().select_related("organiser"))
    return render(request, "consult/public_list.html", {"sessions": sessions})


def public_summary(request: HttpRequest, session_id: int) -> HttpResponse:
    """What was asked, who answered, what was adopted and done — the public words only: no internal notes,
    no handler names, no case numbers."""
    session = public_sessions().select_related("organiser").filter(pk=session_id).first()
    if session is None:
        raise Http404
    from nuanqi.cases.visibility import generic_cases

    items = session_items(session, generic_cases())
    known = facts(items)
    rows: list[dict[str, Any]] = [
        {"case": c, "facts": known[c.pk], "decision": decision_label(known[c.pk].decision)} for c in items
    ]
    speakers = {
        p.pk: p for p in Participant.objects.filter(session=session).exclude(role=ParticipantRole.CITIZEN)
    }
    for row in rows:
        c: Case = row["case"]
        p = speakers.get(c.requester_id or 0) if c.requester_type == "consult_participant" else None
        row["raised_by"] = f"{p.get_role_display()} {p.name}" if p else ""
    return render(
        request,
        "consult/public_summary.html",
        {"session": session, "rows": rows, "figures": unit_figures(items, known)},
    )


# ---------------------------------------------------------------- ledgers


@login_required
def session_ledger(request: HttpRequest, session_id: int) -> FileResponse:
    import io

    from .ledger import write_export

    user = _user(request)
    session = _session_or_404(user, session_id)
    buf = io.BytesIO()
    write_export(buf, session, visible_cases(user))
    buf.seek(0)
    return FileResponse(buf, as_attachment=True, filename=f"协商事项台账-{session.held_on:%Y%m%d}.xlsx")


@login_required
def import_template(request: HttpRequest) -> FileResponse:
    import io

    from .ledger import write_template

    if not can_record(_user(request)):
        raise Http404
    buf = io.BytesIO()
    write_template(buf)
    buf.seek(0)
    return FileResponse(buf, as_attachment=True, filename="协商事项导入模板.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def session_import(request: HttpRequest, session_id: int) -> HttpResponse:
    """Upload a filled template: every row checked, all filed or none, with the report."""
    from nuanqi.lib.excel_import import TemplateError

    from .ledger import run_import

    user = _user(request)
    session = _session_or_404(user, session_id)
    if not can_record(user):
        raise Http404
    report = None
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "请选择 Excel 文件"
        else:
            try:
                report = run_import(session, upload, actor=user)
            except TemplateError as exc:
                error = str(exc)
            except CaseError as exc:
                error = exc.message
    failed = bool(error or (report and not report.ok))
    return render(
        request,
        "consult/import.html",
        {"session": session, "report": report, "error": error},
        status=400 if failed else 200,
    )
