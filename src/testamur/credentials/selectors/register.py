"""The register: its list, filters and search, and the credentials picked from it."""

from dataclasses import dataclass, fields, replace
from datetime import date

from django.db.models import Q, QuerySet

from testamur.accounts.models import User
from testamur.accounts.roles import Role
from testamur.credentials.models import (
    Credential,
    CredentialStatus,
    CredentialTemplate,
)
from testamur.learners.models import Learner
from testamur.learners.selectors import name_search_q
from testamur.training.models import Course, CourseEnrolment, CourseOffer

# Statuses whose issue gates matter: the credential is still on its way to being issued.
IN_PROGRESS = (
    CredentialStatus.REQUESTED,
    CredentialStatus.GENERATING,
    CredentialStatus.GENERATED,
    CredentialStatus.FAILED,
)
# A preview renders today's data; an issued or cancelled credential has its stored document.
PREVIEWABLE = IN_PROGRESS
# How each status is coloured (.status ok / warn / bad in app.css).
STATUS_CLASS = {
    CredentialStatus.GENERATED: "warn",
    CredentialStatus.ISSUED: "ok",
    CredentialStatus.CANCELLED: "bad",
    CredentialStatus.FAILED: "bad",
}


def credentials_base() -> QuerySet[Credential]:
    return Credential.objects.select_related(
        "learner",
        "template",
        "issuing_officer",
        "course",
        "course_enrolment__offer__course",
        "qualification_enrolment__qualification",
        "replaces",
        "replaced_by",
        "issuance",
    )


# The register's dates: which column a RegisterFilter's date_field reads.
REGISTER_DATE_FIELDS = {"credential_date": "credential_date", "issued_date": "issued_on"}


@dataclass(frozen=True)
class RegisterFilter:
    """The credential register's filter: one definition for the register page, the register
    reports and the API. Blank values leave the register unfiltered on that point."""

    status: str = ""
    search: str = ""
    credential_type: str = ""
    date_field: str = "credential_date"  # a key of REGISTER_DATE_FIELDS
    date_from: date | None = None
    date_to: date | None = None
    issuing_officer: User | None = None
    course: Course | None = None
    offer: CourseOffer | None = None
    template: CredentialTemplate | None = None
    learner: Learner | None = None
    enrolment: CourseEnrolment | None = None
    qualification_enrolment: object = None  # a QualificationEnrolment

    def narrowed(self) -> bool:
        """Whether any filter is set (a register with no match then says so)."""
        return any(getattr(self, item.name) != item.default for item in fields(RegisterFilter))


def register_filtered(
    credentials: QuerySet[Credential], filters: RegisterFilter
) -> QuerySet[Credential]:
    """`credentials` narrowed by the register filter (the one place it is applied)."""
    if filters.status:
        credentials = credentials.filter(status=filters.status)
    if filters.course:
        credentials = credentials.filter(course=filters.course)
    if filters.offer:
        credentials = credentials.filter(offer=filters.offer)
    if filters.template:
        credentials = credentials.filter(template=filters.template)
    if filters.credential_type:
        credentials = credentials.filter(credential_type=filters.credential_type)
    column = REGISTER_DATE_FIELDS[filters.date_field]
    if filters.date_from:
        credentials = credentials.filter(**{f"{column}__gte": filters.date_from})
    if filters.date_to:
        credentials = credentials.filter(**{f"{column}__lte": filters.date_to})
    if filters.issuing_officer:
        credentials = credentials.filter(issuing_officer=filters.issuing_officer)
    if filters.learner:
        credentials = credentials.filter(learner=filters.learner)
    if filters.enrolment:
        credentials = credentials.filter(course_enrolment=filters.enrolment)
    if filters.qualification_enrolment:
        credentials = credentials.filter(qualification_enrolment=filters.qualification_enrolment)
    search = filters.search.strip()
    if search:
        # Few matches (a learner ID, a number, a full name): found through the indexes, then
        # the page is read by primary key. Many (a common surname): the register's own order
        # finds a page of them soonest, as a filter on each row.
        ids = {row["pk"] for row in _matching(search)[: SEARCH_IDS_AT_MOST + 1]}
        if len(ids) <= SEARCH_IDS_AT_MOST:
            credentials = credentials.filter(pk__in=ids)
        else:
            credentials = credentials.filter(
                name_search_q(search, prefix="learner__")
                | Q(learner__client_id__iexact=search)
                | Q(number__icontains=search)
            )
    return credentials


def credential_list(filters: RegisterFilter | None = None, **criteria) -> QuerySet[Credential]:
    """The register, newest first, narrowed by `filters` (or by RegisterFilter's fields given
    as keywords)."""
    filters = replace(filters or RegisterFilter(), **criteria)
    return register_filtered(credentials_base(), filters).order_by(*REGISTER_ORDER)


SEARCH_IDS_AT_MOST = 2000


def _matching(search: str) -> QuerySet[Credential]:
    """Ids (some perhaps twice) of the credentials whose learner's names hold every word of
    `search`, whose learner ID is `search`, or whose number contains it.

    One OR across the learner's and the credential's columns makes PostgreSQL read every
    credential; a UNION of one query per table lets each use its trigram (or B-tree) index
    (migrations learners 0009, credentials 0014): milliseconds at a million credentials."""
    learners = Learner.objects.filter(
        name_search_q(search) | Q(client_id__iexact=search)
    ).order_by()
    by_learner = Credential.objects.filter(learner__in=learners.values("pk"))
    by_number = Credential.objects.filter(number__icontains=search)
    by_learner, by_number = (q.order_by().values("pk") for q in (by_learner, by_number))
    return by_learner.union(by_number, all=True)  # ALL: a LIMIT stops it early


# Newest first. The register pages through this order by cursor (core/paging.py).
REGISTER_ORDER = ["-created_at", "-id"]


def credentials_selected(ids) -> list[Credential]:
    """The credentials among `ids` that still exist, in register order."""
    return list(credentials_base().filter(pk__in=list(ids)).order_by("-created_at", "-id"))


def issuing_officers() -> QuerySet[User]:
    """Staff who may issue: active Admins and Owners."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[Role.ADMIN.value, Role.OWNER.value])
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def issuing_officers_in_use() -> QuerySet[User]:
    """Everyone who is, or was, an issuing officer: the register filter's choices."""
    return (
        User.objects.filter(
            Q(groups__name__in=[Role.ADMIN.value, Role.OWNER.value])
            | Q(pk__in=Credential.objects.values("issuing_officer"))
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
