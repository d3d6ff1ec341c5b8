"""Setting the outcome and dates of many unit enrolments at once (from a course offer).

Each row goes through the same service as a single edit, so the same rules apply; any bad
row means nothing is saved, and every bad row is reported with its number on the page.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from testamur.organisation.models import Jurisdiction, Organisation
from testamur.training.models import OutcomeCode, UnitEnrolment
from testamur.training.services import OUTCOME_WRONG_JURISDICTION, unit_enrolment_update

NOTHING_CHOSEN = "Choose an outcome, a start date or an end date to set."
NONE_SELECTED = "Select at least one unit enrolment."
ROW_PROBLEM = "Row {row} – {learner}, {unit}: {message}"


@transaction.atomic
def unit_enrolments_update_many(
    *,
    actor,
    unit_enrolments: list[UnitEnrolment],
    outcome: OutcomeCode | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    rows: dict[int, int] | None = None,
) -> int:
    """Set the given fields on every unit enrolment; return how many changed.

    `rows` maps a unit enrolment's id to the row number the person saw it at.
    """
    data = {
        name: value
        for name, value in (
            ("outcome", outcome),
            ("start_date", start_date),
            ("end_date", end_date),
        )
        if value is not None
    }
    if not data:
        raise ValidationError(NOTHING_CHOSEN)
    if not unit_enrolments:
        raise ValidationError(NONE_SELECTED)
    jurisdiction = Organisation.load().jurisdiction
    if outcome is not None and outcome.jurisdiction != jurisdiction:
        label = Jurisdiction(jurisdiction).label
        message = OUTCOME_WRONG_JURISDICTION.format(code=outcome.code, jurisdiction=label)
        raise ValidationError({"outcome": message})

    rows = rows or {}
    problems, changed = [], 0
    for index, unit_enrolment in enumerate(unit_enrolments, start=1):
        if all(getattr(unit_enrolment, name) == value for name, value in data.items()):
            continue
        try:
            # A savepoint per row, so a refused row leaves the others to be checked.
            with transaction.atomic():
                unit_enrolment_update(unit_enrolment=unit_enrolment, actor=actor, data=data)
        except ValidationError as error:
            problems.extend(
                ROW_PROBLEM.format(
                    row=rows.get(unit_enrolment.pk, index),
                    learner=unit_enrolment.course_enrolment.learner.full_name,
                    unit=unit_enrolment.unit.code,
                    message=message,
                )
                for message in error.messages
            )
        else:
            changed += 1
    if problems:
        raise ValidationError(problems)
    return changed
