"""What finalising does to an enrolment and its units, worked out without saving anything.

The outcome codes written come from the organisation's jurisdiction (outcome_codes.WITHDRAWN
and NOT_SET), never from literals here.
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from testamur.organisation.models import Jurisdiction, Organisation
from testamur.organisation.selectors import organisation_today
from testamur.training.models import (
    COMPLETION_STATUSES,
    TNC_STATUSES,
    CourseEnrolment,
    EnrolmentStatus,
    OutcomeCode,
    UnitEnrolment,
    training_organisation_outcome_for,
)
from testamur.training.outcome_codes import NOT_SET, WITHDRAWN
from testamur.training.services import (
    HOURS_NEGATIVE,
    OUTCOME_WRONG_JURISDICTION,
    achieved_in_future,
)

STATUS_NOT_FINAL = "Choose the status the enrolment finishes with; Active is not a final status."
REASON_REQUIRED = "Enter the status reason for a withdrawal, cancellation or partial attendance."
WITHDRAWAL_DATE_REQUIRED = "Enter the withdrawal date."
WITHDRAWAL_IN_FUTURE = "The withdrawal date cannot be in the future."
WITHDRAWAL_BEFORE_START = "The withdrawal date is before the enrolment started ({start})."
COMPLETION_DATE_REQUIRED = "Enter the date the final assessment was completed."
COMPLETION_IN_FUTURE = "The assessment completed date cannot be in the future."
COMPLETION_BEFORE_START = "The assessment completed date is before the enrolment started ({start})."
UNIT_END_IN_FUTURE = "The units' actual end date cannot be in the future."
UNIT_END_BEFORE_START = "The units' actual end date is before the enrolment started ({start})."
OUTCOME_NOT_FINAL = (
    "Outcome {code} is not a final outcome. Choose a final outcome such as {example}."
)
UNITS_NOT_FINAL = (
    "These units have no final outcome yet: {units}. Choose an outcome for them, "
    "or finalise as Completion Pending."
)
UNITS_ACHIEVED_IN_FUTURE = (
    "Units' actual end date: {units} would be achieved with an end date in the future, and an "
    "achieved unit cannot end after today. Enter the units' actual end date."
)
RESUME_DATES_REQUIRED = "Enter the new start and end dates of the deferred units."
RESUME_NOT_FUTURE = "The new start date of deferred units must be in the future."
RESUME_END_BEFORE_START = "The new end date must be on or after the new start date."
NOTHING_TO_CHANGE = "Nothing would change: the selected enrolments are already finalised this way."
ENROLMENT_PREFIX = "{name} ({client_id}): {message}"

TENTHS = Decimal("0.1")


@dataclass(frozen=True)
class Finalisation:
    """What the person chose on the finalise form. Fields that do not apply are ignored."""

    status: str
    status_reason: str = ""
    # Completed / Completion Pending
    completion_date: date | None = None
    unit_outcome: OutcomeCode | None = None
    unit_end_date: date | None = None
    # Withdrawn, Cancelled (either), Partial Attendance
    withdrawal_date: date | None = None
    hours_attended: Mapping[int, Decimal] = field(default_factory=dict)
    # Deferred
    resume_start_date: date | None = None
    resume_end_date: date | None = None


@dataclass(frozen=True)
class Change:
    """One field of one record: its value before and after, and both as a person reads them."""

    field: str
    label: str
    old: object
    new: object
    before: str
    after: str


@dataclass
class UnitPlan:
    unit_enrolment: UnitEnrolment
    changes: list[Change]


@dataclass
class EnrolmentPlan:
    enrolment: CourseEnrolment
    changes: list[Change]
    units: list[UnitPlan]

    @property
    def change_count(self) -> int:
        return len(self.changes) + sum(len(unit.changes) for unit in self.units)


def _display(model_field: models.Field, value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    return str(value)


def stored_value(value) -> str:
    """A value as the event log keeps it (codes, ISO dates)."""
    if isinstance(value, OutcomeCode):
        return value.code
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def changes_data(changes: list[Change]) -> dict:
    """Changes as the event log keeps them: {field: [old, new]}."""
    return {c.field: [stored_value(c.old), stored_value(c.new)] for c in changes}


def diff_values(instance: models.Model, values: dict) -> list[Change]:
    """The fields whose value in `values` differs from the instance's."""
    changes = []
    for name, new in values.items():
        old = getattr(instance, name)
        if old != new:
            model_field = instance._meta.get_field(name)
            label = str(model_field.verbose_name).capitalize()
            before, after = _display(model_field, old), _display(model_field, new)
            changes.append(Change(name, label, old, new, before, after))
    return changes


class _Codes:
    """The organisation's outcome codes that finalisation writes, loaded once."""

    def __init__(self):
        self.jurisdiction = Organisation.load().jurisdiction
        codes = OutcomeCode.objects.filter(
            jurisdiction=self.jurisdiction, code__in=[NOT_SET, WITHDRAWN[self.jurisdiction]]
        )
        by_code = {code.code: code for code in codes}
        self.not_set = by_code[NOT_SET]
        self.withdrawn = by_code[WITHDRAWN[self.jurisdiction]]


