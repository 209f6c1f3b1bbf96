"""The points ledger's pages, for the office only (anyone else gets 404): export, template, import."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from nuanqi.accounts.models import Role, User
from nuanqi.lib.excel_import import ImportReport, TemplateError

from .ledger import export_points, import_points, write_points

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _office(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not user.has_role(Role.ADMIN, Role.DISPATCHER):
        raise Http404
    return user


def _download(name: str) -> HttpResponse:
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def points_xlsx(request: HttpRequest) -> HttpResponse:
    user = _office(request)
    response = _download(f"points-{timezone.localdate():%Y-%m-%d}.xlsx")
    export_points(response, actor=user)  # type: ignore[arg-type]  # a file-like object openpyxl writes to
    return response


@login_required
@require_GET
def points_template(request: HttpRequest) -> HttpResponse:
    _office(request)
    response = _download("points-template.xlsx")
    write_points(response)  # type: ignore[arg-type]
    return response


@login_required
@require_http_methods(["GET", "POST"])
def points_import(request: HttpRequest) -> HttpResponse:
    user = _office(request)
    report: ImportReport | None = None
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "请选择要导入的 Excel 文件"
        else:
            try:
                report = import_points(upload, actor=user)
            except TemplateError as exc:
                error = str(exc)
    status = 400 if error or (report is not None and not report.ok) else 200
    return render(request, "patrol/points_import.html", {"report": report, "error": error}, status=status)
