"""Course enrolments and unit enrolments, one at a time (pages, the API)."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from testamur.learners.models import Learner
from testamur.organisation.models import Jurisdiction, Organisation
from testamur.organisation.selectors import organisation_today
from testamur.training.finalisation.learner_status import learner_inactive_rule_apply
from testamur.training.hooks import outcomes_changed
from testamur.training.models import (
    TNC_STATUSES,
    CourseEnrolment,
    CourseOffer,
    DeliveryMode,
    EnrolmentStatus,
    OutcomeCode,
    Unit,
    UnitEnrolment,
)
from testamur.training.outcome_codes import NOT_SET
from testamur.training.services.common import (
    _event,
    _model_update,
    _save,
    _shown,
    _validate,
)

ENROLMENT_EXISTS = "{learner} is already enrolled in {offer}."
ENROLMENT_COMPLETES_BEFORE_COMMENCING = (
    "The assessment completed date must be on or after the commencement date."
)
PROGRAM_ID_GAP = "Fill in the program identifiers in order, without leaving one blank."
PROGRAM_ID_REPEATED = "Program identifier {code} is listed twice."
UNIT_ENROLMENT_EXISTS = "{unit} is already part of this enrolment."
UNIT_ENROLMENT_ENDS_BEFORE_START = "The end date must be on or after the start date."
HOURS_NEGATIVE = "Hours cannot be negative."
OUTCOME_WRONG_JURISDICTION = "Outcome code {code} is not valid for the {jurisdiction} outcome set."
ACHIEVED_IN_FUTURE = (
    "End date {end} is in the future, but outcome {code} says the unit is already achieved: "
    "an achieved unit cannot end after today. Enter the date it was achieved, or record the "
    "outcome once the unit is finished."
)

ENROLMENT_FIELDS = [
    "status",
    "status_reason",
    "commencement_date",
    "completion_date",
    "commitment_id",
    "program_id_1",
    "program_id_2",
    "program_id_3",
]
PROGRAM_ID_FIELDS = ["program_id_1", "program_id_2", "program_id_3"]
UNIT_ENROLMENT_FIELDS = [
    "start_date",
    "end_date",
    "scheduled_hours",
    "actual_hours",
    "outcome",
    "delivery_mode",
]


# Course enrolments


def enrolment_rule_errors(enrolment: CourseEnrolment) -> dict[str, str]:
    """The rules an enrolment's own fields must follow (dates, program identifiers); no query."""
    errors = {}
    start, end = enrolment.commencement_date, enrolment.completion_date
    if start and end and end < start:
        errors["completion_date"] = ENROLMENT_COMPLETES_BEFORE_COMMENCING
    program_ids = [getattr(enrolment, field) for field in PROGRAM_ID_FIELDS]
    for index, field in enumerate(PROGRAM_ID_FIELDS[1:], start=1):
        code = program_ids[index]
        if code and not program_ids[index - 1]:
            errors[field] = PROGRAM_ID_GAP
        elif code and code in program_ids[:index]:
            errors[field] = PROGRAM_ID_REPEATED.format(code=code)
    return errors


def enrolment_status_settle(*, enrolment: CourseEnrolment, actor) -> None:
    """What follows a status change: the units' derived outcome, and the inactive-learner rule."""
    derived = enrolment.training_organisation_outcome
    enrolment.unit_enrolments.exclude(training_organisation_outcome=derived).update(
        training_organisation_outcome=derived
    )
    learner_inactive_rule_apply(actor=actor, learner_ids=[enrolment.learner_id])


