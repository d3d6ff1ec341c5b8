"""Which unit outcomes count as achieved, for the RTO's jurisdiction (DESIGN.md §1).

The achieved set is data in the OutcomeCode table, never a list in code or templates.
"""

from django.db.models import Count, Q

from testamur.organisation.models import Organisation
from testamur.training.models import OutcomeCode, UnitEnrolment, achieved_q


def achieved_outcome_codes(jurisdiction: str | None = None) -> list[str]:
    """The current achieved codes, for messages. Legacy codes (53) still count when present."""
    jurisdiction = jurisdiction or Organisation.load().jurisdiction
    return list(
        OutcomeCode.objects.filter(jurisdiction=jurisdiction, is_achieved=True, is_current=True)
        .order_by("code")
        .values_list("code", flat=True)
    )


def enrolment_unit_counts(enrolment_ids) -> dict[int, tuple[int, int]]:
    """(achieved units, all units) for each course enrolment, in one query."""
    rows = (
        UnitEnrolment.objects.filter(course_enrolment_id__in=list(enrolment_ids))
        .values("course_enrolment_id")
        .annotate(
            achieved=Count("id", filter=achieved_q()),
            total=Count("id"),
        )
    )
    return {row["course_enrolment_id"]: (row["achieved"], row["total"]) for row in rows}


def achieved_unit_enrolments(enrolment_ids):
    """The achieved unit enrolments of these course enrolments, by unit code."""
    return (
        UnitEnrolment.objects.achieved()
        .filter(course_enrolment_id__in=list(enrolment_ids))
        .select_related("unit", "outcome")
        .order_by("course_enrolment_id", "unit__code")
    )


def units_achieved_in_future(*, today, enrolment_ids=(), learner_ids=()):
    """Achieved unit enrolments whose end date is after `today`: a record the rules refuse now
    but older data (or a direct database edit) may still hold. Credentials listing them are
    held back by the issue gates until the outcome or the date is corrected."""
    enrolment_ids, learner_ids = list(enrolment_ids), list(learner_ids)
    if not enrolment_ids and not learner_ids:
        return UnitEnrolment.objects.none()
    return (
        UnitEnrolment.objects.achieved()
        .filter(
            Q(course_enrolment_id__in=enrolment_ids)
            | Q(course_enrolment__learner_id__in=learner_ids),
            end_date__gt=today,
        )
        .select_related("unit", "course_enrolment")
        .order_by("course_enrolment_id", "unit__code")
    )
