"""Reads for the training pages: lists with their filters, one record with what its page shows."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Prefetch, Q, QuerySet

from testamur.core.models import Event

# Kept importable from here for code written before core/paging.py had it.
from testamur.core.paging import paginate as paginate
from testamur.learners.models import Learner
from testamur.learners.selectors import name_search_q
from testamur.organisation.models import Jurisdiction, Organisation
from testamur.training.models import (
    TNC_STATUSES,
    Course,
    CourseEnrolment,
    CourseOffer,
    DeliveryLocation,
    EnrolmentStatus,
    OutcomeCode,
    SurveyStatus,
    Unit,
    UnitEnrolment,
    achieved_q,
)
from testamur.training.outcome_codes import NOT_SET


def unit_list(*, search: str = "") -> QuerySet[Unit]:
    units = Unit.objects.annotate(course_count=Count("courses"))
    if search:
        units = units.filter(Q(code__icontains=search) | Q(title__icontains=search))
    return units.order_by("code")


def course_list(*, course_type: str = "", search: str = "") -> QuerySet[Course]:
    courses = Course.objects.select_related("superseded_by").annotate(
        unit_count=Count("units", distinct=True), offer_count=Count("offers", distinct=True)
    )
    if course_type:
        courses = courses.filter(course_type=course_type)
    if search:
        courses = courses.filter(Q(code__icontains=search) | Q(title__icontains=search))
    return courses.order_by("code")


def course_offers(*, course: Course) -> QuerySet[CourseOffer]:
    return (
        course.offers.select_related("location")
        .annotate(enrolment_count=Count("enrolments"))
        .order_by("-start_date", "code")
    )


def location_list() -> QuerySet[DeliveryLocation]:
    return DeliveryLocation.objects.annotate(offer_count=Count("offers")).order_by("name")


def offer_list(
    *,
    course: Course | None = None,
    starts_from: date | None = None,
    starts_to: date | None = None,
    search: str = "",
) -> QuerySet[CourseOffer]:
    offers = CourseOffer.objects.select_related("course", "location").annotate(
        enrolment_count=Count("enrolments")
    )
    if course:
        offers = offers.filter(course=course)
    if starts_from:
        offers = offers.filter(start_date__gte=starts_from)
    if starts_to:
        offers = offers.filter(start_date__lte=starts_to)
    if search:
        offers = offers.filter(code__icontains=search)
    return offers.order_by("-start_date", "code")


def _achieved_count():
    return Count("unit_enrolments", filter=achieved_q("unit_enrolments__"), distinct=True)


def offer_enrolments(*, offer: CourseOffer) -> QuerySet[CourseEnrolment]:
    """The offer's enrolments with the learner and how many units each has achieved."""
    return (
        offer.enrolments.select_related("learner")
        .annotate(
            units_achieved=_achieved_count(),
            unit_count=Count("unit_enrolments", distinct=True),
        )
        .order_by("learner__family_name", "learner__given_name", "id")
    )


OUTCOMES_ALL, OUTCOMES_SOME, OUTCOMES_NONE = "all", "some", "none"


def offer_enrolments_filtered(
    *, offer: CourseOffer, status: str = "", outcomes: str = ""
) -> QuerySet[CourseEnrolment]:
    """The offer's enrolments narrowed by enrolment status and by how complete the outcomes
    are: every unit achieved, at least one achieved, or none achieved."""
    found = offer_enrolments(offer=offer)
    if status:
        found = found.filter(status=status)
    if outcomes == OUTCOMES_ALL:
        found = found.filter(unit_count__gt=0, units_achieved=F("unit_count"))
    elif outcomes == OUTCOMES_SOME:
        found = found.filter(units_achieved__gt=0)
    elif outcomes == OUTCOMES_NONE:
        found = found.filter(units_achieved=0)
    return found


def offer_enrolments_selected(*, offer: CourseOffer, ids: list[int]) -> QuerySet[CourseEnrolment]:
    """Only ids that belong to this offer; anything else posted is ignored by the caller."""
    return offer_enrolments(offer=offer).filter(id__in=ids)


def enrolments() -> QuerySet[CourseEnrolment]:
    return CourseEnrolment.objects.select_related("learner", "offer__course", "offer__location")


def enrolment_list(
    *, learner_id: int | None = None, offer_id: int | None = None, status: str = ""
) -> QuerySet[CourseEnrolment]:
    """Course enrolments, newest offer first, narrowed to a learner, an offer or a status."""
    found = enrolments()
    if learner_id is not None:
        found = found.filter(learner_id=learner_id)
    if offer_id is not None:
        found = found.filter(offer_id=offer_id)
    if status:
        found = found.filter(status=status)
    return found.order_by("-offer__start_date", "offer__code", "id")


def enrolments_with_units() -> QuerySet[CourseEnrolment]:
    return enrolments().prefetch_related(
        Prefetch(
            "unit_enrolments",
            queryset=UnitEnrolment.objects.select_related("unit", "outcome").order_by("unit__code"),
        )
    )


def learner_search(*, search: str, limit: int = 50) -> QuerySet[Learner]:
    """Learners whose name, learner ID or USI matches, for picking learners to enrol."""
    learners = Learner.objects.all()
    search = search.strip()
    if search:
        learners = learners.filter(
            name_search_q(search) | Q(client_id__iexact=search) | Q(usi__iexact=search)
        )
    return learners.order_by("family_name", "given_name", "id")[:limit]