@transaction.atomic
def enrolment_create(
    *,
    actor,
    learner: Learner,
    offer: CourseOffer,
    commencement_date: date | None = None,
    commitment_id: str = "",
) -> CourseEnrolment:
    """Enrol a learner in an offer, with one unit enrolment (outcome 00) per unit of the course."""
    enrolment = CourseEnrolment(
        learner=learner,
        offer=offer,
        status=EnrolmentStatus.ACTIVE,
        commencement_date=commencement_date or offer.start_date,
        commitment_id=commitment_id,
    )
    exists_message = ENROLMENT_EXISTS.format(learner=learner.full_name, offer=offer.code)
    errors = enrolment_rule_errors(enrolment)
    if CourseEnrolment.objects.filter(learner=learner, offer=offer).exists():
        errors["offer"] = exists_message
    _validate(enrolment, errors)
    _save(enrolment, on_conflict={"offer": exists_message})
    not_set = OutcomeCode.objects.get(jurisdiction=Organisation.load().jurisdiction, code=NOT_SET)
    UnitEnrolment.objects.bulk_create(
        UnitEnrolment(
            course_enrolment=enrolment,
            unit=unit,
            start_date=offer.start_date,
            end_date=offer.end_date,
            scheduled_hours=Decimal(unit.nominal_hours),
            outcome=not_set,
        )
        for unit in offer.course.units.order_by("code")
    )
    _event(
        actor=actor,
        subject=enrolment,
        action="created",
        learner_id=learner.pk,
        to_state=enrolment.status,
        data={"offer": offer.code, "units": offer.course.units.count()},
    )
    return enrolment


@transaction.atomic
def enrolment_create_many(
    *, actor, offer: CourseOffer, learners
) -> tuple[list[CourseEnrolment], list[Learner]]:
    """Enrol each learner not already in the offer; return (new enrolments, learners skipped)."""
    learners = list(learners)
    enrolled = set(
        offer.enrolments.filter(learner__in=learners).values_list("learner_id", flat=True)
    )
    created, skipped = [], []
    for learner in learners:
        if learner.pk in enrolled:
            skipped.append(learner)
        else:
            created.append(enrolment_create(actor=actor, learner=learner, offer=offer))
            enrolled.add(learner.pk)
    return created, skipped


def enrolment_apply(*, enrolment: CourseEnrolment, data: dict) -> dict:
    """Set the editable fields in `data`; return {field: [old, new]}. Nothing is saved.

    A withdrawal date only belongs to a non-completion status, so other statuses clear it.
    """
    changes = _model_update(instance=enrolment, fields=ENROLMENT_FIELDS, data=data)
    if enrolment.withdrawal_date and enrolment.status not in TNC_STATUSES:
        changes["withdrawal_date"] = [_shown(enrolment.withdrawal_date), ""]
        enrolment.withdrawal_date = None
    return changes


@transaction.atomic
def enrolment_update(*, enrolment: CourseEnrolment, actor, data: dict) -> CourseEnrolment:
    """Change status, reason, dates or commitment ID. Issuing fields are set by issuing only."""
    old_status = enrolment.status
    changes = enrolment_apply(enrolment=enrolment, data=data)
    _validate(enrolment, enrolment_rule_errors(enrolment))
    enrolment.save()
    status_changed = enrolment.status != old_status
    _event(
        actor=actor,
        subject=enrolment,
        action="status_changed" if status_changed else "updated",
        learner_id=enrolment.learner_id,
        from_state=old_status if status_changed else "",
        to_state=enrolment.status if status_changed else "",
        reason=enrolment.status_reason if status_changed else "",
        data=changes,
    )
    if status_changed:
        enrolment_status_settle(enrolment=enrolment, actor=actor)
    return enrolment


# Unit enrolments


def achieved_in_future(outcome: OutcomeCode | None, end: date | None, today: date) -> bool:
    """An achieved outcome (the jurisdiction's achieved set) whose unit ends after today."""
    return bool(outcome and outcome.is_achieved and end and end > today)


