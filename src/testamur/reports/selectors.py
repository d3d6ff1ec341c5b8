"""Reads for the register reports: the credential register grouped by course or by course offer.

The page, the CSV and XLSX downloads and the printable PDF all read the same ordered query, so
they list the same rows in the same order. Downloads read it as plain tuples through a
server-side cursor: a million rows cost a million rows of time, never a million rows of memory.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import F, QuerySet, Value
from django.db.models.functions import Concat

from testamur.accounts.models import User
from testamur.core import paging
from testamur.core.paging import KeysetPage, count_capped, keyset_page
from testamur.credentials.models import Credential, CredentialStatus, CredentialType
from testamur.credentials.selectors import RegisterFilter, register_filtered

EXPORT_CHUNK = 2000


class Grouping:
    COURSE = "course"
    OFFER = "offer"
    CHOICES = [(COURSE, "By course"), (OFFER, "By course offer")]
    LABELS = dict(CHOICES)


# The register report's columns, in order: (key, heading). Every output uses this list.
COLUMNS = [
    ("number", "Credential number"),
    ("type", "Type"),
    ("learner_name", "Learner name"),
    ("learner_id", "Learner ID"),
    ("course", "Course"),
    ("offer", "Course offer"),
    ("credential_date", "Credential date"),
    ("issued_date", "Issued date"),
    ("status", "Status"),
    ("status_reason", "Status reason"),
    ("issuing_officer", "Issuing officer"),
]
HEADINGS = [heading for _, heading in COLUMNS]

_GROUP_KEY = {
    Grouping.COURSE: "course__code",
    Grouping.OFFER: "offer__code",
}
_TYPE_LABELS = dict(CredentialType.choices)
_STATUS_LABELS = dict(CredentialStatus.choices)


@dataclass(frozen=True)
class ReportFilters(RegisterFilter):
    """The register filter and how the report groups its rows."""

    grouping: str = Grouping.OFFER

    def describe(self) -> list[str]:
        """The filters in words, for the printed report and the page heading."""
        parts = [Grouping.LABELS[self.grouping]]
        if self.status:
            parts.append(f"status {_STATUS_LABELS[self.status]}")
        if self.credential_type:
            parts.append(f"type {_TYPE_LABELS[self.credential_type]}")
        what = "issued date" if self.date_field == "issued_date" else "credential date"
        if self.date_from:
            parts.append(f"{what} from {self.date_from:%d/%m/%Y}")
        if self.date_to:
            parts.append(f"{what} to {self.date_to:%d/%m/%Y}")
        if self.issuing_officer:
            parts.append(f"issuing officer {self.issuing_officer.display_name}")
        if self.course:
            parts.append(f"course {self.course.code}")
        if self.offer:
            parts.append(f"course offer {self.offer.code}")
        return parts


def register_report(filters: ReportFilters) -> QuerySet[Credential]:
    """The report's credentials, annotated with `group_code`, in report order (report_keys)."""
    credentials = _matching(filters).annotate(group_code=F(_GROUP_KEY[filters.grouping]))
    return credentials.order_by(*report_keys(filters.grouping))


def _matching(filters: ReportFilters) -> QuerySet[Credential]:
    """The filters alone (joining no more tables than they need, so counting is cheap).

    By course: every credential (from a course or a qualification enrolment). By course offer:
    credentials from a qualification enrolment belong to no offer and are left out.
    """
    if filters.grouping == Grouping.OFFER:
        credentials = Credential.objects.filter(offer__isnull=False)
    else:
        credentials = Credential.objects.filter(course__isnull=False)
    return register_filtered(credentials, filters)


def report_keys(grouping: str) -> list[str]:
    """Groups in code order; inside a group, credentials in the order they were requested."""
    return [_GROUP_KEY[grouping], "id"]


