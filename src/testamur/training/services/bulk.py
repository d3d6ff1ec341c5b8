"""Bulk writes for imports: records already checked with the rule functions of enrolments.py."""

from django.db import transaction
from django.utils import timezone

from testamur.core.events import EventRecord, event_record_many
from testamur.training.finalisation.learner_status import learner_inactive_rule_apply
from testamur.training.models import (
    CourseEnrolment,
    UnitEnrolment,
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
