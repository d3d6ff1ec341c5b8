"""The learner's consent to their email identifying them on digital credentials.

A recorded fact: when and through what (learner portal, enrolment form, recorded by staff).
Withdrawing clears it. Each change writes an event. Credentials already issued keep what they
were issued with (issued means frozen); the consent only decides what later credentials carry.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from testamur.core.events import event_record
from testamur.learners.models import EmailConsentSource, Learner

UNKNOWN_SOURCE = "Say where the learner agreed: learner portal, enrolment form or staff recorded."


@transaction.atomic
def learner_email_consent_set(*, learner: Learner, actor, source: str, reason: str = "") -> Learner:
    """Record (source given) or withdraw (source "") the consent. The same answer again changes
    nothing and writes no event; a consent given again through another source is re-dated.
    `reason` says who, when that is not a staff user (the learner, in the portal)."""
    if source and source not in EmailConsentSource.values:
        raise ValidationError({"digital_credential_email_consent_source": UNKNOWN_SOURCE})
    learner = Learner.objects.select_for_update().get(pk=learner.pk)
    was = learner.digital_credential_email_consent_source
    if source == was:
        return learner
    learner.digital_credential_email_consent_at = timezone.now() if source else None
    learner.digital_credential_email_consent_source = source
    learner.save(
        update_fields=[
            "digital_credential_email_consent_at",
            "digital_credential_email_consent_source",
            "updated_at",
        ]
    )
    event_record(
        actor=actor,
        subject_type="learner",
        subject_id=learner.pk,
        learner_id=learner.pk,
        action="email_consent_given" if source else "email_consent_withdrawn",
        # The history reads the sources as words: "— → Enrolment form", "Learner portal → —".
        from_state=was,
        to_state=source,
        reason=reason,
    )
    return learner
