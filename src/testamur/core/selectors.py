from django.conf import settings

from testamur.core.checkpoints import (
    checkpoint_dir,
    checkpoint_key,
    checkpoints_recent,
    key_id,
    public_key_hex,
)
from testamur.core.models import Event, EventChainHead, EventLogVerification, VerificationOutcome

RECENT_INTEGRITY = 10


def verification_in_progress() -> EventLogVerification | None:
    return (
        EventLogVerification.objects.filter(
            outcome__in=[VerificationOutcome.QUEUED, VerificationOutcome.RUNNING]
        )
        .order_by("-requested_at", "-id")
        .first()
    )


def integrity_overview() -> dict:
    """What the Register integrity page shows: the checks, the checkpoints and the key."""
    key = checkpoint_key()
    verifications = list(
        EventLogVerification.objects.select_related("requested_by")[:RECENT_INTEGRITY]
    )
    return {
        "in_progress": next((v for v in verifications if not v.is_finished), None),
        "last": next((v for v in verifications if v.is_finished), None),
        "verifications": verifications,
        "checkpoints": checkpoints_recent(limit=RECENT_INTEGRITY),
        "checkpoint_dir": checkpoint_dir(),
        "last_email": Event.objects.filter(subject_type="event_log_checkpoint")
        .order_by("-id")
        .first(),
        "head": EventChainHead.objects.filter(id=1).first(),
        "public_key": public_key_hex(key),
        "key_id": key_id(public_key_hex(key)),
        "key_file": settings.EVENT_LOG_KEY_FILE,
    }
