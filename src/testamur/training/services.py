"""Every write to units, courses, locations, offers and enrolments. Each records an event.

Services check uniqueness and the model's constraints themselves so the user reads a sentence
rather than "Constraint … is violated"; the database still holds every one of those rules.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from testamur.core.events import EventRecord, event_record, event_record_many
from testamur.learners.models import Learner
from testamur.organisation.models import Jurisdiction, Organisation
from testamur.organisation.selectors import organisation_today
from testamur.training.finalisation.learner_status import learner_inactive_rule_apply
from testamur.training.hooks import outcomes_changed
from testamur.training.models import (
    TNC_STATUSES,
    Course,
    CourseEnrolment,
    CourseOffer,
    CourseType,
    DeliveryLocation,
    DeliveryMode,
    EnrolmentStatus,
    OutcomeCode,
    Unit,
    UnitEnrolment,
)
from testamur.training.outcome_codes import NOT_SET

UNIT_CODE_TAKEN = "A unit with code {code} already exists."
COURSE_CODE_TAKEN = "A course with code {code} already exists."
LOCATION_CODE_TAKEN = "A delivery location with ID {code} already exists."
OFFER_CODE_TAKEN = "A course offer with code {code} already exists."
AQF_LEVEL_ONLY_FOR_QUALIFICATIONS = (
    "Only a qualification has an AQF level. Clear the AQF level or change the type."
)
COURSE_SUPERSEDES_ITSELF = "A course cannot be superseded by itself."
OFFER_ENDS_BEFORE_START = "The end date must be on or after the start date."
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

UNIT_FIELDS = ["code", "title", "nominal_hours", "field_of_education", "is_vet"]
COURSE_FIELDS = [
    "code",
    "title",
    "course_type",
    "aqf_level",
    "nominal_hours",
    "superseded_by",
    "is_active",
]
LOCATION_FIELDS = ["code", "name", "suburb", "state", "postcode"]
OFFER_FIELDS = ["course", "code", "start_date", "end_date", "location", "trainer"]
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


def _shown(value) -> str:
    if isinstance(value, models.Model):
        return str(value.pk)
    return "" if value is None else str(value)


def _model_update(*, instance: models.Model, fields: list[str], data: dict) -> dict:
    """Set the allowed fields present in `data`; return {field: [old, new]} for the event."""
    changes = {}
    for field in fields:
        if field not in data:
            continue
        old, new = getattr(instance, field), data[field]
        if old != new:
            changes[field] = [_shown(old), _shown(new)]
            setattr(instance, field, new)
    return changes


def _validate(instance: models.Model, errors: dict[str, str]) -> None:
    """full_clean plus the service's own checks, all reported at once.

    Fields the service already found wrong are left out of full_clean so each gets one message.
    """
    try:
        instance.full_clean(exclude=list(errors))
    except ValidationError as exc:
        found = exc.message_dict
    else:
        found = {}
    for field, message in errors.items():
        found.setdefault(field, []).append(message)
    if found:
        raise ValidationError(found)


def _save(instance: models.Model, *, on_conflict: dict[str, str]) -> None:
    """Save; if a concurrent write took the same unique value, report it like the check does."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ValidationError(on_conflict) from exc


def _coded_save(instance: models.Model, *, taken: str, errors: dict[str, str]) -> None:
    """Validate and save a record whose code is unique (unit, course, location, offer)."""
    code = instance.code
    if type(instance).objects.filter(code=code).exclude(pk=instance.pk).exists():
        errors = {"code": taken.format(code=code), **errors}
    _validate(instance, errors)
    _save(instance, on_conflict={"code": taken.format(code=code)})


def _event(*, actor, subject: models.Model, action: str, learner_id=None, **kwargs) -> None:
    event_record(
        actor=actor,
        subject_type=subject._meta.model_name,
        subject_id=subject.pk,
        action=action,
        learner_id=learner_id,
        **kwargs,
    )


def _record_save(
    instance: models.Model, *, actor, action: str, changes: dict, taken: str, errors=None
):
    """Save a record with a unique code and no related rows, and record the event."""
    _coded_save(instance, taken=taken, errors=errors or {})
    _event(actor=actor, subject=instance, action=action, data=changes)
    return instance


# Units


