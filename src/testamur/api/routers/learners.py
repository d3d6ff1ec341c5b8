"""Learners: search, add, edit, USI status and verification, active flag."""

from datetime import date, datetime
from typing import Annotated

from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.pagination import paginate
from pydantic import StringConstraints

from testamur.api.auth import require_perms
from testamur.api.common import (
    WRITE_ERRORS,
    Filters,
    Flag,
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
from testamur.learners import selectors, services
from testamur.learners.models import (
    Gender,
    Learner,
    Recognition,
    SurveyContactStatus,
    UsiStatus,
    YesNo,
)
from testamur.organisation.models import AustralianState

router = Router(tags=["Learners"])

VIEW = "learners.view_learner"
ADD = "learners.add_learner"
CHANGE = "learners.change_learner"

State = one_of(AustralianState, "")
GenderCode = one_of(Gender)
UsiStatusCode = one_of(UsiStatus)
Answer = one_of(YesNo, "")
SurveyCode = one_of(SurveyContactStatus, "")
Code = Annotated[str, StringConstraints(max_length=4, pattern=r"^[0-9A-Za-z]*$")]
CODE_HELP = "An AVETMISS code of the list (e.g. 1201 for English); blank or null: not stated."


class PriorAchievement(Schema):
    achievement: Code = Field(..., description="Prior educational achievement code, e.g. 514.")
    recognition: one_of(Recognition, "") = Field(
        "", description="A Australian, E Australian equivalent, I international; blank: not said."
    )


class ClientDetailsOut(Schema):
    """AVETMISS client details (NAT00080, 00090, 00100) as codes; null or blank: not stated."""

    school_level: str | None
    school_level_year: int | None
    at_school: Answer
    indigenous_status: str | None
    language: str | None
    english_proficiency: str | None
    country_of_birth: str | None
    labour_force_status: str | None
    disability: Answer
    disability_types: list[str]
    prior_education: Answer
    prior_educations: list[PriorAchievement]
    survey_contact_status: SurveyCode

    @staticmethod
    def resolve_school_level(learner) -> str | None:
        return learner.school_level_id

    @staticmethod
    def resolve_indigenous_status(learner) -> str | None:
        return learner.indigenous_status_id

    @staticmethod
    def resolve_language(learner) -> str | None:
        return learner.language_id

    @staticmethod
    def resolve_english_proficiency(learner) -> str | None:
        return learner.english_proficiency_id

    @staticmethod
    def resolve_country_of_birth(learner) -> str | None:
        return learner.country_of_birth_id

    @staticmethod
    def resolve_labour_force_status(learner) -> str | None:
        return learner.labour_force_status_id

    @staticmethod
    def resolve_disability_types(learner) -> list[str]:
        return sorted(t.code for t in learner.disability_types.all())

    @staticmethod
    def resolve_prior_educations(learner) -> list[dict]:
        return [
            {"achievement": p.achievement_id, "recognition": p.recognition}
            for p in learner.prior_educations.all()
        ]


class LearnerOut(ClientDetailsOut):
    id: int
    client_id: str = Field(description="The learner ID (client identifier).")
    title: str
    given_name: str
    middle_names: str
    family_name: str
    preferred_name: str
    date_of_birth: date | None
    gender: GenderCode
    email: str
    phone: str
    address_line: str = Field(description="The street address as one line.")
    address_building: str
    address_unit: str
    address_street_number: str
    address_street_name: str
    postal_delivery_box: str
    suburb: str
    state: State
    postcode: str
    usi: str | None
    usi_status: UsiStatusCode
    usi_verified_on: date | None
    usi_evidence: str
    is_active: bool
    privacy_flag: bool
    special_requirements: str
    created_at: datetime
    updated_at: datetime


class LearnerFields(Input):
    """Every field a person edits on the learner form; the service checks the rules."""

    client_id: Text = Field("", max_length=10, description="Blank: the next free learner ID.")
    title: Text = Field("", max_length=10)
    given_name: Text = Field(..., max_length=40)
    middle_names: Text = Field("", max_length=60)
    family_name: Text = Field(..., max_length=40)
    preferred_name: Text = Field("", max_length=40)
    date_of_birth: IsoDate | None = None
    gender: GenderCode = Gender.NOT_STATED.value
    email: Text = Field("", max_length=254)
    phone: Text = Field("", max_length=20)
    address_line: Text = Field(
        "", max_length=170, description="The street address as one line, split into its parts."
    )
    address_building: Text = Field("", max_length=50)
    address_unit: Text = Field("", max_length=30)
    address_street_number: Text = Field("", max_length=15)
    address_street_name: Text = Field("", max_length=70)
    postal_delivery_box: Text = Field("", max_length=22)
    suburb: Text = Field("", max_length=50)
    state: State = ""
    postcode: Text = Field("", max_length=4)
    usi: Text | None = Field(None, max_length=20, description="Never printed on a credential.")
    usi_status: UsiStatusCode = UsiStatus.NOT_SUPPLIED.value
    usi_verified_on: IsoDate | None = None
    usi_evidence: Text = Field("", max_length=200)
    is_active: Flag = True
    privacy_flag: Flag = False
    special_requirements: Text = Field("", max_length=5000)
    school_level: Code | None = Field(None, description=CODE_HELP)
    school_level_year: int | None = Field(None, ge=1900, le=2100)
    at_school: Answer = ""
    indigenous_status: Code | None = Field(None, description=CODE_HELP)
    language: Code | None = Field(None, description=CODE_HELP)
    english_proficiency: Code | None = Field(None, description=CODE_HELP)
    country_of_birth: Code | None = Field(None, description=CODE_HELP)
    labour_force_status: Code | None = Field(None, description=CODE_HELP)
    disability: Answer = ""
    disability_types: list[Code] = Field(default_factory=list, max_length=10)
    prior_education: Answer = ""
    prior_educations: list[PriorAchievement] = Field(default_factory=list, max_length=10)
    survey_contact_status: SurveyCode = ""


class LearnerChanges(Input):
    """Only the fields sent are changed."""

    client_id: Text = Field(None, max_length=10)
    title: Text = Field(None, max_length=10)
    given_name: Text = Field(None, max_length=40)
    middle_names: Text = Field(None, max_length=60)
    family_name: Text = Field(None, max_length=40)
    preferred_name: Text = Field(None, max_length=40)
    date_of_birth: IsoDate | None = None
    gender: GenderCode = None
    email: Text = Field(None, max_length=254)
    phone: Text = Field(None, max_length=20)
    address_line: Text = Field(
        None, max_length=170, description="The street address as one line, split into its parts."
    )
    address_building: Text = Field(None, max_length=50)
    address_unit: Text = Field(None, max_length=30)
    address_street_number: Text = Field(None, max_length=15)
    address_street_name: Text = Field(None, max_length=70)
    postal_delivery_box: Text = Field(None, max_length=22)
    suburb: Text = Field(None, max_length=50)
    state: State = None
    postcode: Text = Field(None, max_length=4)
    usi: Text | None = Field(None, max_length=20)
    usi_status: UsiStatusCode = None
    usi_verified_on: IsoDate | None = None
    usi_evidence: Text = Field(None, max_length=200)
    is_active: Flag = None
    privacy_flag: Flag = None
    special_requirements: Text = Field(None, max_length=5000)
    school_level: Code | None = Field(None, description=CODE_HELP)
    school_level_year: int | None = Field(None, ge=1900, le=2100)
    at_school: Answer = None
    indigenous_status: Code | None = Field(None, description=CODE_HELP)
    language: Code | None = Field(None, description=CODE_HELP)
    english_proficiency: Code | None = Field(None, description=CODE_HELP)
    country_of_birth: Code | None = Field(None, description=CODE_HELP)
    labour_force_status: Code | None = Field(None, description=CODE_HELP)
    disability: Answer = None
    disability_types: list[Code] = Field(None, max_length=10)
    prior_education: Answer = None
    prior_educations: list[PriorAchievement] = Field(None, max_length=10)
    survey_contact_status: SurveyCode = None


class LearnerFilters(Filters):
    q: Text = Field("", max_length=100, description="Name words, learner ID, email or USI.")
    active: bool | None = None
    usi_status: one_of(UsiStatus, "", selectors.UNVERIFIED) = Field(
        "", description="'unverified': not supplied or not verified."
    )
    privacy: bool | None = None


class UsiOut(Schema):
    usi: str | None
    usi_status: UsiStatusCode
    usi_status_label: str
    usi_verified_on: date | None
    usi_verified_by: str | None
    usi_evidence: str
    cleared_for_issue: bool = Field(description="Verified or exempt: the issue gate passes.")

    @staticmethod
    def resolve_usi_status_label(learner) -> str:
        return learner.get_usi_status_display()

    @staticmethod
    def resolve_usi_verified_by(learner) -> str | None:
        by = learner.usi_verified_by
        return by.display_name if by else None

    @staticmethod
    def resolve_cleared_for_issue(learner) -> bool:
        return learner.usi_cleared_for_issue


class UsiVerification(Input):
    usi_verified_on: IsoDate
    usi_evidence: Text = Field(..., max_length=200, description="How it was verified.")


class ActiveChange(Input):
    is_active: Flag
    reason: Text = Field("", max_length=500)


def _learner(pk: int) -> Learner:
    return get_or_404(Learner.objects.select_related("usi_verified_by"), "learner", pk)


@router.get("/learners", response=responses({200: list[LearnerOut]}), summary="Search learners")
@paginate(PageNumberPagination)
def learner_list(request, filters: Query[LearnerFilters]):
    """Learners in name order, narrowed by a search and filters (as on the Learners page)."""
    require_perms(request, VIEW)
    return selectors.learner_list(
        q=filters.q,
        active=filters.active,
        usi_status=filters.usi_status,
        privacy=filters.privacy,
    ).prefetch_related("disability_types", "prior_educations")


@router.post(
    "/learners",
    response=responses({201: LearnerOut}, WRITE_ERRORS),
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Add a learner",
)
@decorate_view(idempotent)
def learner_create(request, payload: LearnerFields):
    """Add a learner. A blank learner ID gets the next generated one."""
    require_perms(request, VIEW, ADD)
    fields = services.learner_fields_from_codes(payload.model_dump())
    learner = services.learner_create(actor=request.auth, **fields)
    return Status(201, learner)


@router.get("/learners/{learner_id}", response=responses({200: LearnerOut}), summary="One learner")
def learner_detail(request, learner_id: PathId):
    require_perms(request, VIEW)
    return _learner(learner_id)


@router.patch(
    "/learners/{learner_id}",
    response=responses({200: LearnerOut}, WRITE_ERRORS),
    summary="Edit a learner",
)
def learner_update(request, learner_id: PathId, payload: LearnerChanges):
    """Change the fields sent. A changed USI becomes Not verified unless its status is sent too."""
    require_perms(request, VIEW, CHANGE)
    learner = _learner(learner_id)
    fields = services.learner_fields_from_codes(payload.model_dump(exclude_unset=True))
    return services.learner_update(learner=learner, actor=request.auth, **fields)


@router.get(
    "/learners/{learner_id}/usi",
    response=responses({200: UsiOut}),
    summary="A learner's USI status",
)
def learner_usi(request, learner_id: PathId):
    """The learner's USI status: whether it is verified (or exempt) and how."""
    require_perms(request, VIEW)
    return _learner(learner_id)


@router.post(
    "/learners/{learner_id}/usi/verify",
    response=responses({200: UsiOut}, WRITE_ERRORS),
    summary="Record the USI verification",
)
def learner_usi_verify(request, learner_id: PathId, payload: UsiVerification):
    """Record that the USI was verified with the USI Registry: when and how."""
    require_perms(request, VIEW, CHANGE)
    return services.learner_usi_verify(
        learner=_learner(learner_id),
        actor=request.auth,
        verified_on=payload.usi_verified_on,
        evidence=payload.usi_evidence,
    )


@router.post(
    "/learners/{learner_id}/active",
    response=responses({200: LearnerOut}, WRITE_ERRORS),
    summary="Mark a learner active or inactive",
)
def learner_set_active(request, learner_id: PathId, payload: ActiveChange):
    """Mark the learner active or inactive, with a reason kept in their history."""
    require_perms(request, VIEW, CHANGE, services.PERM_SET_ACTIVE)
    return services.learner_set_active(
        learner=_learner(learner_id),
        actor=request.auth,
        is_active=payload.is_active,
        reason=payload.reason,
    )
