"""Generation runs: start a preview, regeneration or issue run; follow its progress; its files."""

from datetime import datetime

from django.http import Http404
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.pagination import paginate

from testamur.api.auth import require_perms
from testamur.api.common import (
    WRITE_ERRORS,
    Filters,
    Flag,
    Id,
    Input,
    IsoDate,
    PageNumberPagination,
    PathId,
    QueryId,
    Revision,
    Text,
    get_or_404,
    one_of,
    responses,
)
from testamur.api.idempotency import IDEMPOTENCY_DOC, idempotent
from testamur.api.routers.credentials import PDF_RESPONSE
from testamur.api.routers.refs import LearnerRef, UserRef
from testamur.api.schemas.credentials import CredentialRef, Skipped
from testamur.core.downloads import stored_file_response
from testamur.credentials import selectors
from testamur.credentials.gates import Fix, fix_url
from testamur.credentials.issue_options import BACKDATE_DAYS, BACKDATE_WORD, IssueOptions
from testamur.credentials.models import GenerationRun, RunItemStatus, RunKind, RunStatus
from testamur.credentials.runs import run_start
from testamur.credentials.views.common import VIEW, VIEW_RUNS
from testamur.credentials.views.runs import NO_RUN_FILE

router = Router(tags=["Generation runs"])

NOT_FOUND_SKIPPED = "It does not exist."


class RunFiles(Schema):
    combined_pdf: str | None = Field(description="The print version: never send it digitally.")
    mail_merge: str | None


class RunOut(Schema):
    id: int
    kind: one_of(RunKind)
    kind_label: str
    status: one_of(RunStatus)
    status_label: str
    is_finished: bool
    total: int
    processed: int
    done_count: int
    failed_count: int
    skipped_count: int
    percent: int
    options: dict
    error: str
    created_by: UserRef | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    files_purged_at: datetime | None = Field(description="Run files are kept 7 days.")
    files: RunFiles

    @staticmethod
    def resolve_kind_label(run) -> str:
        return run.get_kind_display()

    @staticmethod
    def resolve_status_label(run) -> str:
        return run.get_status_display()

    @staticmethod
    def resolve_files(run) -> dict:
        def url(field, which):
            if run.files_purged_at or not field:
                return None
            return reverse(f"api-v1:run_file_{which}", kwargs={"run_id": run.pk})

        return {
            "combined_pdf": url(run.combined_pdf, "combined"),
            "mail_merge": url(run.mail_merge, "mail_merge"),
        }


class RunCredential(CredentialRef):
    learner: LearnerRef


class SkipReasonOut(Schema):
    reason: str
    fix: one_of(Fix) = Field(description="What puts it right.")
    fix_url: str = Field(description="The page of the web application that puts it right.")


class RunItemOut(Schema):
    position: int
    credential: RunCredential
    status: one_of(RunItemStatus)
    message: str
    reasons: list[SkipReasonOut] = Field(
        description="Why a skipped credential was skipped: each reason, and where to fix it."
    )
    finished_at: datetime | None

    @staticmethod
    def resolve_reasons(item) -> list[dict]:
        return [
            {**entry, "fix_url": fix_url(entry["fix"], item.credential)} for entry in item.reasons
        ]


class RunItemFilters(Filters):
    status: one_of(RunItemStatus, "") = Field("", description="Only the items in this status.")


class RunStarted(Schema):
    run: RunOut
    queued: list[int] = Field(description="The credentials the run will process.")
    skipped: list[Skipped]
    summary: str


class RunRequest(Input):
    credentials: list[Id] = Field(..., min_length=1, max_length=5000)
    revisions: dict[QueryId, Revision] | None = Field(
        None, description="Credential id → the revision you saw; a changed one is skipped."
    )


class IssueRunRequest(RunRequest):
    issued_date: IsoDate = Field(
        description="Printed on the documents: not in the future, not before the enrolment "
        f"commenced; more than {BACKDATE_DAYS} days back needs backdate_confirmation and "
        "backdate_reason."
    )
    final_qualification: Flag = Field(
        description="True also marks each enrolment's qualification issued with the number. "
        "Only when every credential is a Testamur of a qualification."
    )
    status_reason: Text = Field("", max_length=500)
    mail_merge: Flag = Field(False, description="Also build the mail-merge spreadsheet.")
    backdate_confirmation: Text = Field(
        "", max_length=20, description=f"{BACKDATE_WORD}, to confirm a back-dated issue."
    )
    backdate_reason: Text = Field(
        "", max_length=500, description="Why a back-dated issue carries that date (recorded)."
    )


