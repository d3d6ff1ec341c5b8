"""The training API's request and response shapes (the operations are in routers/training.py)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import BeforeValidator

from testamur.api.common import (
    Filters,
    Flag,
    Id,
    Input,
    IsoDate,
    QueryId,
    Text,
    one_of,
)
from testamur.api.routers.refs import CourseRef, LearnerRef, OfferRef, UnitRef
from testamur.training.models import (
    CourseType,
    DeliveryMode,
    EnrolmentStatus,
)

HOURS_INVALID = "Hours are a number, e.g. 12.5."


def _number(value):
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(HOURS_INVALID)
    return value


Hours = Annotated[Decimal, BeforeValidator(_number), Field(ge=0, max_digits=6, decimal_places=1)]
StatusCode = one_of(EnrolmentStatus)


# Outputs


class UnitOut(Schema):
    id: int
    code: str
    title: str
    nominal_hours: int
    field_of_education: str
    is_vet: bool


class CourseOut(Schema):
    id: int
    code: str
    title: str
    course_type: one_of(CourseType)
    aqf_level: int | None
    nominal_hours: int
    superseded_by: CourseRef | None
    is_active: bool = Field(description="Current (not superseded or retired).")


class CourseDetail(CourseOut):
    units: list[UnitRef]

    @staticmethod
    def resolve_units(course) -> list:
        return list(course.units.order_by("code"))


class OfferOut(Schema):
    id: int
    code: str
    course: CourseRef
    start_date: date
    end_date: date
    location: str | None
    trainer: str
    enrolment_count: int

    @staticmethod
    def resolve_location(offer) -> str | None:
        return offer.location.name if offer.location_id else None


class OutcomeCodeOut(Schema):
    code: str
    description: str
    jurisdiction: str
    is_achieved: bool
    is_final: bool
    is_current: bool


class UnitEnrolmentOut(Schema):
    id: int
    course_enrolment: int
    unit: UnitRef
    start_date: date | None
    end_date: date | None
    scheduled_hours: float
    actual_hours: float
    outcome: str = Field(description="The outcome code, e.g. 20 (competency achieved).")
    outcome_description: str
    achieved: bool
    delivery_mode: one_of(DeliveryMode)
    training_organisation_outcome: str = Field(description="Derived: TNC, D or blank.")
    updated_at: datetime

    @staticmethod
    def resolve_course_enrolment(ue) -> int:
        return ue.course_enrolment_id

    @staticmethod
    def resolve_outcome(ue) -> str:
        return ue.outcome.code

    @staticmethod
    def resolve_outcome_description(ue) -> str:
        return ue.outcome.description

    @staticmethod
    def resolve_achieved(ue) -> bool:
        return ue.outcome.is_achieved


class EnrolmentOut(Schema):
    id: int
    learner: LearnerRef
    offer: OfferRef
    course: CourseRef
    status: StatusCode
    status_label: str
    status_reason: str
    commencement_date: date | None
    completion_date: date | None = Field(description="Assessment completed.")
    withdrawal_date: date | None
    qual_issued: bool
    parchment_number: str
    issued_date: date | None
    commitment_id: str
    program_id_1: str
    program_id_2: str
    program_id_3: str
    training_organisation_outcome: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_course(enrolment):
        return enrolment.offer.course

    @staticmethod
    def resolve_status_label(enrolment) -> str:
        return enrolment.get_status_display()


class EnrolmentDetail(EnrolmentOut):
    unit_enrolments: list[UnitEnrolmentOut]

    @staticmethod
    def resolve_unit_enrolments(enrolment) -> list:
        return list(enrolment.unit_enrolments.all())


# Inputs


class CourseFilters(Filters):
    course_type: one_of(CourseType, "") = ""
    q: Text = Field("", max_length=100, description="Code or title.")


class SearchFilters(Filters):
    q: Text = Field("", max_length=100, description="Code or title.")


class OfferFilters(Filters):
    course: QueryId | None = None
    starts_from: IsoDate | None = None
    starts_to: IsoDate | None = None
    q: Text = Field("", max_length=30, description="Offer code.")


class EnrolmentFilters(Filters):
    learner: QueryId | None = None
    offer: QueryId | None = None
    status: one_of(EnrolmentStatus, "") = ""


class EnrolmentNew(Input):
    learner: Id
    offer: Id
    commencement_date: IsoDate | None = Field(None, description="Blank: the offer's start date.")
    commitment_id: Text = Field("", max_length=10)


class EnrolmentChanges(Input):
    """Only the fields sent are changed. Issuing fields are set by issuing only."""

    status: StatusCode = None
    status_reason: Text = Field(None, max_length=200)
    commencement_date: IsoDate | None = None
    completion_date: IsoDate | None = None
    commitment_id: Text = Field(None, max_length=10)
    program_id_1: Text = Field(None, max_length=10)
    program_id_2: Text = Field(None, max_length=10)
    program_id_3: Text = Field(None, max_length=10)


class UnitEnrolmentNew(Input):
    unit: Id
    outcome: Text = Field("00", max_length=3, description="Outcome code; 00 is not set.")
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    scheduled_hours: Hours = Decimal("0")
    actual_hours: Hours = Decimal("0")
    delivery_mode: one_of(DeliveryMode) = DeliveryMode.INTERNAL.value


class UnitEnrolmentChanges(Input):
    """Only the fields sent are changed."""

    outcome: Text = Field(None, max_length=3, description="Outcome code, e.g. 20.")
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    scheduled_hours: Hours = None
    actual_hours: Hours = None
    delivery_mode: one_of(DeliveryMode) = None


class FinalisationIn(Input):
    """The choices of the Finalise page; fields that do not apply to the status are ignored."""

    status: StatusCode
    status_reason: Text = Field("", max_length=200)
    completion_date: IsoDate | None = None
    unit_outcome: Text | None = Field(None, max_length=3, description="For unfinished units.")
    unit_end_date: IsoDate | None = None
    withdrawal_date: IsoDate | None = None
    hours_attended: dict[QueryId, Hours] = Field(
        default_factory=dict, description="Unit enrolment id → hours attended."
    )
    resume_start_date: IsoDate | None = None
    resume_end_date: IsoDate | None = None
    apply: Flag = Field(False, description="False: only show the changes it would make.")


class ChangeOut(Schema):
    field: str
    label: str
    before: str
    after: str


class UnitPlanOut(Schema):
    unit_enrolment: int
    unit: str
    changes: list[ChangeOut]


class FinalisationOut(Schema):
    applied: bool
    enrolment: EnrolmentDetail
    changes: list[ChangeOut]
    units: list[UnitPlanOut]


# Helpers
