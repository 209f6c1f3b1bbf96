"""Public pages: file a case without an account, see the receipt once, follow the case and write with it.

The receipt code is only ever posted (never in a URL); a wrong and an unknown receipt get the same answer; the
same per-client limit as the API applies (429 with `Retry-After`).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from nuanqi.clientaddr import client_address

from . import kinds, public
from .errors import CaseError


def _intake(slug: str) -> tuple[kinds.KindSpec, public.PublicIntake]:
    try:
        return public.intake_for(slug)
    except kinds.UnknownKind:
        raise Http404 from None


def _busy(request: HttpRequest, intake: public.PublicIntake) -> HttpResponse | None:
    wait = public.throttle().retry_after(client_address(request))
    if wait is None:
        return None
    response = render(request, "public/busy.html", {"intake": intake, "wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


@require_http_methods(["GET", "POST"])
def public_form(request: HttpRequest, slug: str) -> HttpResponse:
    spec, intake = _intake(slug)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        if (busy := _busy(request, intake)) is not None:
            return busy
        public.throttle().hit(client_address(request))
        values = {
            f.name: (
                request.POST.getlist(f.name) if f.kind == "multichoice" else request.POST.get(f.name, "")
            )
            for f in intake.fields
        }
        try:
            filed = public.file_public(spec, intake, values, request.FILES.getlist("file"))
        except CaseError as exc:
            errors[exc.field or "__all__"] = exc.message
        else:
            context = {
                "intake": intake,
                "case": filed.case,
                "receipt": public.format_receipt(filed.receipt),
                "clock_starts_at": public.clock_start(filed.case),
            }
            response = render(request, "public/receipt.html", context)
            response["Cache-Control"] = "no-store"
            return response
    else:
        # A link may name a hidden field's value (the notice of one round links to its form).
        values = {
            f.name: request.GET.get(f.name, "")[: f.max_length] for f in intake.fields if f.kind == "hidden"
        }
    status = 422 if errors else 200
    return render(
        request,
        "public/form.html",
        {"intake": intake, "values": values, "errors": errors, "fields": intake.fields},
        status=status,
    )


def _status_page(
    request: HttpRequest,
    spec: kinds.KindSpec,
    intake: public.PublicIntake,
    opened: public.Opened,
    *,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    context = {
        "intake": intake,
        "progress": public.progress(spec, intake, opened),
        "receipt": request.POST.get("receipt", ""),
        **extra,
    }
    response = render(request, "public/status.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def public_status(request: HttpRequest, slug: str) -> HttpResponse:
    spec, intake = _intake(slug)
    if request.method == "GET":
        return render(request, "public/lookup.html", {"intake": intake})
    if (busy := _busy(request, intake)) is not None:
        return busy
    opened = public.lookup(spec, request.POST.get("receipt", ""))
    if opened is None:
        public.throttle().hit(client_address(request))
        return render(request, "public/lookup.html", {"intake": intake, "not_found": True}, status=404)
    return _status_page(request, spec, intake, opened)


@require_POST
def public_message(request: HttpRequest, slug: str) -> HttpResponse:
    spec, intake = _intake(slug)
    if (busy := _busy(request, intake)) is not None:
        return busy
    opened = public.lookup(spec, request.POST.get("receipt", ""))
    if opened is None:
        public.throttle().hit(client_address(request))
        return render(request, "public/lookup.html", {"intake": intake, "not_found": True}, status=404)
    try:
        public.add_public_message(
            spec, intake, opened, request.POST.get("text", ""), request.FILES.getlist("file")
        )
    except CaseError as exc:
        return _status_page(
            request,
            spec,
            intake,
            opened,
            status=422,
            message_error=exc.message,
            text=request.POST.get("text", ""),
        )
    return _status_page(request, spec, intake, opened, sent=True)
