"""Writing and checking the event log. Every service that changes state calls `event_record`."""

from collections.abc import Iterator
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
    return event_record_many(
        [
            EventRecord(
                actor=actor,
                subject_type=subject_type,
                subject_id=subject_id,
                action=action,
                learner_id=learner_id,
                from_state=from_state,
                to_state=to_state,
                reason=reason,
                data=data,
            )
        ]
    )[0]


@dataclass
class EventRecord:
    actor: object
    subject_type: str
    subject_id: object
    action: str
    learner_id: int | None = None
    from_state: str = ""
    to_state: str = ""
    reason: str = ""
    data: dict | None = None


def event_record_many(records: list[EventRecord]) -> list[Event]:
    """Append events in order under one lock of the chain head (bulk work, e.g. a run's batch)."""
    if not records:
        return []
    with transaction.atomic():
        head, _ = EventChainHead.objects.select_for_update().get_or_create(id=1)
        # Stored in UTC at microsecond precision so the hash survives a round trip.
        now = timezone.now().astimezone(UTC)
        events = []
        prev_hash = head.last_hash
        for record in records:
            actor = record.actor if getattr(record.actor, "pk", None) else None
            event = Event(
                at=now,
                actor=actor,
                actor_name=actor.get_username() if actor else "system",
                subject_type=record.subject_type,
                subject_id=str(record.subject_id),
                learner_id=record.learner_id,
                action=record.action,
                from_state=record.from_state,
                to_state=record.to_state,
                reason=record.reason,
                data=record.data or {},
                prev_hash=prev_hash,
            )
            event.hash = prev_hash = event.compute_hash()
            events.append(event)
        Event.objects.bulk_create(events)
        head.last_hash = prev_hash
        head.count += len(events)
        head.save(update_fields=["last_hash", "count"])
    return events


GENESIS = "0" * 64
LINK_BROKEN = "its link to the previous event does not match"
CONTENT_CHANGED = "its content does not match its hash"
NEWEST_MISSING = "the newest events are missing from the log"
HEAD_MISSING = "the chain head that counts the events is missing"
WALK_CHUNK = 2000


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    problem: str


def chain_walk(
    events=None, *, prev_hash: str = GENESIS, position: int = 0
) -> Iterator[tuple[int, Event, str]]:
    """Stream events in chain order: (position, event, problem or ""), in constant memory.

    `position` counts events from the start of the log (the first is 1); pass the position and
    hash of the event before `events` to walk part of the log.
    """
    events = Event.objects.order_by("id") if events is None else events
    for event in events.iterator(chunk_size=WALK_CHUNK):
        position += 1
        if event.prev_hash != prev_hash:
            problem = LINK_BROKEN
        elif event.compute_hash() != event.hash:
            problem = CONTENT_CHANGED
        else:
            problem = ""
        prev_hash = event.hash
        yield position, event, problem


def event_log_verify() -> tuple[int, ChainBreak | None]:
    """Walk the chain in order; return how many events were checked and the first broken link."""
    expected_prev = GENESIS
    checked = 0
    for _, event, problem in chain_walk():
        if problem:
            return checked, ChainBreak(event.id, problem)
        expected_prev = event.hash
        checked += 1
    head = EventChainHead.objects.filter(id=1).first()
    if head is None and checked:
        return checked, ChainBreak(0, HEAD_MISSING)
    if head and (head.last_hash != expected_prev or head.count != checked):
        return checked, ChainBreak(0, NEWEST_MISSING)
    return checked, None