def _start(request, kind: RunKind, payload: RunRequest, options: IssueOptions | None = None):
    credentials = selectors.credentials_selected(payload.credentials)
    found = {c.pk for c in credentials}
    revisions = {pk: rev for pk, rev in (payload.revisions or {}).items() if pk in found}
    run, outcome = run_start(
        actor=request.auth,
        kind=kind,
        credentials=credentials,
        options=options,
        revisions=revisions,
    )
    missing = [pk for pk in payload.credentials if pk not in found]
    skipped = [{"item": str(item), "reason": str(reason)} for item, reason in outcome.skipped]
    skipped += [{"item": f"Credential {pk}", "reason": NOT_FOUND_SKIPPED} for pk in missing]
    started = {
        "run": GenerationRun.objects.select_related("created_by").get(pk=run.pk),
        "queued": [c.pk for c in outcome.done],
        "skipped": skipped,
        "summary": outcome.summary(),
    }
    return Status(202, started)


START = {"response": responses({202: RunStarted}, WRITE_ERRORS), "openapi_extra": IDEMPOTENCY_DOC}


@router.post("/runs/preview", **START, summary="Start a preview run (Merge documents)")
@decorate_view(idempotent)
def run_preview(request, payload: RunRequest):
    """Merge documents: generate drafts (or show issued ones) and one combined PDF to check."""
    require_perms(request, VIEW, VIEW_RUNS)
    return _start(request, RunKind.PREVIEW, payload)


@router.post("/runs/regenerate", **START, summary="Start a regeneration run")
@decorate_view(idempotent)
def run_regenerate(request, payload: RunRequest):
    """Generate the drafts again from today's data (not for issued or cancelled credentials)."""
    require_perms(request, VIEW, VIEW_RUNS)
    return _start(request, RunKind.REGENERATE, payload)


@router.post("/runs/issue", **START, summary="Start an issue run")
@decorate_view(idempotent)
def run_issue(request, payload: IssueRunRequest):
    """Issue credentials (Admins and Owners): numbered, signed and stored. Requested,
    Generating and Failed ones are generated in the same run; no separate generate is needed.

    Credentials a gate stops (USI, settings, no competent units…) are skipped with the reason.
    """
    require_perms(request, VIEW, VIEW_RUNS)
    options = IssueOptions(
        issued_on=payload.issued_date,
        final_qualification=payload.final_qualification,
        status_reason=payload.status_reason,
        mail_merge=payload.mail_merge,
        backdate_confirmation=payload.backdate_confirmation,
        backdate_reason=payload.backdate_reason,
    )
    return _start(request, RunKind.ISSUE, payload, options)


@router.get("/runs", response=responses({200: list[RunOut]}), summary="Generation runs")
@paginate(PageNumberPagination)
def run_list(request):
    """Runs, newest first."""
    require_perms(request, VIEW_RUNS)
    return selectors.run_list()


def _run(pk: int) -> GenerationRun:
    return get_or_404(GenerationRun.objects.select_related("created_by"), "run", pk)


@router.get(
    "/runs/{run_id}", response=responses({200: RunOut}), summary="A run's status and progress"
)
def run_detail(request, run_id: PathId):
    """A run's status and progress; poll it until `is_finished`."""
    require_perms(request, VIEW_RUNS)
    return _run(run_id)


@router.get(
    "/runs/{run_id}/items",
    response=responses({200: list[RunItemOut]}),
    summary="A run's credentials and outcomes",
)
@paginate(PageNumberPagination)
def run_item_list(request, run_id: PathId, filters: Query[RunItemFilters]):
    """Each credential of the run: done, failed or skipped, and why. Skipped ones include
    those skipped when the run started (`?status=skipped` lists only them)."""
    require_perms(request, VIEW_RUNS, VIEW)
    items = selectors.run_items(_run(run_id))
    return items.filter(status=filters.status) if filters.status else items


def _run_file(run: GenerationRun, field, filename: str, content_type: str, attachment: bool):
    if run.files_purged_at or not field:
        raise Http404(NO_RUN_FILE)
    return stored_file_response(field, filename, content_type=content_type, attachment=attachment)


@router.get(
    "/runs/{run_id}/files/combined",
    response=responses({200: None}),
    openapi_extra=PDF_RESPONSE,
    url_name="run_file_combined",
    summary="Download the run's print PDF",
)
def run_file_combined(request, run_id: PathId):
    """The combined print PDF (not locked: for printing only, never send it digitally)."""
    require_perms(request, VIEW_RUNS)
    run = _run(run_id)
    return _run_file(
        run, run.combined_pdf, f"run-{run.pk}-print-version.pdf", "application/pdf", True
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/runs/{run_id}/files/mail-merge",
    response=responses({200: None}),
    openapi_extra={
        "responses": {
            200: {
                "description": "The mail-merge spreadsheet.",
                "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
    url_name="run_file_mail_merge",
    summary="Download the run's mail-merge spreadsheet",
)
def run_file_mail_merge(request, run_id: PathId):
    require_perms(request, VIEW_RUNS)
    run = _run(run_id)
    return _run_file(run, run.mail_merge, f"run-{run.pk}-mail-merge.xlsx", XLSX, True)