def _walk_groups(filters: ReportFilters, count: int) -> bool:
    """Whether to read a page by walking the groups in code order (see register_report_page).

    Only when many rows match and the filters match in every group alike. Dates and the
    in-progress statuses follow time, and so do offer codes: their matches sit together in a
    few groups, and a walk would read every group before them.
    """
    spread = filters.status in ("", CredentialStatus.ISSUED, CredentialStatus.CANCELLED)
    dated = filters.date_from or filters.date_to
    return count > paging.COUNT_CAP and spread and not dated


def register_report_page(
    filters: ReportFilters, *, after: int | None = None, before: int | None = None
) -> KeysetPage:
    """One page of the report, each row knowing whether it starts a new group.

    Two ways to read a page. The group walk: the database follows the groups in code order
    through their indexes and stops after a page, whatever the size of the register. Otherwise
    the matching rows are found first and sorted (ordering by an expression, which no index
    provides, is what makes the database do that).
    """
    report = register_report(filters)
    count = count_capped(_matching(filters))
    keys = report_keys(filters.grouping)
    group = keys[0]
    sort = {} if _walk_groups(filters, count) else {group: Concat(group, Value(""))}
    # The page's ids first, from the indexes alone where they can ((date, offer, id) and the
    # like): sorting a month of narrow index rows is cheap, of whole rows with their joins not.
    # Then the page's rows themselves, by id.
    narrow = report.only("id")
    page = keyset_page(narrow, keys=keys, after=after, before=before, count=count, sort=sort)
    rows = report.select_related(
        "learner", "issuing_officer", "course", "offer__course", "issuance"
    ).in_bulk([credential.pk for credential in page.object_list])
    page.object_list = [rows[credential.pk] for credential in page.object_list]
    previous = None
    for credential in page.object_list:
        credential.starts_group = credential.group_code != previous
        previous = credential.group_code
    return page


def _officer_names() -> dict[int, str]:
    return {user.pk: user.display_name for user in User.objects.all()}


def _day(value: date | None) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year}" if value else ""


_EXPORT_FIELDS = [
    "number",
    "credential_type",
    "learner__given_name",
    "learner__middle_names",
    "learner__family_name",
    "learner__client_id",
    "course__code",
    "course__title",
    "offer__code",
    "credential_date",
    "issued_on",
    "status",
    "status_reason",
    "issuing_officer_id",
    # The "as issued" columns of an issued (or since cancelled) credential: its record's.
    "issuance__document_sha256",
    "issuance__learner_full_name",
    "issuance__course_code",
    "issuance__course_title",
    "issuance__issued_on",
]


def register_report_values(filters: ReportFilters, *, limit: int | None = None) -> Iterator[list]:
    """The report's rows as lists of strings in COLUMNS order, read in chunks.

    Dates are DD/MM/YYYY text, as shown everywhere; the spreadsheet writer keeps them as text
    too so every output reads the same.
    """
    officers = _officer_names()
    rows = register_report(filters).values_list(*_EXPORT_FIELDS)
    if limit is not None:
        rows = rows[:limit]
    for (
        number,
        kind,
        given,
        middle,
        family,
        client_id,
        course_code,
        course_title,
        offer_code,
        credential_date,
        issued_on,
        status,
        reason,
        officer_id,
        issued_sha256,
        name_as_issued,
        course_code_as_issued,
        course_title_as_issued,
        issued_on_as_issued,
    ) in rows.iterator(chunk_size=EXPORT_CHUNK):
        name = " ".join(part for part in (given, middle, family) if part)
        if issued_sha256:
            name, issued_on = name_as_issued, issued_on_as_issued
            course_code, course_title = course_code_as_issued, course_title_as_issued
        yield [
            number or "",
            _TYPE_LABELS.get(kind, kind),
            name,
            client_id,
            f"{course_code} {course_title}",
            offer_code or "",
            _day(credential_date),
            _day(issued_on),
            _STATUS_LABELS.get(status, status),
            reason,
            officers.get(officer_id, "") if officer_id else "",
        ]


def group_column(grouping: str) -> int:
    """Which column (index into COLUMNS) a grouping groups by."""
    return 4 if grouping == Grouping.COURSE else 5
