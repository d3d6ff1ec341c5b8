"""Units, courses, course offers, course enrolments and unit enrolments (with outcomes)."""

from django.core.exceptions import ValidationError
from ninja import Query, Router, Status
from ninja.decorators import decorate_view
from ninja.pagination import paginate

from testamur.api.auth import require_perms
from testamur.api.common import (
    WRITE_ERRORS,
    PageNumberPagination,
    PathId,
    get_or_404,
    responses,
)
from testamur.api.idempotency import IDEMPOTENCY_DOC, idempotent
from testamur.api.schemas.training import (
    CourseDetail,
    CourseFilters,
    CourseOut,
    EnrolmentChanges,
    EnrolmentDetail,
    EnrolmentFilters,
    EnrolmentNew,
    EnrolmentOut,
    FinalisationIn,
    FinalisationOut,
    OfferFilters,
    OfferOut,
    OutcomeCodeOut,
    SearchFilters,
    UnitEnrolmentChanges,
    UnitEnrolmentNew,
    UnitEnrolmentOut,
    UnitOut,
)
from testamur.learners.models import Learner
from testamur.training import selectors, services
from testamur.training.finalisation.plans import Finalisation
from testamur.training.finalisation.services import (
    enrolment_finalise_preview,
    enrolments_finalise,
)
from testamur.training.models import (
    CourseEnrolment,
    CourseOffer,
    OutcomeCode,
    Unit,
    UnitEnrolment,
)

router = Router(tags=["Training"])

OUTCOME_UNKNOWN = "There is no outcome code {code}."
UNIT_UNKNOWN = "There is no unit with id {pk}."
LEARNER_UNKNOWN = "There is no learner with id {pk}."
OFFER_UNKNOWN = "There is no course offer with id {pk}."


def _outcome(code: str, field: str = "outcome") -> OutcomeCode:
    """The outcome code in the organisation's set, else in the other set (the service then
    explains that it belongs to the other jurisdiction), else a 422."""
    jurisdiction = selectors.jurisdiction_current()
    found = sorted(
        OutcomeCode.objects.filter(code=code), key=lambda c: c.jurisdiction != jurisdiction
    )
    if not found:
        raise ValidationError({field: OUTCOME_UNKNOWN.format(code=code)})
    return found[0]


def _exists(model, pk: int, field: str, message: str):
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: message.format(pk=pk)})
    return found


def _enrolment(pk: int, **scope) -> CourseEnrolment:
    return get_or_404(selectors.enrolments_with_units(), "course enrolment", pk, **scope)


def _unit_enrolment(enrolment_pk: int, pk: int) -> UnitEnrolment:
    """A unit enrolment of that course enrolment only: another's id is not found."""
    return get_or_404(
        UnitEnrolment.objects.select_related("unit", "outcome", "course_enrolment"),
        "unit enrolment",
        pk,
        course_enrolment_id=enrolment_pk,
    )


# Units, courses, offers, outcome codes


@router.get("/units", response=responses({200: list[UnitOut]}), summary="Units")
@paginate(PageNumberPagination)
def unit_list(request, filters: Query[SearchFilters]):
    require_perms(request, "training.view_unit")
    return selectors.unit_list(search=filters.q)


@router.get("/courses", response=responses({200: list[CourseOut]}), summary="Courses")
@paginate(PageNumberPagination)
def course_list(request, filters: Query[CourseFilters]):
    require_perms(request, "training.view_course")
    return selectors.course_list(course_type=filters.course_type, search=filters.q)


@router.get(
    "/courses/{course_id}",
    response=responses({200: CourseDetail}),
    summary="One course with its units",
)
def course_detail(request, course_id: PathId):
    require_perms(request, "training.view_course")
    return get_or_404(selectors.course_list(), "course", course_id)


@router.get("/offers", response=responses({200: list[OfferOut]}), summary="Course offers")
@paginate(PageNumberPagination)
def offer_list(request, filters: Query[OfferFilters]):
    require_perms(request, "training.view_courseoffer")
    offers = selectors.offer_list(
        starts_from=filters.starts_from, starts_to=filters.starts_to, search=filters.q
    )
    return offers.filter(course_id=filters.course) if filters.course else offers


