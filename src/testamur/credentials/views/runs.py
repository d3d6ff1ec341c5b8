"""Runs (log history): the list, one run with its live progress, its files."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from testamur.core.downloads import stored_file_response
from testamur.core.permissions import require_permission
from testamur.credentials import selectors
from testamur.credentials.issue_options import IssueOptions
from testamur.credentials.models import GenerationRun, RunKind
from testamur.credentials.services import PERM_ISSUE, PERM_REQUEST
from testamur.credentials.views.common import VIEW_RUNS, start_run
from testamur.training import selectors as training_selectors

NO_RUN_FILE = "This file is not there: run files are deleted after 7 days."


@require_permission(VIEW_RUNS)
def run_list(request):
    page_obj = training_selectors.paginate(selectors.run_list(), request.GET.get("page"))
    return render(request, "credentials/run_list.html", {"page_obj": page_obj})


def _run_context(request, run: GenerationRun) -> dict:
    return {
        "run": run,
        "issue_options": IssueOptions.from_json(run.options) if run.kind == RunKind.ISSUE else None,
        "problems": [] if run.is_finished else selectors.run_problems(run),
        "can_issue": request.user.has_perm(PERM_ISSUE),
        "can_request": request.user.has_perm(PERM_REQUEST),
        "is_preview": run.kind == RunKind.PREVIEW,
    }


@require_permission(VIEW_RUNS)
def run_detail(request, pk: int):
    run = get_object_or_404(GenerationRun.objects.select_related("created_by"), pk=pk)
    items = training_selectors.paginate(
        selectors.run_items(run), request.GET.get("page"), per_page=100
    )
    context = {
        **_run_context(request, run),
        "page_obj": items,
        "skipped": selectors.run_skipped(run),
        # Left out before the run started (Request and issue): no credential was requested.
        "left_out_before": run.options.get("left_out", []) if run.options else [],
    }
    return render(request, "credentials/run_detail.html", context)


@require_permission(VIEW_RUNS)
def run_progress(request, pk: int):
    """The live part of a run page, polled every second until the run has finished."""
    run = get_object_or_404(GenerationRun.objects.select_related("created_by"), pk=pk)
    response = render(request, "credentials/_run_progress.html", _run_context(request, run))
    if run.is_finished and request.GET.get("watching"):
        # The page was loaded mid-run: reload it once so the item table is final too.
        response["HX-Refresh"] = "true"
    return response


@require_permission(VIEW_RUNS)
def run_file(request, pk: int):
    run = get_object_or_404(GenerationRun, pk=pk)
    which = request.GET.get("which")
    if run.files_purged_at or which not in ("combined", "mail_merge"):
        raise Http404(NO_RUN_FILE)
    if which == "combined":
        if not run.combined_pdf:
            raise Http404(NO_RUN_FILE)
        return stored_file_response(
            run.combined_pdf,
            f"run-{run.pk}-print-version.pdf",
            content_type="application/pdf",
            attachment=False,
        )
    if not run.mail_merge:
        raise Http404(NO_RUN_FILE)
    return stored_file_response(
        run.mail_merge,
        f"run-{run.pk}-mail-merge.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        attachment=True,
    )


@require_permission(VIEW_RUNS, PERM_REQUEST)
@require_POST
def run_again(request, pk: int):
    """Preview again: a new Merge documents run for the same credentials."""
    run = get_object_or_404(GenerationRun, pk=pk)
    back = reverse("credentials:run_detail", args=[run.pk])
    credentials = selectors.run_credentials(run)
    return start_run(request, RunKind.PREVIEW, credentials, None, back)
