"""Register XLSX exports: start one (POST), watch its progress, download its file.

The file holds learners' personal data: only the person who asked for it, while they may
still see the register, can fetch it (anyone else gets a 404), with the private headers.
"""

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from testamur.core.downloads import stored_file_response
from testamur.core.permissions import require_permission
from testamur.reports import exports
from testamur.reports.models import ExportStatus, RegisterExport
from testamur.reports.register_exports import (
    EXPORT_KEPT_DAYS,
    export_stalled,
    register_export_again,
    register_export_start,
    register_exports_recent,
)
from testamur.reports.views import VIEW, _form, _invalid

EXPORT_NOT_READY = "This export has no file: it is {status}."
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NO_EXPORT_FILE = (
    f"This export's file is not there: export files are deleted after {EXPORT_KEPT_DAYS} days."
)


def _own(request, pk: int) -> RegisterExport:
    return get_object_or_404(RegisterExport, pk=pk, requested_by=request.user)


def _context(export: RegisterExport) -> dict:
    return {
        "export": export,
        "stalled": export_stalled(export),
        "xlsx_max_rows": exports.XLSX_MAX_ROWS,
        "kept_days": EXPORT_KEPT_DAYS,
    }


@require_POST
@require_permission(VIEW)
def register_xlsx(request):
    """Start an XLSX export of the report with the filters in the query string."""
    form, filters = _form(request)
    if filters is None:
        return _invalid(request, form)
    export = register_export_start(actor=request.user, query=request.GET.urlencode())
    return redirect("reports:export_detail", pk=export.pk)


@require_permission(VIEW)
def export_list(request):
    return render(
        request,
        "reports/export_list.html",
        {"exports": register_exports_recent(request.user), "kept_days": EXPORT_KEPT_DAYS},
    )


@require_permission(VIEW)
def export_detail(request, pk: int):
    export = _own(request, pk)
    return render(
        request,
        "reports/export_detail.html",
        {**_context(export), "exports": register_exports_recent(request.user)},
    )


@require_permission(VIEW)
def export_progress(request, pk: int):
    """The live part of an export page, polled every second until the export has finished."""
    return render(request, "reports/_export_progress.html", _context(_own(request, pk)))


@require_permission(VIEW)
def export_file(request, pk: int):
    export = _own(request, pk)
    if export.status != ExportStatus.DONE or not export.file:
        context = {
            **_context(export),
            "exports": register_exports_recent(request.user),
            "missing": NO_EXPORT_FILE
            if export.files_purged_at
            else EXPORT_NOT_READY.format(status=export.get_status_display().lower()),
        }
        return render(request, "reports/export_detail.html", context, status=404)
    return stored_file_response(
        export.file, export.filename, content_type=XLSX_TYPE, attachment=True
    )


@require_POST
@require_permission(VIEW)
def export_again(request, pk: int):
    export = register_export_again(actor=request.user, export=_own(request, pk))
    return redirect("reports:export_detail", pk=export.pk)
