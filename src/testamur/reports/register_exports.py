"""Register exports in the background: start one, write it (a task), watch it, fetch it.

An XLSX of a million rows takes minutes to write, longer than a request may run: the request
records what was asked (a RegisterExport) and queues a task; the export page polls the row's
progress and offers the file when it is done. Writing streams the rows from the register
selector and records progress every few thousand rows (one UPDATE), which also serves as the
export's heartbeat: an export whose heartbeat stops has lost its worker and says so.
"""

import tempfile
from datetime import timedelta

from django.core.files import File
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from testamur.core.events import event_record
from testamur.credentials.retention import RUN_FILES_KEPT_DAYS
from testamur.reports import exports
from testamur.reports.forms import RegisterReportForm
from testamur.reports.models import ExportFormat, ExportStatus, RegisterExport
from testamur.reports.selectors import ReportFilters, register_report

EXPORT_KEPT_DAYS = RUN_FILES_KEPT_DAYS
# A running export records progress every XLSX_PROGRESS_EVERY rows, many times a minute.
EXPORT_STALE_AFTER = timedelta(minutes=10)
EXPORTS_RECENT = 10

EXPORT_STOPPED = (
    "Stopped: the export made no progress for {minutes} minutes, so the worker writing it "
    "has stopped. Start it again."
)
EXPORT_WAITING = (
    "No worker has started this export for {minutes} minutes: check that a worker "
    "(manage.py run_worker) is running, or start it again."
)
EXPORT_FILTERS_GONE = "The report's filters no longer apply: {errors}"
EXPORT_FAILED = "The export could not be written: {error}"


class ExportAbandoned(Exception):
    """The export was marked stopped (and started again) while this worker was writing it."""


def report_filters_from_query(query: str) -> tuple[RegisterReportForm, ReportFilters | None]:
    form = RegisterReportForm(QueryDict(query))
    return form, form.report_filters()


def register_export_start(*, actor, query: str) -> RegisterExport:
    """Record an XLSX export of the register with these filters and queue its writing.

    `query` is the report page's query string; the caller has checked it gives filters.
    """
    _, filters = report_filters_from_query(query)
    if filters is None:
        raise ValueError("register_export_start needs valid filters")
    export = RegisterExport(
        requested_by=actor,
        query=query,
        filters_label="; ".join(filters.describe()),
        file_format=ExportFormat.XLSX,
        filename=exports.filename(filters, "xlsx"),
    )
    export.full_clean()
    with transaction.atomic():
        export.save()
        event_record(
            actor=actor,
            subject_type="register_export",
            subject_id=export.pk,
            action="register_export_requested",
            to_state=export.status,
            data={"query": query, "format": export.file_format},
        )
        transaction.on_commit(lambda: _enqueue(export.pk))
    return export


def _enqueue(export_id: int) -> None:
    from testamur.reports.tasks import write_register_export

    write_register_export.enqueue(export_id)


def register_export_write(*, export_id: int) -> RegisterExport:
    """Write the export's file (the task's body). Never leaves the export running: any error
    marks it failed with the reason."""
    now = timezone.now()
    claimed = RegisterExport.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=now, heartbeat_at=now
    )
    export = RegisterExport.objects.get(pk=export_id)
    if not claimed:  # written by another worker already, or given up
        return export
    try:
        _write(export)
    except ExportAbandoned:
        pass
    except Exception as exc:  # recorded on the export, which the page shows
        _fail(export, EXPORT_FAILED.format(error=f"{type(exc).__name__}: {exc}"))
    export.refresh_from_db()
    return export


def _running(export: RegisterExport):
    return RegisterExport.objects.filter(pk=export.pk, status=ExportStatus.RUNNING)


def _write(export: RegisterExport) -> None:
    form, filters = report_filters_from_query(export.query)
    if filters is None:
        errors = " ".join(str(error) for errors in form.errors.values() for error in errors)
        _fail(export, EXPORT_FILTERS_GONE.format(errors=errors))
        return
    total = register_report(filters).order_by().count()
    _running(export).update(rows_total=total, heartbeat_at=timezone.now())

    def progress(rows: int) -> None:
        if not _running(export).update(rows_done=rows, heartbeat_at=timezone.now()):
            raise ExportAbandoned

    with tempfile.TemporaryFile(suffix=".xlsx") as handle:
        rows, sheets = exports.xlsx_write(
            filters, handle, progress=progress, every=exports.XLSX_PROGRESS_EVERY
        )
        handle.seek(0)
        export.file.save(export.filename, File(handle), save=False)
    finished = timezone.now()
    with transaction.atomic():
        done = _running(export).update(
            status=ExportStatus.DONE,
            file=export.file.name,
            rows_done=rows,
            rows_total=rows,
            sheets=sheets,
            heartbeat_at=finished,
            finished_at=finished,
            expires_at=finished + timedelta(days=EXPORT_KEPT_DAYS),
        )
        if done:
            _finished_event(export, ExportStatus.DONE, data={"rows": rows, "sheets": sheets})
    if not done:
        export.file.storage.delete(export.file.name)


def _fail(export: RegisterExport, reason: str) -> bool:
    """Mark a queued or running export failed; False when it had finished already."""
    now = timezone.now()
    with transaction.atomic():
        failed = RegisterExport.objects.filter(
            pk=export.pk, status__in=(ExportStatus.QUEUED, ExportStatus.RUNNING)
        ).update(status=ExportStatus.FAILED, error=reason[:2000], finished_at=now)
        if failed:
            _finished_event(export, ExportStatus.FAILED, reason=reason)
    return bool(failed)


def _finished_event(export: RegisterExport, status: str, *, reason: str = "", data=None) -> None:
    event_record(
        actor=None,
        subject_type="register_export",
        subject_id=export.pk,
        action="register_export_finished",
        from_state=ExportStatus.RUNNING,
        to_state=status,
        reason=reason,
        data=data,
    )


def export_stalled(export: RegisterExport, now=None) -> str:
    """Why an unfinished export looks abandoned ("" when it is moving or finished)."""
    now = now or timezone.now()
    minutes = int(EXPORT_STALE_AFTER.total_seconds() // 60)
    if export.status == ExportStatus.RUNNING:
        if export.heartbeat_at and now - export.heartbeat_at > EXPORT_STALE_AFTER:
            return EXPORT_STOPPED.format(minutes=minutes)
    elif export.status == ExportStatus.QUEUED and now - export.created_at > EXPORT_STALE_AFTER:
        return EXPORT_WAITING.format(minutes=minutes)
    return ""


def register_export_again(*, actor, export: RegisterExport) -> RegisterExport:
    """Start a new export with the same filters; a stalled one is marked failed first.

    An export still moving is left alone and returned as it is.
    """
    if not export.is_finished:
        reason = export_stalled(export)
        if not reason:
            return export
        _fail(export, reason)
    return register_export_start(actor=actor, query=export.query)


def register_exports_recent(user, *, limit: int = EXPORTS_RECENT):
    return RegisterExport.objects.filter(requested_by=user)[:limit]