def unit_enrolment_rule_errors(
    unit_enrolment: UnitEnrolment,
    *,
    jurisdiction: str,
    outcome: OutcomeCode | None,
    today: date | None = None,
) -> dict[str, str]:
    """The rules a unit enrolment's own fields must follow (outcome set, dates, hours).

    `outcome` is the unit's outcome after the change; `today` (the RTO's) is looked up when
    not given, so an import passes it once for all its rows.
    """
    errors = {}
    if outcome and outcome.jurisdiction != jurisdiction:
        errors["outcome"] = OUTCOME_WRONG_JURISDICTION.format(
            code=outcome.code, jurisdiction=Jurisdiction(jurisdiction).label
        )
    start, end = unit_enrolment.start_date, unit_enrolment.end_date
    if start and end and end < start:
        errors["end_date"] = UNIT_ENROLMENT_ENDS_BEFORE_START
    # Not a database constraint: "today" moves, and a CHECK must hold for every row forever.
    elif achieved_in_future(outcome, end, today or organisation_today()):
        shown = end.strftime("%d/%m/%Y")
        errors["end_date"] = ACHIEVED_IN_FUTURE.format(end=shown, code=outcome.code)
    for field in ("scheduled_hours", "actual_hours"):
        hours = getattr(unit_enrolment, field)
        if isinstance(hours, Decimal | int) and hours < 0:
            errors[field] = HOURS_NEGATIVE
    return errors


def _unit_enrolment_save(*, unit_enrolment: UnitEnrolment, actor, action: str, changes: dict):
    errors = unit_enrolment_rule_errors(
        unit_enrolment,
        jurisdiction=Organisation.load().jurisdiction,
        outcome=unit_enrolment.outcome if unit_enrolment.outcome_id else None,
    )
    enrolment = unit_enrolment.course_enrolment
    unit_enrolment.training_organisation_outcome = enrolment.training_organisation_outcome
    if unit_enrolment.unit_id:
        duplicate = (
            UnitEnrolment.objects.filter(course_enrolment=enrolment, unit=unit_enrolment.unit_id)
            .exclude(pk=unit_enrolment.pk)
            .exists()
        )
        if duplicate:
            errors["unit"] = UNIT_ENROLMENT_EXISTS.format(unit=unit_enrolment.unit.code)
    _validate(unit_enrolment, errors)
    exists_message = UNIT_ENROLMENT_EXISTS.format(unit=unit_enrolment.unit.code)
    _save(unit_enrolment, on_conflict={"unit": exists_message})
    _event(
        actor=actor,
        subject=unit_enrolment,
        action=action,
        learner_id=enrolment.learner_id,
        data={"course_enrolment": enrolment.pk, "unit": unit_enrolment.unit.code, **changes},
    )
    # A new outcome may change the learner's qualification audits: same transaction.
    if "outcome" in changes:
        outcomes_changed(actor=actor, learner_ids={enrolment.learner_id})
    return unit_enrolment


@transaction.atomic
def unit_enrolment_create(
    *,
    actor,
    course_enrolment: CourseEnrolment,
    unit: Unit,
    outcome: OutcomeCode,
    start_date: date | None = None,
    end_date: date | None = None,
    scheduled_hours: Decimal = Decimal("0"),
    actual_hours: Decimal = Decimal("0"),
    delivery_mode: str = DeliveryMode.INTERNAL,
) -> UnitEnrolment:
    unit_enrolment = UnitEnrolment(
        course_enrolment=course_enrolment,
        unit=unit,
        outcome=outcome,
        start_date=start_date,
        end_date=end_date,
        scheduled_hours=scheduled_hours,
        actual_hours=actual_hours,
        delivery_mode=delivery_mode,
    )
    return _unit_enrolment_save(
        unit_enrolment=unit_enrolment,
        actor=actor,
        action="created",
        changes={"outcome": outcome.code},
    )


def unit_enrolment_apply(*, unit_enrolment: UnitEnrolment, data: dict) -> dict:
    """Set the editable fields in `data`; return {field: [old, new]} (outcomes as codes)."""
    old_outcome = unit_enrolment.outcome.code
    changes = _model_update(instance=unit_enrolment, fields=UNIT_ENROLMENT_FIELDS, data=data)
    if "outcome" in changes:
        changes["outcome"] = [old_outcome, unit_enrolment.outcome.code]
    return changes


@transaction.atomic
def unit_enrolment_update(*, unit_enrolment: UnitEnrolment, actor, data: dict) -> UnitEnrolment:
    changes = unit_enrolment_apply(unit_enrolment=unit_enrolment, data=data)
    return _unit_enrolment_save(
        unit_enrolment=unit_enrolment, actor=actor, action="updated", changes=changes
    )
