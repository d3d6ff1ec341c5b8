"""Qualification enrolments: enrol, audit against the packaging rules, status, and request the
testamur and record of results once the audit makes the enrolment Ready to be Requested."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.pagination import paginate

from testamur.api.auth import require_perms
from testamur.api.common import (
    WRITE_ERRORS,
    Filters,
    Id,
    Input,
    IsoDate,
    PageNumberPagination,
    PathId,
    Text,
    get_or_404,
    one_of,
    responses,
)
from testamur.api.idempotency import IDEMPOTENCY_DOC, idempotent
from testamur.api.routers.credentials import credential_or_404, issuing_officer_or_422
from testamur.api.routers.refs import CourseRef, LearnerRef
from testamur.api.schemas.credentials import CredentialOut
from testamur.credentials.models import CredentialTemplate
from testamur.credentials.qualification_requests import credential_request_for_qualification
from testamur.learners.models import Learner
from testamur.qualifications import selectors, services
from testamur.qualifications.models import (
    AuditOutcome,
    Major,
    QualificationEnrolment,
    QualificationStatus,
)
from testamur.training.models import Course, CourseType

router = Router(tags=["Qualification enrolments"])

VIEW = "qualifications.view_qualificationenrolment"
ADD = "qualifications.add_qualificationenrolment"
AUDIT = "qualifications.audit_qualificationenrolment"
REQUEST = "credentials.request_credential"

LEARNER_UNKNOWN = "There is no learner with id {pk}."
QUALIFICATION_UNKNOWN = "There is no course with id {pk}."
MAJOR_UNKNOWN = "There is no major with id {pk}."
TEMPLATE_UNKNOWN = "There is no credential template with id {pk}."


class MajorRef(Schema):
    id: int
    name: str


class QualificationOut(Schema):
    id: int
    code: str
    title: str
    superseded_by: CourseRef | None
    has_packaging_rule: bool
    major_count: int
    enrolment_count: int
    ready_count: int = Field(description="Enrolments Ready to be Requested.")

    @staticmethod
    def resolve_has_packaging_rule(course) -> bool:
        return hasattr(course, "packaging_rule")


class QualificationEnrolmentOut(Schema):
    id: int
    learner: LearnerRef
    qualification: CourseRef
    major: MajorRef | None = Field(description="The assigned major.")
    status: one_of(QualificationStatus)
    status_label: str
    audit_outcome: one_of(AuditOutcome, "") = Field(description="Blank until audited.")
    audit_outcome_label: str
    audit_passed: bool
    audit_summary: str
    audited_at: datetime | None
    transitioned_from: CourseRef | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_status_label(enrolment) -> str:
        return enrolment.get_status_display()

    @staticmethod
    def resolve_audit_outcome_label(enrolment) -> str:
        return enrolment.get_audit_outcome_display() if enrolment.audit_outcome else ""

    @staticmethod
    def resolve_transitioned_from(enrolment):
        return enrolment.superseded_qualification


class QualificationEnrolmentDetail(QualificationEnrolmentOut):
    audit_explanation: dict = Field(
        description="Each requirement and major the audit checked, met or not, and why."
    )


class AuditOut(Schema):
    summary: str
    enrolment: QualificationEnrolmentDetail


class QualificationEnrolmentNew(Input):
    learner: Id
    qualification: Id = Field(description="The qualification (a course id).")
    major: Id | None = Field(None, description="Required when the qualification has majors.")


class QualificationRequest(Input):
    testamur_template: Id | None = Field(None, description="Blank: the first available.")
    record_template: Id | None = Field(None, description="Blank: the first available.")
    credential_date: IsoDate | None = Field(None, description="Blank: today.")
    issuing_officer: Id | None = Field(None, description="An Admin or Owner (user id).")
    status_reason: Text = Field("", max_length=500)


class QualificationRequested(Schema):
    credentials: list[CredentialOut] = Field(description="The testamur and record of results.")


class EnrolmentFilters(Filters):
    status: one_of(QualificationStatus, "") = ""
    outcome: one_of(AuditOutcome, "", "not_audited") = ""
    q: Text = Field("", max_length=100, description="Learner name or learner ID.")


class QualificationFilters(Filters):
    q: Text = Field("", max_length=100, description="Code or title.")


def _enrolment(pk: int, **scope) -> QualificationEnrolment:
    return get_or_404(selectors.enrolments_base(), "qualification enrolment", pk, **scope)


def _qualification(pk: int) -> Course:
    return get_or_404(
        Course.objects.filter(course_type=CourseType.QUALIFICATION), "qualification", pk
    )


def _existing(model, pk: int | None, field: str, message: str):
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: message.format(pk=pk)})
    return found


@router.get(
    "/qualifications",
    response=responses({200: list[QualificationOut]}),
    summary="Qualifications",
)
@paginate(PageNumberPagination)
def qualification_list(request, filters: Query[QualificationFilters]):
    """Qualifications with their packaging rule and how many enrolments are in each state."""
    require_perms(request, VIEW)
    return selectors.qualification_list(search=filters.q)


@router.get(
    "/qualifications/{qualification_id}/enrolments",
    response=responses({200: list[QualificationEnrolmentOut]}),
    summary="A qualification's enrolments",
)
@paginate(PageNumberPagination)
def qualification_enrolment_list(
    request, qualification_id: PathId, filters: Query[EnrolmentFilters]
):
    """Its enrolments by learner name, narrowed by status, audit outcome or a search."""
    require_perms(request, VIEW)
    return selectors.qualification_enrolments(
        qualification=_qualification(qualification_id),
        status=filters.status,
        outcome=filters.outcome,
        search=filters.q,
    )


@router.get(
    "/learners/{learner_id}/qualification-enrolments",
    response=responses({200: list[QualificationEnrolmentOut]}),
    summary="A learner's qualification enrolments",
)
def learner_qualification_enrolment_list(request, learner_id: PathId):
    require_perms(request, VIEW, "learners.view_learner")
    learner = get_or_404(Learner.objects.all(), "learner", learner_id)
    return list(selectors.learner_qualification_enrolments(learner=learner))


@router.post(
    "/qualification-enrolments",
    response=responses({201: QualificationEnrolmentDetail}, WRITE_ERRORS),
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Enrol a learner in a qualification",
)
@decorate_view(idempotent)
def qualification_enrolment_create(request, payload: QualificationEnrolmentNew):
    """Enrol a learner in a qualification; they are audited straight away."""
    require_perms(request, VIEW, ADD)
    enrolment = services.qualification_enrolment_create(
        actor=request.auth,
        learner=_existing(Learner, payload.learner, "learner", LEARNER_UNKNOWN),
        qualification=_existing(
            Course, payload.qualification, "qualification", QUALIFICATION_UNKNOWN
        ),
        major=_existing(Major, payload.major, "major", MAJOR_UNKNOWN),
    )
    return Status(201, _enrolment(enrolment.pk))


@router.get(
    "/qualification-enrolments/{qualification_enrolment_id}",
    response=responses({200: QualificationEnrolmentDetail}),
    summary="A qualification enrolment's status and audit",
)
def qualification_enrolment_detail(request, qualification_enrolment_id: PathId):
    require_perms(request, VIEW)
    return _enrolment(qualification_enrolment_id)


@router.post(
    "/qualification-enrolments/{qualification_enrolment_id}/audit",
    response=responses({200: AuditOut}, WRITE_ERRORS),
    summary="Audit a qualification enrolment",
)
def qualification_enrolment_audit(request, qualification_enrolment_id: PathId):
    """Check the learner's unit outcomes against the packaging rules again, now."""
    require_perms(request, VIEW, AUDIT)
    enrolment = _enrolment(qualification_enrolment_id)
    tally = services.qualification_enrolment_audit(actor=request.auth, enrolment=enrolment)
    enrolment = _enrolment(qualification_enrolment_id)
    summary = tally.summary() if tally.skipped else enrolment.audit_summary
    return {"summary": summary, "enrolment": enrolment}


@router.post(
    "/qualification-enrolments/{qualification_enrolment_id}/request-credentials",
    response=responses({201: QualificationRequested}, WRITE_ERRORS),
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Request the testamur and record of results",
)
@decorate_view(idempotent)
def qualification_enrolment_request(
    request, qualification_enrolment_id: PathId, payload: QualificationRequest
):
    """For an enrolment Ready to be Requested: both are requested and generated in the
    background; an Admin then issues them."""
    require_perms(request, VIEW, REQUEST)
    enrolment = _enrolment(qualification_enrolment_id)
    credentials = credential_request_for_qualification(
        actor=request.auth,
        qualification_enrolment=enrolment,
        credential_date=payload.credential_date or timezone.localdate(),
        testamur_template=_existing(
            CredentialTemplate, payload.testamur_template, "testamur_template", TEMPLATE_UNKNOWN
        ),
        record_template=_existing(
            CredentialTemplate, payload.record_template, "record_template", TEMPLATE_UNKNOWN
        ),
        issuing_officer=issuing_officer_or_422(payload.issuing_officer),
        status_reason=payload.status_reason,
    )
    return Status(201, {"credentials": [credential_or_404(c.pk) for c in credentials]})
