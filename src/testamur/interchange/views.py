"""Import pages (upload, match columns, report, import) and the AVETMISS export page."""

import tempfile
from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from testamur.core.paging import paginate
from testamur.core.permissions import require_permission
from testamur.interchange import selectors, services
from testamur.interchange.forms import (
    AvetmissExportForm,
    AvetmissUploadForm,
    MappingForm,
    SpreadsheetUploadForm,
)
from testamur.interchange.models import SPREADSHEET_KINDS, ImportJob, ImportStatus
from testamur.interchange.spreadsheets import IMPORTERS
from testamur.organisation.models import Organisation

PERM_IMPORT = "interchange.import_data"
PERM_EXPORT = "interchange.export_avetmiss"

STARTED_IN_BACKGROUND = "The file is being checked in the background; this page shows progress."
IMPORT_STARTED = "Importing {file}."


def _errors_to_form(form, field: str, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(field, message)


@require_permission(PERM_IMPORT)
def import_home(request):
    kind = request.GET.get("kind")
    sheet_form = SpreadsheetUploadForm(
        prefix="sheet", initial={"kind": kind} if kind in SPREADSHEET_KINDS else None
    )
    nat_form = AvetmissUploadForm(prefix="nat")
    if request.method == "POST" and request.POST.get("upload") == "spreadsheet":
        sheet_form = SpreadsheetUploadForm(request.POST, request.FILES, prefix="sheet")
        if sheet_form.is_valid():
            try:
                job = services.import_job_create(
                    actor=request.user,
                    kind=sheet_form.cleaned_data["kind"],
                    upload=sheet_form.cleaned_data["file"],
                )
            except ValidationError as error:
                _errors_to_form(sheet_form, "file", error)
            else:
                return redirect("interchange:job_columns", job.pk)
    elif request.method == "POST" and request.POST.get("upload") == "avetmiss":
        nat_form = AvetmissUploadForm(request.POST, request.FILES, prefix="nat")
        if nat_form.is_valid():
            try:
                job = services.avetmiss_job_create(
                    actor=request.user, uploads=nat_form.cleaned_data["files"]
                )
            except ValidationError as error:
                _errors_to_form(nat_form, "files", error)
            else:
                return _start(request, job, commit=False)
    page_obj = paginate(selectors.import_job_list(), request.GET.get("page"))
    context = {
        "sheet_form": sheet_form,
        "nat_form": nat_form,
        "page_obj": page_obj,
        "importers": [(kind, IMPORTERS[kind]) for kind in SPREADSHEET_KINDS],
    }
    return render(request, "interchange/import.html", context)


def _start(request, job: ImportJob, *, commit: bool):
    try:
        job = services.import_job_start(job=job, commit=commit)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if job.is_running:
            messages.info(request, STARTED_IN_BACKGROUND)
    return redirect("interchange:job_detail", job.pk)


@require_permission(PERM_IMPORT)
def job_columns(request, pk: int):
    job = get_object_or_404(ImportJob, pk=pk, kind__in=SPREADSHEET_KINDS)
    importer = IMPORTERS[job.kind]
    initial = {f"column_{field}": header for field, header in job.mapping.items()}
    initial["dry_run"] = job.dry_run
    form = MappingForm(
        request.POST or None, importer=importer, headers=job.headers, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        dry_run = form.cleaned_data["dry_run"]
        try:
            services.import_job_map(
                actor=request.user, job=job, mapping=form.mapping, dry_run=dry_run
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            return _start(request, job, commit=not dry_run)
    samples = selectors.import_job_samples(job)
    rows = [
        (column, form[name], samples.get(job.mapping.get(column.field, ""), []))
        for column, name in form.column_fields
    ]
    matched = set(job.mapping.values())
    unmatched = [(h, samples.get(h, [])) for h in job.headers if h not in matched]
    context = {"job": job, "form": form, "rows": rows, "unmatched": unmatched}
    return render(request, "interchange/columns.html", context)


def _job_context(job: ImportJob) -> dict:
    return {
        "job": job,
        "totals": job.totals(),
        "is_spreadsheet": job.kind in SPREADSHEET_KINDS,
    }


@require_permission(PERM_IMPORT)
def job_detail(request, pk: int):
    job = get_object_or_404(ImportJob.objects.select_related("created_by"), pk=pk)
    return render(request, "interchange/job.html", _job_context(job))


@require_permission(PERM_IMPORT)
def job_progress(request, pk: int):
    """The live part of a job page, polled every second while the job runs."""
    job = get_object_or_404(ImportJob, pk=pk)
    response = render(request, "interchange/_job_progress.html", _job_context(job))
    if not job.is_running and request.GET.get("watching"):
        response["HX-Refresh"] = "true"  # show the full report
    return response


@require_permission(PERM_IMPORT)
@require_POST
def job_run(request, pk: int):
    """Import a file whose dry run found no problems (it is checked once more first)."""
    job = get_object_or_404(ImportJob, pk=pk)
    if job.status != ImportStatus.CHECKED:
        messages.error(request, services.JOB_NOT_CHECKED)
        return redirect("interchange:job_detail", job.pk)
    messages.success(request, IMPORT_STARTED.format(file=job.original_name))
    return _start(request, job, commit=True)


def _initial_period(request) -> dict:
    """A period given in the address (the dashboard's reporting notice links to last year)."""
    initial = {}
    for name in ("date_from", "date_to"):
        try:
            initial[name] = date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            continue
    return initial


@require_permission(PERM_EXPORT)
def avetmiss_export(request):
    """Check the period's files (validation report), then download them.

    Files with errors are refused unless the person gives the reason to download them anyway.
    """
    form = AvetmissExportForm(request.POST or None, initial=_initial_period(request))
    context = {"form": form, "result": None}
    if request.method == "POST" and form.is_valid():
        start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        rules = form.chosen_rules
        if request.POST.get("action") != "download":
            context["result"] = services.avetmiss_check(date_from=start, date_to=end, rules=rules)
            return render(request, "interchange/avetmiss_export.html", context)
        # FileResponse closes the file once it has been sent.
        out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
        result = services.avetmiss_export(
            actor=request.user,
            date_from=start,
            date_to=end,
            out=out,
            rules=rules,
            override_reason=form.cleaned_data["override_reason"],
        )
        if not result.problems and not result.refused:
            out.seek(0)
            toid = Organisation.load().rto_code
            name = f"avetmiss-{toid}-{start:%Y%m%d}-{end:%Y%m%d}.zip"
            return FileResponse(out, as_attachment=True, filename=name)
        out.close()
        context["result"] = result
    return render(request, "interchange/avetmiss_export.html", context)