@router.get("/offers/{offer_id}", response=responses({200: OfferOut}), summary="One course offer")
def offer_detail(request, offer_id: PathId):
    require_perms(request, "training.view_courseoffer")
    return get_or_404(selectors.offer_list(), "course offer", offer_id)


@router.get(
    "/outcome-codes", response=responses({200: list[OutcomeCodeOut]}), summary="Outcome codes"
)
def outcome_code_list(request):
    """The outcome codes of the organisation's jurisdiction (national or WA)."""
    require_perms(request, "training.view_outcomecode")
    return list(selectors.outcome_codes(jurisdiction=selectors.jurisdiction_current()))


# Course enrolments

VIEW_ENROLMENT = "training.view_courseenrolment"


@router.get(
    "/enrolments", response=responses({200: list[EnrolmentOut]}), summary="Course enrolments"
)
@paginate(PageNumberPagination)
def enrolment_list(request, filters: Query[EnrolmentFilters]):
    """Course enrolments, narrowed to a learner, an offer or a status."""
    require_perms(request, VIEW_ENROLMENT)
    return selectors.enrolment_list(
        learner_id=filters.learner, offer_id=filters.offer, status=filters.status
    )


@router.post(
    "/enrolments",
    response=responses({201: EnrolmentDetail}, WRITE_ERRORS),
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Enrol a learner in a course offer",
)
@decorate_view(idempotent)
def enrolment_create(request, payload: EnrolmentNew):
    """Enrol a learner in a course offer: one unit enrolment (outcome 00) per unit."""
    require_perms(request, VIEW_ENROLMENT, "training.add_courseenrolment")
    learner = _exists(Learner, payload.learner, "learner", LEARNER_UNKNOWN)
    offer = _exists(CourseOffer, payload.offer, "offer", OFFER_UNKNOWN)
    enrolment = services.enrolment_create(
        actor=request.auth,
        learner=learner,
        offer=offer,
        commencement_date=payload.commencement_date,
        commitment_id=payload.commitment_id,
    )
    return Status(201, _enrolment(enrolment.pk))


@router.get(
    "/enrolments/{enrolment_id}",
    response=responses({200: EnrolmentDetail}),
    summary="One course enrolment with its units",
)
def enrolment_detail(request, enrolment_id: PathId):
    require_perms(request, VIEW_ENROLMENT)
    return _enrolment(enrolment_id)


@router.get(
    "/learners/{learner_id}/enrolments",
    response=responses({200: list[EnrolmentOut]}),
    summary="A learner's course enrolments",
)
@paginate(PageNumberPagination)
def learner_enrolment_list(request, learner_id: PathId):
    """A learner's course enrolments, newest offer first."""
    require_perms(request, "learners.view_learner", VIEW_ENROLMENT)
    learner = get_or_404(Learner.objects.all(), "learner", learner_id)
    return selectors.enrolment_list(learner_id=learner.pk)


@router.get(
    "/learners/{learner_id}/enrolments/{enrolment_id}",
    response=responses({200: EnrolmentDetail}),
    summary="One of a learner's course enrolments",
)
def learner_enrolment_detail(request, learner_id: PathId, enrolment_id: PathId):
    """One of the learner's enrolments; another learner's enrolment is not found here."""
    require_perms(request, "learners.view_learner", VIEW_ENROLMENT)
    return _enrolment(enrolment_id, learner_id=learner_id)


@router.patch(
    "/enrolments/{enrolment_id}",
    response=responses({200: EnrolmentDetail}, WRITE_ERRORS),
    summary="Edit a course enrolment",
)
def enrolment_update(request, enrolment_id: PathId, payload: EnrolmentChanges):
    """Change status, reason, dates, commitment ID or program identifiers."""
    require_perms(request, VIEW_ENROLMENT, "training.change_courseenrolment")
    enrolment = _enrolment(enrolment_id)
    services.enrolment_update(
        enrolment=enrolment, actor=request.auth, data=payload.model_dump(exclude_unset=True)
    )
    return _enrolment(enrolment_id)


