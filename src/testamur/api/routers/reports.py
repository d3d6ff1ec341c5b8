"""The register report (by course or by course offer) as JSON pages or one CSV download."""

from datetime import date
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from ninja import Field, Query, Router, Schema

from testamur.accounts.models import User
from testamur.api.auth import require_perms
from testamur.api.common import MAX_ID, Filters, IsoDate, QueryId, one_of, responses
from testamur.credentials.models import CredentialStatus, CredentialType
from testamur.reports import exports
from testamur.reports.forms import DATES_REVERSED
from testamur.reports.selectors import COLUMNS, Grouping, ReportFilters, register_report_page
from testamur.training.models import Course, CourseOffer

router = Router(tags=["Reports"])

VIEW = "credentials.view_credential"
UNKNOWN = "There is no {what} with id {pk}."


class RegisterFilters(Filters):
    """The register report's filters, as on the Reports page."""

    group: Literal[Grouping.OFFER, Grouping.COURSE] = Grouping.OFFER
    status: one_of(CredentialStatus, "") = ""
    type: one_of(CredentialType, "") = ""
    date_field: Literal["credential_date", "issued_date"] = Field(
        "credential_date", description="Which date date_from and date_to apply to."
    )
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    officer: QueryId | None = Field(None, description="Issuing officer (user id).")
    course: QueryId | None = None
    offer: QueryId | None = None


class ReportPage(Schema):
    after: int | None = Field(None, ge=1, le=MAX_ID, description="The `next` of a page.")
    before: int | None = Field(None, ge=1, le=MAX_ID, description="The `previous` of a page.")


class Column(Schema):
    key: str
    heading: str


class RegisterRow(Schema):
    group: str = Field(description="The course or course offer code the row is grouped under.")
    starts_group: bool
    credential_id: int
    number: str
    type: str
    learner_name: str
    learner_id: str
    course: str
    offer: str
    credential_date: date
    issued_date: date | None
    status: one_of(CredentialStatus)
    status_label: str
    status_reason: str
    issuing_officer: str


class RegisterReport(Schema):
    filters: list[str] = Field(description="The filters in words, as printed on the report.")
    columns: list[Column]
    count: int
    count_capped: bool = Field(description="More than `count` credentials match.")
    next: int | None = Field(description="Pass as `after` for the next page (50 rows a page).")
    previous: int | None = Field(description="Pass as `before` for the previous page.")
    rows: list[RegisterRow]


def _found(model, pk: int | None, what: str, field: str):
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: UNKNOWN.format(what=what, pk=pk)})
    return found


def report_filters(filters: RegisterFilters) -> ReportFilters:
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ValidationError({"date_to": DATES_REVERSED})
    return ReportFilters(
        grouping=filters.group,
        status=filters.status,
        credential_type=filters.type,
        date_field=filters.date_field,
        date_from=filters.date_from,
        date_to=filters.date_to,
        issuing_officer=_found(User, filters.officer, "user", "officer"),
        course=_found(Course, filters.course, "course", "course"),
        offer=_found(CourseOffer, filters.offer, "course offer", "offer"),
    )


def _row(credential) -> dict:
    course = credential.course
    # By course, credentials from a qualification enrolment are listed too: they have no offer.
    offer = credential.course_enrolment.offer if credential.course_enrolment_id else None
    officer = credential.issuing_officer
    return {
        "group": credential.group_code,
        "starts_group": credential.starts_group,
        "credential_id": credential.pk,
        "number": credential.number or "",
        "type": credential.get_credential_type_display(),
        "learner_name": credential.learner.full_name,
        "learner_id": credential.learner.client_id,
        "course": f"{course.code} {course.title}" if course else "",
        "offer": offer.code if offer else "",
        "credential_date": credential.credential_date,
        "issued_date": credential.issued_on,
        "status": credential.status,
        "status_label": credential.get_status_display(),
        "status_reason": credential.status_reason,
        "issuing_officer": officer.display_name if officer else "",
    }


@router.get(
    "/reports/register",
    response=responses({200: RegisterReport}),
    summary="The register report",
)
def register_report(request, filters: Query[RegisterFilters], page: Query[ReportPage]):
    """Credentials grouped by course offer (or course), a page of 50 rows at a time. Credentials
    from qualification enrolments belong to no offer: they are listed only by course."""
    require_perms(request, VIEW)
    chosen = report_filters(filters)
    found = register_report_page(chosen, after=page.after, before=page.before)
    return {
        "filters": chosen.describe(),
        "columns": [{"key": key, "heading": heading} for key, heading in COLUMNS],
        "count": found.count,
        "count_capped": found.count_capped,
        "next": found.after,
        "previous": found.before,
        "rows": [_row(credential) for credential in found.object_list],
    }


@router.get(
    "/reports/register/csv",
    response=responses({200: None}),
    openapi_extra={
        "responses": {
            200: {
                "description": "Every matching row, streamed (UTF-8 with a byte order mark).",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
    summary="The register report as CSV",
)
def register_report_csv(request, filters: Query[RegisterFilters]):
    require_perms(request, VIEW)
    chosen = report_filters(filters)
    response = StreamingHttpResponse(
        exports.csv_stream(chosen), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, exports.filename(chosen, "csv")
    )
    return response
