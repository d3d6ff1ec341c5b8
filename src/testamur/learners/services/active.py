"""Marking a learner active or inactive."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from testamur.core.events import event_record
from testamur.learners.models import Learner

ALREADY_ACTIVE = "This learner is already active."
ALREADY_INACTIVE = "This learner is already inactive."
PERM_SET_ACTIVE = "learners.set_active_learner"
SET_ACTIVE_NOT_ALLOWED = "Only an Owner or Admin marks a learner active or inactive."


@transaction.atomic
def learner_set_active(
    *, learner: Learner, actor, is_active: bool, reason: str = "", by_rule: bool = False
) -> Learner:
    """Mark a learner active or inactive. Nothing else about the learner changes.

    Only Owners and Admins decide this (PERM_SET_ACTIVE); the RTO's own inactive rule
    (`by_rule`, set up by the Owner) applies whoever finalised the enrolment.
    """
    if not by_rule and actor is not None and not actor.has_perm(PERM_SET_ACTIVE):
        raise PermissionDenied(SET_ACTIVE_NOT_ALLOWED)
    learner = Learner.objects.select_for_update().get(pk=learner.pk)
    if learner.is_active == is_active:
        raise ValidationError(ALREADY_ACTIVE if is_active else ALREADY_INACTIVE)
    learner.is_active = is_active
    learner.save(update_fields=["is_active", "updated_at"])
    event_record(
        actor=actor,
        subject_type="learner",
        subject_id=learner.pk,
        learner_id=learner.pk,
        action="reactivated" if is_active else "deactivated",
        from_state="inactive" if is_active else "active",
        to_state="active" if is_active else "inactive",
        reason=reason.strip(),
    )
    return learner
