"""Writing and checking the event log. Every service that changes state calls `event_record`."""

from dataclasses import dataclass
from datetime import UTC

from django.db import transaction
from django.utils import timezone

from testamur.core.models import Event, EventChainHead


def event_record(
    *,
    actor,
    subject_type: str,
    subject_id,
    action: str,
    learner_id: int | None = None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict | None = None,
) -> Event:
    """Append one event to the chain. Must run inside the caller's transaction."""
    with transaction.atomic():
        head, _ = EventChainHead.objects.select_for_update().get_or_create(id=1)
        event = Event(
            # Stored in UTC at microsecond precision so the hash survives a round trip.
            at=timezone.now().astimezone(UTC),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_name=(actor.get_username() if getattr(actor, "pk", None) else "system"),
            subject_type=subject_type,
            subject_id=str(subject_id),
            learner_id=learner_id,
            action=action,
            from_state=from_state,
            to_state=to_state,
            reason=reason,
            data=data or {},
            prev_hash=head.last_hash,
        )
        event.hash = event.compute_hash()
        event.save()
        head.last_hash = event.hash
        head.count += 1
        head.save(update_fields=["last_hash", "count"])
    return event


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    problem: str


def event_log_verify() -> tuple[int, ChainBreak | None]:
    """Walk the chain in order; return how many events were checked and the first broken link."""
    expected_prev = "0" * 64
    checked = 0
    for event in Event.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != expected_prev:
            return checked, ChainBreak(event.id, "its link to the previous event does not match")
        if event.compute_hash() != event.hash:
            return checked, ChainBreak(event.id, "its content does not match its hash")
        expected_prev = event.hash
        checked += 1
    head = EventChainHead.objects.filter(id=1).first()
    if head and (head.last_hash != expected_prev or head.count != checked):
        return checked, ChainBreak(0, "the newest events are missing from the log")
    return checked, None