# Checks on the form as a whole (the same for every enrolment).


def _check_choice(finalisation: Finalisation, codes: _Codes) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    status = finalisation.status
    if status not in EnrolmentStatus.values or status == EnrolmentStatus.ACTIVE:
        errors["status"] = [STATUS_NOT_FINAL]
    elif status in COMPLETION_STATUSES:
        if status == EnrolmentStatus.COMPLETED and not finalisation.completion_date:
            errors["completion_date"] = [COMPLETION_DATE_REQUIRED]
        if finalisation.completion_date and finalisation.completion_date > today:
            errors["completion_date"] = [COMPLETION_IN_FUTURE]
        if finalisation.unit_end_date and finalisation.unit_end_date > today:
            errors["unit_end_date"] = [UNIT_END_IN_FUTURE]
        outcome = finalisation.unit_outcome
        if outcome is not None and outcome.jurisdiction != codes.jurisdiction:
            label = Jurisdiction(codes.jurisdiction).label
            errors["unit_outcome"] = [
                OUTCOME_WRONG_JURISDICTION.format(code=outcome.code, jurisdiction=label)
            ]
        elif outcome is not None and not outcome.is_final:
            example = OutcomeCode.objects.filter(
                jurisdiction=codes.jurisdiction, is_achieved=True, is_current=True
            ).first()
            errors["unit_outcome"] = [
                OUTCOME_NOT_FINAL.format(code=outcome.code, example=example or codes.withdrawn)
            ]
    elif status in TNC_STATUSES:
        if not finalisation.status_reason.strip():
            errors["status_reason"] = [REASON_REQUIRED]
        if not finalisation.withdrawal_date:
            errors["withdrawal_date"] = [WITHDRAWAL_DATE_REQUIRED]
        elif finalisation.withdrawal_date > today:
            errors["withdrawal_date"] = [WITHDRAWAL_IN_FUTURE]
        if any(hours < 0 for hours in finalisation.hours_attended.values()):
            errors["hours_attended"] = [HOURS_NEGATIVE]
    elif status == EnrolmentStatus.DEFERRED:
        start, end = finalisation.resume_start_date, finalisation.resume_end_date
        if not start or not end:
            errors["resume_start_date"] = [RESUME_DATES_REQUIRED]
        elif start <= today:
            errors["resume_start_date"] = [RESUME_NOT_FUTURE]
        elif end < start:
            errors["resume_end_date"] = [RESUME_END_BEFORE_START]
    return errors


# What happens to each unit, by status.


def _hours_to_date(unit_enrolment: UnitEnrolment, withdrawal: date) -> Decimal:
    """Hours attended when none are entered: those recorded, else the scheduled hours pro rata."""
    if unit_enrolment.actual_hours:
        return unit_enrolment.actual_hours
    start, end = unit_enrolment.start_date, unit_enrolment.end_date
    if not end:
        return unit_enrolment.actual_hours
    days = (end - start).days + 1
    attended = min((withdrawal - start).days, days)
    hours = unit_enrolment.scheduled_hours * attended / days
    return hours.quantize(TENTHS, rounding=ROUND_HALF_UP)


def _unit_values_withdrawn(ue: UnitEnrolment, f: Finalisation, codes: _Codes) -> dict:
    """Commenced before the withdrawal date → withdrawn code, ends then, hours to date.

    Not commenced → not set, no hours; its dates (on or after the withdrawal) stay as they are.
    """
    if ue.start_date and ue.start_date < f.withdrawal_date:
        hours = f.hours_attended.get(ue.pk)
        return {
            "outcome": codes.withdrawn,
            "end_date": f.withdrawal_date,
            "actual_hours": hours if hours is not None else _hours_to_date(ue, f.withdrawal_date),
        }
    return {"outcome": codes.not_set, "actual_hours": Decimal("0")}


def _unit_values_completed(ue: UnitEnrolment, f: Finalisation) -> dict:
    """A unit that gets (or has) a final outcome ends by the actual end date.

    A unit left without a final outcome (Completion Pending) keeps its dates: a unit not yet
    started keeps its planned ones, which is what AVETMISS reports with "not yet started"
    (85) — never dates made up from the assessment date.
    """
    values = {}
    if f.unit_outcome is not None and not ue.outcome.is_final:
        values["outcome"] = f.unit_outcome
    if not values.get("outcome", ue.outcome).is_final:
        return values
    end = f.unit_end_date or f.completion_date
    if end and (ue.end_date is None or ue.end_date > end):
        values["end_date"] = end
        if ue.start_date and ue.start_date > end:
            values["start_date"] = end
    return values


def _unit_values_deferred(f: Finalisation, codes: _Codes) -> dict:
    return {
        "outcome": codes.not_set,
        "start_date": f.resume_start_date,
        "end_date": f.resume_end_date,
    }