@router.post(
    "/enrolments/{enrolment_id}/finalise",
    response=responses({200: FinalisationOut}, WRITE_ERRORS),
    summary="Finalise a course enrolment",
)
def enrolment_finalise(request, enrolment_id: PathId, payload: FinalisationIn):
    """Finalise as on the Finalise page: without `apply`, only the changes it would make."""
    require_perms(request, VIEW_ENROLMENT, "training.finalise_courseenrolment")
    enrolment = _enrolment(enrolment_id)
    unit_ids = {ue.pk for ue in enrolment.unit_enrolments.all()}
    hours = {pk: h for pk, h in payload.hours_attended.items() if pk in unit_ids}
    outcome = _outcome(payload.unit_outcome, "unit_outcome") if payload.unit_outcome else None
    finalisation = Finalisation(
        status=payload.status,
        status_reason=payload.status_reason,
        completion_date=payload.completion_date,
        unit_outcome=outcome,
        unit_end_date=payload.unit_end_date,
        withdrawal_date=payload.withdrawal_date,
        hours_attended=hours,
        resume_start_date=payload.resume_start_date,
        resume_end_date=payload.resume_end_date,
    )
    if payload.apply:
        plans = enrolments_finalise(
            enrolments=[enrolment], finalisation=finalisation, actor=request.auth
        )
    else:
        plans = enrolment_finalise_preview(enrolments=[enrolment], finalisation=finalisation)
    plan = plans[0]
    return {
        "applied": payload.apply,
        "enrolment": _enrolment(enrolment_id),
        "changes": plan.changes,
        "units": [
            {
                "unit_enrolment": unit.unit_enrolment.pk,
                "unit": unit.unit_enrolment.unit.code,
                "changes": unit.changes,
            }
            for unit in plan.units
            if unit.changes
        ],
    }


# Unit enrolments (outcomes)


@router.get(
    "/enrolments/{enrolment_id}/unit-enrolments",
    response=responses({200: list[UnitEnrolmentOut]}),
    summary="An enrolment's unit enrolments",
)
def unit_enrolment_list(request, enrolment_id: PathId):
    require_perms(request, VIEW_ENROLMENT, "training.view_unitenrolment")
    return list(_enrolment(enrolment_id).unit_enrolments.all())


@router.post(
    "/enrolments/{enrolment_id}/unit-enrolments",
    response=responses({201: UnitEnrolmentOut}, WRITE_ERRORS),
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Add a unit enrolment",
)
@decorate_view(idempotent)
def unit_enrolment_create(request, enrolment_id: PathId, payload: UnitEnrolmentNew):
    require_perms(request, VIEW_ENROLMENT, "training.add_unitenrolment")
    enrolment = _enrolment(enrolment_id)
    data = payload.model_dump()
    data["unit"] = _exists(Unit, payload.unit, "unit", UNIT_UNKNOWN)
    data["outcome"] = _outcome(payload.outcome)
    unit_enrolment = services.unit_enrolment_create(
        actor=request.auth, course_enrolment=enrolment, **data
    )
    return Status(201, _unit_enrolment(enrolment.pk, unit_enrolment.pk))


@router.get(
    "/enrolments/{enrolment_id}/unit-enrolments/{unit_enrolment_id}",
    response=responses({200: UnitEnrolmentOut}),
    summary="One unit enrolment",
)
def unit_enrolment_detail(request, enrolment_id: PathId, unit_enrolment_id: PathId):
    require_perms(request, VIEW_ENROLMENT, "training.view_unitenrolment")
    return _unit_enrolment(enrolment_id, unit_enrolment_id)


@router.patch(
    "/enrolments/{enrolment_id}/unit-enrolments/{unit_enrolment_id}",
    response=responses({200: UnitEnrolmentOut}, WRITE_ERRORS),
    summary="Record a unit outcome",
)
def unit_enrolment_update(
    request, enrolment_id: PathId, unit_enrolment_id: PathId, payload: UnitEnrolmentChanges
):
    """Record an outcome (or dates, hours, delivery mode) for one unit."""
    require_perms(request, VIEW_ENROLMENT, "training.change_unitenrolment")
    unit_enrolment = _unit_enrolment(enrolment_id, unit_enrolment_id)
    data = payload.model_dump(exclude_unset=True)
    if "outcome" in data:
        data["outcome"] = _outcome(payload.outcome)
    services.unit_enrolment_update(unit_enrolment=unit_enrolment, actor=request.auth, data=data)
    return _unit_enrolment(enrolment_id, unit_enrolment_id)