def jurisdiction_current() -> str:
    return Organisation.load().jurisdiction


def outcome_codes(*, jurisdiction: str) -> QuerySet[OutcomeCode]:
    return OutcomeCode.objects.filter(jurisdiction=jurisdiction).order_by("code")


def outcome_code_sets() -> tuple[tuple[str, QuerySet], tuple[str, QuerySet]]:
    """The organisation's own outcome code set first, then the other one."""
    current = jurisdiction_current()
    other = next(j for j in Jurisdiction.values if j != current)
    return (
        (Jurisdiction(current).label, outcome_codes(jurisdiction=current)),
        (Jurisdiction(other).label, outcome_codes(jurisdiction=other)),
    )


ENROLMENT_EXPORT_HEADER = [
    "Learner ID",
    "Name",
    "Status",
    "Commencement date",
    "Assessment completed",
    "Units achieved",
]


def enrolment_export_rows(enrolments) -> list[list]:
    """One CSV row per enrolment (from `offer_enrolments`), dates as DD/MM/YYYY."""

    def shown(value: date | None) -> str:
        return value.strftime("%d/%m/%Y") if value else ""

    return [
        [
            e.learner.client_id,
            e.learner.full_name,
            e.get_status_display(),
            shown(e.commencement_date),
            shown(e.completion_date),
            e.units_achieved,
        ]
        for e in enrolments
    ]


def offer_unit_enrolments(
    *, offer: CourseOffer, enrolment_ids: list[int] | None = None, unit: Unit | None = None
) -> QuerySet[UnitEnrolment]:
    """The offer's unit enrolments by learner then unit, optionally only some enrolments/a unit."""
    unit_enrolments = UnitEnrolment.objects.filter(course_enrolment__offer=offer).select_related(
        "unit", "outcome", "course_enrolment__learner"
    )
    if enrolment_ids:
        unit_enrolments = unit_enrolments.filter(course_enrolment_id__in=enrolment_ids)
    if unit is not None:
        unit_enrolments = unit_enrolments.filter(unit=unit)
    return unit_enrolments.order_by(
        "course_enrolment__learner__family_name",
        "course_enrolment__learner__given_name",
        "course_enrolment_id",
        "unit__code",
    )


def enrolment_transitioned_to(*, enrolment: CourseEnrolment) -> CourseEnrolment | None:
    """The enrolment in the superseding qualification that replaced this one, if any."""
    return enrolments().filter(transitioned_from=enrolment).first()


def enrolment_events(*, enrolment: CourseEnrolment, limit: int = 100) -> list[Event]:
    """What happened to the enrolment and its unit enrolments, newest first."""
    unit_ids = [str(pk) for pk in enrolment.unit_enrolments.values_list("pk", flat=True)]
    events = Event.objects.filter(
        Q(subject_type="courseenrolment", subject_id=str(enrolment.pk))
        | Q(subject_type="unitenrolment", subject_id__in=unit_ids)
    )
    return list(events.order_by("-at", "-id")[:limit])


@dataclass(frozen=True)
class ChecklistItem:
    """One step of finalising: done (True), outstanding (False) or for information (None)."""

    label: str
    done: bool | None
    detail: str
    url: str = ""


def finalisation_checklist(
    *, enrolment: CourseEnrolment, unit_enrolments: list[UnitEnrolment], credential: str
) -> list[ChecklistItem]:
    """What is done and what is outstanding before the learner's records are final.

    `credential` describes the enrolment's generated or issued credential ("" when none); the
    credentials app says what it is.
    """
    # After a withdrawal or deferral, 00 (not set) is where units not started are meant to be.
    not_set_is_final = enrolment.status in (*TNC_STATUSES, EnrolmentStatus.DEFERRED)
    unfinished = sum(
        1
        for ue in unit_enrolments
        if not ue.outcome.is_final and not (not_set_is_final and ue.outcome.code == NOT_SET)
    )
    achieved = sum(1 for ue in unit_enrolments if ue.outcome.is_achieved)
    if credential:
        credential_item = ChecklistItem("Credential", True, credential)
    elif not achieved:
        credential_item = ChecklistItem("Credential", None, "Not needed: no units achieved.")
    else:
        credential_item = ChecklistItem("Credential", False, "No credential generated yet.")
    survey = SurveyStatus(enrolment.survey_status)
    return [
        ChecklistItem(
            "Enrolment status",
            enrolment.status != EnrolmentStatus.ACTIVE,
            enrolment.get_status_display(),
        ),
        ChecklistItem(
            "Unit outcomes",
            unfinished == 0,
            f"{unfinished} of {len(unit_enrolments)} units have no final outcome yet."
            if unfinished
            else "Every unit has a final outcome.",
        ),
        ChecklistItem(
            "Completion survey",
            survey == SurveyStatus.COMPLETED,
            survey.label,
            enrolment.survey_link,
        ),
        credential_item,
        ChecklistItem(
            "Learner portal and e-learning access",
            enrolment.portal_access_disabled,
            "Disabled." if enrolment.portal_access_disabled else "Still enabled.",
        ),
        ChecklistItem(
            "Learner",
            None,
            "Active." if enrolment.learner.is_active else "Inactive.",
        ),
    ]