@transaction.atomic
def unit_create(
    *,
    actor,
    code: str,
    title: str,
    nominal_hours: int = 0,
    field_of_education: str = "",
    is_vet: bool = True,
) -> Unit:
    unit = Unit(
        code=code,
        title=title,
        nominal_hours=nominal_hours,
        field_of_education=field_of_education,
        is_vet=is_vet,
    )
    return _record_save(
        unit, actor=actor, action="created", changes={"code": code}, taken=UNIT_CODE_TAKEN
    )


@transaction.atomic
def unit_update(*, unit: Unit, actor, data: dict) -> Unit:
    changes = _model_update(instance=unit, fields=UNIT_FIELDS, data=data)
    return _record_save(unit, actor=actor, action="updated", changes=changes, taken=UNIT_CODE_TAKEN)


# Courses


def _course_save(*, course: Course, actor, action: str, changes: dict, units=None) -> Course:
    errors = {}
    if course.aqf_level is not None and course.course_type != CourseType.QUALIFICATION:
        errors["aqf_level"] = AQF_LEVEL_ONLY_FOR_QUALIFICATIONS
    if course.pk and course.superseded_by_id == course.pk:
        errors["superseded_by"] = COURSE_SUPERSEDES_ITSELF
    _coded_save(course, taken=COURSE_CODE_TAKEN, errors=errors)
    if units is not None:
        old_codes = sorted(course.units.values_list("code", flat=True))
        new_codes = sorted(u.code for u in units)
        if old_codes != new_codes:
            course.units.set(units)
            changes["units"] = [" ".join(old_codes), " ".join(new_codes)]
    _event(actor=actor, subject=course, action=action, data=changes)
    return course


@transaction.atomic
def course_create(
    *,
    actor,
    code: str,
    title: str,
    course_type: str = CourseType.QUALIFICATION,
    aqf_level: int | None = None,
    nominal_hours: int = 0,
    superseded_by: Course | None = None,
    is_active: bool = True,
    units=(),
) -> Course:
    course = Course(
        code=code,
        title=title,
        course_type=course_type,
        aqf_level=aqf_level,
        nominal_hours=nominal_hours,
        superseded_by=superseded_by,
        is_active=is_active,
    )
    return _course_save(
        course=course, actor=actor, action="created", changes={"code": code}, units=list(units)
    )


@transaction.atomic
def course_update(*, course: Course, actor, data: dict) -> Course:
    """`data` may hold "units" (an iterable of Unit) to replace the course's units."""
    changes = _model_update(instance=course, fields=COURSE_FIELDS, data=data)
    units = list(data["units"]) if "units" in data else None
    return _course_save(course=course, actor=actor, action="updated", changes=changes, units=units)


# Delivery locations


@transaction.atomic
def location_create(
    *, actor, code: str, name: str, suburb: str, state: str, postcode: str
) -> DeliveryLocation:
    location = DeliveryLocation(code=code, name=name, suburb=suburb, state=state, postcode=postcode)
    return _record_save(
        location, actor=actor, action="created", changes={"code": code}, taken=LOCATION_CODE_TAKEN
    )


@transaction.atomic
def location_update(*, location: DeliveryLocation, actor, data: dict) -> DeliveryLocation:
    changes = _model_update(instance=location, fields=LOCATION_FIELDS, data=data)
    return _record_save(
        location, actor=actor, action="updated", changes=changes, taken=LOCATION_CODE_TAKEN
    )


# Course offers


def _offer_save(*, offer: CourseOffer, actor, action: str, changes: dict) -> CourseOffer:
    errors = {}
    if offer.start_date and offer.end_date and offer.end_date < offer.start_date:
        errors["end_date"] = OFFER_ENDS_BEFORE_START
    return _record_save(
        offer, actor=actor, action=action, changes=changes, taken=OFFER_CODE_TAKEN, errors=errors
    )


@transaction.atomic
def offer_create(
    *,
    actor,
    course: Course,
    code: str,
    start_date: date,
    end_date: date,
    location: DeliveryLocation | None = None,
    trainer: str = "",
) -> CourseOffer:
    offer = CourseOffer(
        course=course,
        code=code,
        start_date=start_date,
        end_date=end_date,
        location=location,
        trainer=trainer,
    )
    return _offer_save(offer=offer, actor=actor, action="created", changes={"code": code})


@transaction.atomic
def offer_update(*, offer: CourseOffer, actor, data: dict) -> CourseOffer:
    changes = _model_update(instance=offer, fields=OFFER_FIELDS, data=data)
    return _offer_save(offer=offer, actor=actor, action="updated", changes=changes)


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


