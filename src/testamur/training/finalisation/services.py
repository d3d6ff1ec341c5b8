"""Finalising course enrolments, setting unit outcomes in bulk, the finalisation checklist.

`enrolment_finalise_preview` lists every change a finalisation would make without saving;
`enrolments_finalise` makes exactly those changes in one transaction and records an event per
course enrolment and per unit enrolment changed.
"""

from django.core.exceptions import ValidationError
from django.db import models, transaction

from testamur.core.events import EventRecord, event_record, event_record_many
from testamur.training.finalisation.learner_status import learner_inactive_rule_apply
from testamur.training.finalisation.plans import (
    Change,
    EnrolmentPlan,
    Finalisation,
    changes_data,
    diff_values,
    enrolment_plans,
    plans_fingerprint,
)
from testamur.training.hooks import outcomes_changed
from testamur.training.models import CourseEnrolment, UnitEnrolment

PREVIEW_STALE = (
    "The enrolments changed after the preview was made, so nothing was applied. "
    "Check the changes below and apply again."
)


def _enrolments_loaded(ids, *, lock: bool = False) -> list[CourseEnrolment]:
    enrolments = CourseEnrolment.objects.select_related("learner", "offer__course")
    if lock:
        enrolments = enrolments.select_for_update(of=("self",))
    unit_enrolments = UnitEnrolment.objects.select_related("unit", "outcome").order_by("unit__code")
    if lock:
        unit_enrolments = unit_enrolments.select_for_update(of=("self",))
    return list(
        enrolments.filter(pk__in=list(ids))
        .prefetch_related(models.Prefetch("unit_enrolments", queryset=unit_enrolments))
        .order_by("learner__family_name", "learner__given_name", "pk")
    )


def enrolment_finalise_preview(*, enrolments, finalisation: Finalisation) -> list[EnrolmentPlan]:
    """Every change finalising these enrolments would make. Saves nothing.

    Raises ValidationError naming every problem (per learner when there are several).
    """
    return enrolment_plans(_enrolments_loaded(e.pk for e in enrolments), finalisation)


def _events(plan: EnrolmentPlan, actor) -> list[EventRecord]:
    enrolment = plan.enrolment
    old_status = next((c.old for c in plan.changes if c.field == "status"), enrolment.status)
    records = [
        EventRecord(
            actor=actor,
            subject_type="courseenrolment",
            subject_id=enrolment.pk,
            action="finalised",
            learner_id=enrolment.learner_id,
            from_state=old_status,
            to_state=enrolment.status,
            reason=enrolment.status_reason,
            data={
                **changes_data(plan.changes),
                "units_changed": sum(1 for unit in plan.units if unit.changes),
            },
        )
    ]
    for unit in plan.units:
        if not unit.changes:
            continue
        records.append(
            EventRecord(
                actor=actor,
                subject_type="unitenrolment",
                subject_id=unit.unit_enrolment.pk,
                action="finalised",
                learner_id=enrolment.learner_id,
                data={
                    "course_enrolment": enrolment.pk,
                    "unit": unit.unit_enrolment.unit.code,
                    **changes_data(unit.changes),
                },
            )
        )
    return records


def _apply(instance: models.Model, changes: list[Change]) -> None:
    for change in changes:
        setattr(instance, change.field, change.new)
    instance.full_clean(validate_unique=False)
    instance.save(update_fields=[c.field for c in changes] + ["updated_at"])


@transaction.atomic
def enrolments_finalise(
    *, enrolments, finalisation: Finalisation, actor, fingerprint: str = ""
) -> list[EnrolmentPlan]:
    """Make the previewed changes, all or none, with an event per enrolment and unit changed.

    With `fingerprint` (from the preview), refuses if the changes are no longer those shown.
    """
    locked = _enrolments_loaded((e.pk for e in enrolments), lock=True)
    plans = enrolment_plans(locked, finalisation)
    if fingerprint and fingerprint != plans_fingerprint(plans):
        raise ValidationError(PREVIEW_STALE)
    records = []
    for plan in plans:
        if plan.changes:
            _apply(plan.enrolment, plan.changes)
        for unit in plan.units:
            if unit.changes:
                _apply(unit.unit_enrolment, unit.changes)
        if plan.change_count:
            records.extend(_events(plan, actor))
    event_record_many(records)
    learner_ids = {p.enrolment.learner_id for p in plans}
    learner_inactive_rule_apply(actor=actor, learner_ids=learner_ids)
    # Outcomes written here bypass unit_enrolment_update: audit the qualifications here too.
    outcomes_changed(actor=actor, learner_ids=learner_ids)
    return plans


CHECKLIST_FIELDS = ["survey_status", "survey_link", "portal_access_disabled"]


@transaction.atomic
def enrolment_checklist_update(*, enrolment: CourseEnrolment, actor, data: dict) -> CourseEnrolment:
    """Record the finalisation steps done outside Testamur: survey, portal access."""
    enrolment = CourseEnrolment.objects.select_for_update().get(pk=enrolment.pk)
    changes = diff_values(enrolment, {k: data[k] for k in CHECKLIST_FIELDS if k in data})
    if not changes:
        return enrolment
    _apply(enrolment, changes)
    event_record(
        actor=actor,
        subject_type="courseenrolment",
        subject_id=enrolment.pk,
        action="checklist_updated",
        learner_id=enrolment.learner_id,
        data=changes_data(changes),
    )
    return enrolment
