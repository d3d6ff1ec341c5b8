"""Saving thousands of checked learners at once (imports)."""

from django.db import transaction
from django.utils import timezone

from testamur.core.events import EventRecord, event_record_many
from testamur.learners.models import Learner
from testamur.learners.services.fields import MULTI_FIELDS
from testamur.learners.services.multi import multi_save
from testamur.learners.services.records import _updated_event, learner_created_data


@transaction.atomic
def learners_save_many(
    *,
    actor,
    created: list[Learner],
    updated: list[tuple[Learner, dict, str]],
    reason: str = "",
    batch_size: int = 500,
) -> None:
    """Write learners already checked with learner_problems, in bulk, each with its event.

    `updated` holds (learner, changes from learner_apply, USI status before). For imports of
    thousands of rows, where saving one learner at a time would take minutes.
    """
    now = timezone.now()
    for learner in created:
        learner.created_at = learner.updated_at = now
    Learner.objects.bulk_create(created, batch_size=batch_size)
    fields = {"updated_at"}
    for learner, changes, _ in updated:
        learner.updated_at = now
        fields.update(name for name in changes if name not in MULTI_FIELDS)
        if "usi_status" in changes or "usi_verified_on" in changes:
            fields.add("usi_verified_by")
    if updated:
        Learner.objects.bulk_update(
            [learner for learner, _, _ in updated], sorted(fields), batch_size=batch_size
        )
    events = [
        EventRecord(
            actor=actor,
            subject_type="learner",
            subject_id=learner.pk,
            learner_id=learner.pk,
            action="created",
            to_state=learner.usi_status,
            reason=reason,
            data=learner_created_data(learner),
        )
        for learner in created
    ]
    for learner, changes, was_status in updated:
        event = _updated_event(learner, changes, was_status=was_status)
        event["reason"] = event["reason"] or reason
        events.append(EventRecord(actor=actor, **event))
    multi_save([*created, *(learner for learner, _, _ in updated)])
    event_record_many(events)