# Bulk writes for imports: records already checked with the rule functions above.


def _bulk_events(actor, reason: str, records) -> None:
    event_record_many(
        [
            EventRecord(actor=actor, reason=reason, subject_type=subject_type, **fields)
            for subject_type, fields in records
        ]
    )


def _changed_fields(updated, *always: str) -> list[str]:
    fields = {"updated_at", *always}
    for _, changes in updated:
        fields.update(changes)
    return sorted(fields)


@transaction.atomic
def enrolments_save_many(
    *,
    actor,
    created: list[CourseEnrolment],
    updated: list[tuple[CourseEnrolment, dict, str]],
    reason: str = "",
    batch_size: int = 500,
) -> None:
    """Write course enrolments in bulk, each with its event; then settle changed statuses.

    `updated` holds (enrolment, changes from enrolment_apply, status before). Unit enrolments
    of an enrolment whose status changed get its training-organisation outcome again, and the
    inactive-learner rule runs once for every learner touched.
    """
    now = timezone.now()
    for enrolment in created:
        enrolment.created_at = enrolment.updated_at = now
    CourseEnrolment.objects.bulk_create(created, batch_size=batch_size)
    for enrolment, _, _ in updated:
        enrolment.updated_at = now
    if updated:
        CourseEnrolment.objects.bulk_update(
            [enrolment for enrolment, _, _ in updated],
            _changed_fields(((e, c) for e, c, _ in updated), "withdrawal_date"),
            batch_size=batch_size,
        )
    records = [
        (
            "courseenrolment",
            {
                "subject_id": enrolment.pk,
                "learner_id": enrolment.learner_id,
                "action": "created",
                "to_state": enrolment.status,
                "data": {"offer": enrolment.offer.code},
            },
        )
        for enrolment in created
    ]
    settle: dict[str, list[int]] = {}
    for enrolment, changes, was_status in updated:
        moved = enrolment.status != was_status
        if moved:
            settle.setdefault(enrolment.training_organisation_outcome, []).append(enrolment.pk)
        records.append(
            (
                "courseenrolment",
                {
                    "subject_id": enrolment.pk,
                    "learner_id": enrolment.learner_id,
                    "action": "status_changed" if moved else "updated",
                    "from_state": was_status if moved else "",
                    "to_state": enrolment.status if moved else "",
                    "data": changes,
                },
            )
        )
    _bulk_events(actor, reason, records)
    for derived, ids in settle.items():
        for start in range(0, len(ids), batch_size):
            UnitEnrolment.objects.filter(
                course_enrolment_id__in=ids[start : start + batch_size]
            ).exclude(training_organisation_outcome=derived).update(
                training_organisation_outcome=derived
            )
    learner_ids = {e.learner_id for e in created} | {e.learner_id for e, _, _ in updated}
    if learner_ids:
        learner_inactive_rule_apply(actor=actor, learner_ids=sorted(learner_ids))


@transaction.atomic
def unit_enrolments_save_many(
    *,
    actor,
    created: list[UnitEnrolment],
    updated: list[tuple[UnitEnrolment, dict]],
    reason: str = "",
    batch_size: int = 1000,
) -> None:
    """Write unit enrolments in bulk, each with its event (as unit_enrolment_create/update).

    The training-organisation outcome must already be derived from the course enrolment.
    """
    now = timezone.now()
    for unit_enrolment in created:
        unit_enrolment.updated_at = now
    UnitEnrolment.objects.bulk_create(created, batch_size=batch_size)
    for unit_enrolment, _ in updated:
        unit_enrolment.updated_at = now
    if updated:
        UnitEnrolment.objects.bulk_update(
            [unit_enrolment for unit_enrolment, _ in updated],
            _changed_fields(updated, "training_organisation_outcome"),
            batch_size=batch_size,
        )

    def record(unit_enrolment, action, data):
        return (
            "unitenrolment",
            {
                "subject_id": unit_enrolment.pk,
                "learner_id": unit_enrolment.course_enrolment.learner_id,
                "action": action,
                "data": {
                    "course_enrolment": unit_enrolment.course_enrolment_id,
                    "unit": unit_enrolment.unit.code,
                    **data,
                },
            },
        )

    records = [record(u, "created", {"outcome": u.outcome.code}) for u in created]
    records += [record(u, "updated", changes) for u, changes in updated]
    _bulk_events(actor, reason, records)