def _unit_values(ue: UnitEnrolment, f: Finalisation, codes: _Codes) -> dict:
    values = {}
    if f.status in COMPLETION_STATUSES:
        values = _unit_values_completed(ue, f)
    elif not ue.outcome.is_final:
        # A unit already finished (achieved, RPL, credit transfer…) keeps its result.
        if f.status in TNC_STATUSES:
            values = _unit_values_withdrawn(ue, f, codes)
        else:
            values = _unit_values_deferred(f, codes)
    values["training_organisation_outcome"] = training_organisation_outcome_for(f.status)
    return values


def _enrolment_start(enrolment: CourseEnrolment) -> date:
    return enrolment.commencement_date or enrolment.offer.start_date


def _enrolment_errors(enrolment: CourseEnrolment, f: Finalisation) -> dict[str, str]:
    start = _enrolment_start(enrolment)
    shown = start.strftime("%d/%m/%Y")
    errors = {}
    if f.status in TNC_STATUSES and f.withdrawal_date and f.withdrawal_date < start:
        errors["withdrawal_date"] = WITHDRAWAL_BEFORE_START.format(start=shown)
    if f.status in COMPLETION_STATUSES:
        if f.completion_date and f.completion_date < start:
            errors["completion_date"] = COMPLETION_BEFORE_START.format(start=shown)
        if f.unit_end_date and f.unit_end_date < start:
            errors["unit_end_date"] = UNIT_END_BEFORE_START.format(start=shown)
    return errors


def _plan(enrolment: CourseEnrolment, f: Finalisation, codes: _Codes) -> EnrolmentPlan:
    values = {
        "status": f.status,
        "status_reason": f.status_reason.strip(),
        "withdrawal_date": f.withdrawal_date if f.status in TNC_STATUSES else None,
    }
    if f.status in COMPLETION_STATUSES and f.completion_date:
        values["completion_date"] = f.completion_date
    units = [
        UnitPlan(ue, diff_values(ue, _unit_values(ue, f, codes)))
        for ue in enrolment.unit_enrolments.all()
    ]
    return EnrolmentPlan(enrolment, diff_values(enrolment, values), units)


def _unfinished_units(plan: EnrolmentPlan) -> list[str]:
    unfinished = []
    for unit in plan.units:
        outcome = next((c.new for c in unit.changes if c.field == "outcome"), None)
        if not (outcome or unit.unit_enrolment.outcome).is_final:
            unfinished.append(unit.unit_enrolment.unit.code)
    return unfinished


def _achieved_in_future(plan: EnrolmentPlan, today: date) -> list[str]:
    """Units this finalisation would leave achieved with an end date after today."""
    found = []
    for unit in plan.units:
        new = {c.field: c.new for c in unit.changes}
        if not new.keys() & {"outcome", "end_date"}:
            continue  # finalisation does not write this unit's result
        ue = unit.unit_enrolment
        outcome, end = new.get("outcome", ue.outcome), new.get("end_date", ue.end_date)
        if achieved_in_future(outcome, end, today):
            found.append(ue.unit.code)
    return found


def enrolment_plans(enrolments: list[CourseEnrolment], f: Finalisation) -> list[EnrolmentPlan]:
    """Every enrolment's changes; every problem with any of them, all at once."""
    codes = _Codes()
    errors = _check_choice(f, codes)
    if errors:
        raise ValidationError(errors)
    today = organisation_today()
    plans = []
    for enrolment in enrolments:
        found = _enrolment_errors(enrolment, f)
        plan = _plan(enrolment, f, codes)
        if f.status == EnrolmentStatus.COMPLETED:
            unfinished = _unfinished_units(plan)
            if unfinished:
                found["unit_outcome"] = UNITS_NOT_FINAL.format(units=", ".join(unfinished))
        future = _achieved_in_future(plan, today)
        if future:
            found["unit_end_date"] = UNITS_ACHIEVED_IN_FUTURE.format(units=", ".join(future))
        for name, message in found.items():
            if len(enrolments) > 1:
                learner = enrolment.learner
                message = ENROLMENT_PREFIX.format(
                    name=learner.full_name, client_id=learner.client_id, message=message
                )
            errors.setdefault(name, []).append(message)
        plans.append(plan)
    if errors:
        raise ValidationError(errors)
    if not any(plan.change_count for plan in plans):
        raise ValidationError(NOTHING_TO_CHANGE)
    return plans


def plans_fingerprint(plans: list[EnrolmentPlan]) -> str:
    """Identifies a preview, so applying it can tell whether the records changed meanwhile."""
    content = [
        [
            plan.enrolment.pk,
            changes_data(plan.changes),
            [
                [
                    unit.unit_enrolment.pk,
                    changes_data(unit.changes),
                ]
                for unit in plan.units
            ],
        ]
        for plan in plans
    ]
    return hashlib.sha256(json.dumps(content).encode()).hexdigest()
