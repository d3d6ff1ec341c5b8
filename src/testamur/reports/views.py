"""Report pages and downloads. Views parse the filters and hand them to a selector or export."""

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from testamur.core.checkpoints import checkpoint_latest
from testamur.core.paging import cursor_parse
from testamur.core.permissions import require_login, require_permission
from testamur.credentials.rendering.engine import TemplateError
from testamur.reports import exports
from testamur.reports.clock import ClockWindow, clock_counts, clock_page, watch_start
from testamur.reports.dashboard import dashboard_counts
from testamur.reports.forms import ClockForm, RegisterReportForm
from testamur.reports.models import ClockDigest, DigestStatus
from testamur.reports.selectors import COLUMNS, Grouping, register_report_page
from testamur.reports.services import clock_digest_send, rto_today

VIEW = "credentials.view_credential"
VIEW_CLOCK = ("credentials.view_credential", "training.view_courseenrolment")
SEND_DIGEST = "reports.add_clockdigest"

PDF_FAILED = "The printable report could not be made: {error}"
DIGEST_DONE = {
    DigestStatus.SENT: "The 30-day clock email was sent to {recipients}.",
    DigestStatus.NOTHING_DUE: "Nothing is overdue or due this week, so no email was sent.",
    DigestStatus.NO_RECIPIENTS: "No Admin or Owner has an email address, so no email was sent.",
    DigestStatus.FAILED: "The 30-day clock email could not be sent: {error}",
}


@require_login
def home(request):
    return render(request, "reports/home.html", {"counts": dashboard_counts()})


@require_permission(VIEW)
def index(request):
    return render(request, "reports/index.html", {"counts": clock_counts(today=rto_today())})


def _form(request) -> tuple[RegisterReportForm, object]:
    form = RegisterReportForm(request.GET)
    return form, form.report_filters()


@require_permission(VIEW)
def register_report(request):
    form, filters = _form(request)
    page = None
    if filters is not None:
        page = register_report_page(
            filters,
            after=cursor_parse(request.GET.get("after")),
            before=cursor_parse(request.GET.get("before")),
        )
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    return render(
        request,
        "reports/register.html",
        {
            "form": form,
            "filters": filters,
            "page_obj": page,
            "columns": COLUMNS,
            "by_course": filters is not None and filters.grouping == Grouping.COURSE,
            "download_query": query.urlencode(),
            "pdf_max_rows": exports.PDF_MAX_ROWS,
        },
    )


def _invalid(request, form, status: int = 400):
    return render(
        request,
        "reports/register.html",
        {"form": form, "filters": None, "page_obj": None, "columns": COLUMNS},
        status=status,
    )


@require_permission(VIEW)
def register_csv(request):
    form, filters = _form(request)
    if filters is None:
        return _invalid(request, form)
    response = StreamingHttpResponse(
        exports.csv_stream(filters), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, exports.filename(filters, "csv")
    )
    return response


@require_permission(VIEW)
def register_pdf(request):
    form, filters = _form(request)
    if filters is None:
        return _invalid(request, form)
    if exports.pdf_too_big(filters):
        form.add_error(None, exports.PDF_TOO_MANY.format(limit=exports.PDF_MAX_ROWS))
        return _invalid(request, form, status=422)
    try:
        pdf = exports.report_pdf(filters)
    except TemplateError as error:
        form.add_error(None, PDF_FAILED.format(error=error))
        return _invalid(request, form, status=200)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        False, exports.filename(filters, "pdf")
    )
    return response


@require_permission(VIEW)
def register_checkpoint(request):
    """The newest signed checkpoint of the event log, to keep beside a downloaded register."""
    checkpoint = checkpoint_latest()
    if checkpoint is None:
        messages.warning(request, exports.CHECKPOINT_NONE)
        return redirect("reports:register")
    response = HttpResponse(checkpoint.to_json(), content_type="application/json")
    response["Content-Disposition"] = content_disposition_header(True, checkpoint.path.name)
    return response


@require_permission(*VIEW_CLOCK)
def clock(request):
    form = ClockForm(request.GET or None)
    window = form.window_value()
    today = rto_today()
    counts = clock_counts(today=today)
    page = clock_page(
        today=today, window=window, page_number=request.GET.get("page"), counts=counts
    )
    return render(
        request,
        "reports/clock.html",
        {
            "form": form,
            "window": window,
            "window_label": dict(ClockWindow.CHOICES)[window],
            "today": today,
            "counts": counts,
            "page_obj": page,
            "last_digest": ClockDigest.objects.first(),
            "watch_start": watch_start(today),
        },
    )


@require_permission(*VIEW_CLOCK, SEND_DIGEST)
@require_POST
def clock_send(request):
    digest = clock_digest_send(day=rto_today(), again=True, actor=request.user)
    text = DIGEST_DONE[digest.status].format(recipients=digest.recipients, error=digest.error)
    level = messages.error if digest.status == DigestStatus.FAILED else messages.success
    level(request, text)
    return redirect("reports:clock")
