"""Moving a learner from a superseded qualification to the one that replaces it.

Not yet reported: the old commitment ID is cancelled and the new enrolment gets a new one.
Already reported: the new enrolment reports the current and the superseded program
identifiers together (AVETMISS allows three). Either way the old enrolment stays as it is,
to be finalised with the status the RTO's funding rules call for.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from testamur.core.events import event_record
from testamur.training.models import CourseEnrolment, CourseOffer
from testamur.training.services import PROGRAM_ID_FIELDS, enrolment_create

NOT_SUPERSEDED = "{course} is not superseded, so there is nothing to transition to."
WRONG_COURSE = "Choose an offer of {new}, the qualification that supersedes {old}."
ALREADY_TRANSITIONED = "This enrolment has already been transitioned to {course}."
COMMITMENT_REQUIRED = (
    "Enter the new commitment ID: commitment ID {old} is cancelled because no training "
    "activity was reported under it."
)
COMMITMENT_UNCHANGED = "The new commitment ID must differ from the cancelled one ({old})."


@transaction.atomic
def enrolment_transition(
    *,
    actor,
    enrolment: CourseEnrolment,
    offer: CourseOffer,
    reported: bool,
    commitment_id: str = "",
) -> CourseEnrolment:
    """Enrol the learner in `offer` (of the superseding course), linked to `enrolment`."""
    enrolment = CourseEnrolment.objects.select_for_update().get(pk=enrolment.pk)
    old_course, new_course = enrolment.offer.course, enrolment.offer.course.superseded_by
    commitment_id = commitment_id.strip()
    errors = {}
    if new_course is None:
        raise ValidationError(NOT_SUPERSEDED.format(course=old_course.code))
    existing = CourseEnrolment.objects.filter(transitioned_from=enrolment).first()
    if existing is not None:
        raise ValidationError(ALREADY_TRANSITIONED.format(course=existing.offer.course.code))
    if offer.course_id != new_course.pk:
        errors["offer"] = WRONG_COURSE.format(new=new_course.code, old=old_course.code)
    cancel_commitment = bool(not reported and enrolment.commitment_id)
    if cancel_commitment and not commitment_id:
        errors["commitment_id"] = COMMITMENT_REQUIRED.format(old=enrolment.commitment_id)
    elif cancel_commitment and commitment_id == enrolment.commitment_id:
        errors["commitment_id"] = COMMITMENT_UNCHANGED.format(old=enrolment.commitment_id)
    if errors:
        raise ValidationError(errors)

    new = enrolment_create(
        actor=actor,
        learner=enrolment.learner,
        offer=offer,
        commitment_id=commitment_id or enrolment.commitment_id,
    )
    new.transitioned_from = enrolment
    if reported:
        program_ids = [new_course.code, *enrolment.program_ids]
        for name, code in zip(PROGRAM_ID_FIELDS, dict.fromkeys(program_ids), strict=False):
            setattr(new, name, code)
    new.full_clean(validate_unique=False)
    new.save()

    if cancel_commitment:
        enrolment.commitment_id_cancelled_on = timezone.localdate()
        enrolment.save(update_fields=["commitment_id_cancelled_on", "updated_at"])
    event_record(
        actor=actor,
        subject_type="courseenrolment",
        subject_id=enrolment.pk,
        action="transitioned",
        learner_id=enrolment.learner_id,
        data={
            "to_enrolment": new.pk,
            "to_course": new_course.code,
            "training_activity_reported": reported,
            "commitment_id_cancelled": enrolment.commitment_id if cancel_commitment else "",
            "program_ids": " ".join(new.program_ids),
        },
    )
    return new
