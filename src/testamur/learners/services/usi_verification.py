"""Recording that a learner's USI was verified by hand."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from testamur.core.events import event_record
from testamur.learners.models import Learner, UsiStatus
from testamur.learners.services.checks import VERIFIED_IN_FUTURE, _save, _validate

VERIFIED_DATE_MISSING = "Enter the date the USI was verified."
NO_USI_TO_VERIFY = "This learner has no USI to verify. Enter the USI on the Edit page first."
EVIDENCE_REQUIRED = "Say how the USI was verified, e.g. 'Checked with the USI Registry System'."


@transaction.atomic
def learner_usi_verify(*, learner: Learner, actor, verified_on: date, evidence: str) -> Learner:
    """Record that the learner's USI was verified with the USI Registrar: when and how."""
    learner = Learner.objects.select_for_update().get(pk=learner.pk)
    evidence = (evidence or "").strip()
    errors = {}
    if not learner.usi:
        errors["__all__"] = NO_USI_TO_VERIFY
    if verified_on is None:
        errors["usi_verified_on"] = VERIFIED_DATE_MISSING
    elif verified_on > timezone.localdate():
        errors["usi_verified_on"] = VERIFIED_IN_FUTURE
    if not evidence:
        errors["usi_evidence"] = EVIDENCE_REQUIRED
    if errors:
        raise ValidationError(errors)
    from_state = learner.usi_status
    learner.usi_status = UsiStatus.VERIFIED
    learner.usi_verified_on = verified_on
    learner.usi_evidence = evidence
    learner.usi_verified_by = actor if getattr(actor, "pk", None) else None
    _validate(learner)
    _save(learner)
    event_record(
        actor=actor,
        subject_type="learner",
        subject_id=learner.pk,
        learner_id=learner.pk,
        action="usi_verified",
        from_state=from_state,
        to_state=UsiStatus.VERIFIED,
        data={"usi_verified_on": verified_on.isoformat(), "usi_evidence": evidence},
    )
    return learner
