"""The credential register replayed against the event log (part of verify_event_log).

Every credential's events say what it should be: its status after the last transition, its
learner and enrolment, its number and verification code, and (since the issue event records
them) every fact it was issued with. The register must say the same, every credential in it
must have its events, and every credential the log speaks of must still be there unless the
log records its deletion. Streams: a chunk of credentials and their events at a time.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from testamur.core.integrity import IntegrityReport
from testamur.core.models import Event
from testamur.credentials.models import (
    ISSUED_FACTS,
    STATUS_RECORD,
    Credential,
    CredentialStatus,
    fact_value,
)

CHUNK = 1000

NO_EVENTS = (
    "{credential} has no events in the log: it was not made through Testamur, or its events "
    "were removed."
)
NOT_REQUESTED_FIRST = "{credential}: the log has no request for it (its first event is {event})."
STATUS_DIFFERS = (
    "{credential} is {status} in the register, but the log says {replayed} (event {event})."
)
STATUS_JUMP = (
    "{credential}: event {event} moves it from {from_state}, but the events before it left it "
    "{replayed}."
)
LEARNER_DIFFERS = (
    "{credential} belongs to learner {learner} in the register, but event {event} records it "
    "for learner {logged}."
)
FIELD_DIFFERS = (
    "{credential}: its {field} is {value} in the register, but event {event} recorded {logged}."
)
DELETED_BUT_PRESENT = "{credential} is in the register, but event {event} recorded its deletion."
MISSING_ROW = (
    "Credential id {subject} is in the log (events {first} to {last}) but not in the register, "
    "and the log records no deletion."
)
REGISTER_AGREES = "{count} credentials in the register agree with their events."
REGISTER_CHECKED = "{count} credentials in the register compared with their events."

ISSUE_ACTIONS = ("issue",)
SET_BEFORE_ISSUE = (
    "number",
    "verification_code",
    "course_enrolment_id",
    "qualification_enrolment_id",
)


@dataclass
class Replayed:
    """What the log says about one credential, event by event."""

    status: str = ""
    status_event: int = 0
    first_action: str = ""
    first_event: int = 0
    deleted_event: int = 0
    learners: dict = field(default_factory=dict)  # learner id → first event naming it
    facts: dict = field(default_factory=dict)  # field → (value, event id)
    cancel: dict | None = None


def _label(row: dict) -> str:
    if row["number"]:
        return f"Credential {row['number']} (id {row['id']})"
    return f"Credential id {row['id']}"


def _replay(events) -> tuple[Replayed, list[tuple]]:
    """Replay one credential's events; also return (event, from_state, replayed) jumps."""
    state = Replayed()
    jumps = []
    for event_id, action, from_state, to_state, learner_id, actor_id, reason, data in events:
        data = data if isinstance(data, dict) else {}
        if not state.first_event:
            state.first_event, state.first_action = event_id, action
        state.learners.setdefault(learner_id, event_id)
        if to_state:
            if from_state and state.status and from_state != state.status:
                jumps.append((event_id, from_state, state.status))
            state.status, state.status_event = to_state, event_id
        if action == "requested":
            for name in ("course_enrolment", "qualification_enrolment"):
                state.facts[f"{name}_id"] = (data.get(name), event_id)
        if data.get("number"):
            state.facts["number"] = (data["number"], event_id)
        if action == "numbered" and "verification_code" in data:
            state.facts["verification_code"] = (data["verification_code"], event_id)
        if action in ISSUE_ACTIONS:
            if "sha256" in data:
                state.facts["document_sha256"] = (data["sha256"], event_id)
            for name, value in (data.get("facts") or {}).items():
                state.facts[name] = (value, event_id)
        if action == "cancel":
            state.cancel = {
                "status_reason": (reason, event_id),
                "cancelled_by_id": (actor_id, event_id),
            }
            if "cancelled_at" in data:
                state.cancel["cancelled_at"] = (data["cancelled_at"], event_id)
        if action == "deleted":
            state.deleted_event = event_id
    return state, jumps


def _compare(row: dict, state: Replayed, jumps, report: IntegrityReport) -> None:
    """Compare one register row (ROW_FIELDS) with what its events say."""
    label = _label(row)
    if state.deleted_event:
        report.add(DELETED_BUT_PRESENT.format(credential=label, event=state.deleted_event))
    if state.first_action != "requested":
        report.add(NOT_REQUESTED_FIRST.format(credential=label, event=state.first_event))
    for event_id, from_state, replayed in jumps:
        report.add(
            STATUS_JUMP.format(
                credential=label, event=event_id, from_state=from_state, replayed=replayed
            )
        )
    if row["status"] != state.status:
        report.add(
            STATUS_DIFFERS.format(
                credential=label,
                status=CredentialStatus(row["status"]).label,
                replayed=state.status or "nothing",
                event=state.status_event or state.first_event,
            )
        )
    for learner, event_id in state.learners.items():
        if learner != row["learner_id"]:
            report.add(
                LEARNER_DIFFERS.format(
                    credential=label, learner=row["learner_id"], event=event_id, logged=learner
                )
            )
    expected = dict(state.facts)
    if row["status"] == CredentialStatus.CANCELLED and state.cancel:
        expected.update(state.cancel)
    if row["status"] not in (CredentialStatus.ISSUED, CredentialStatus.CANCELLED):
        # Before issue only what never changes is compared (a regenerated draft may change the
        # template version, say).
        expected = {k: v for k, v in expected.items() if k in SET_BEFORE_ISSUE}
    actual = {name: fact_value(row[name]) for name in (*ISSUED_FACTS, *STATUS_RECORD)}
    for name, (logged, event_id) in sorted(expected.items()):
        if name in actual and actual[name] != logged:
            report.add(
                FIELD_DIFFERS.format(
                    credential=label,
                    field=name.removesuffix("_id").replace("_", " "),
                    value=_shown(actual[name]),
                    event=event_id,
                    logged=_shown(logged),
                )
            )


def _shown(value) -> str:
    return "(none)" if value in (None, "") else str(value)


EVENT_FIELDS = (
    "id",
    "action",
    "from_state",
    "to_state",
    "learner_id",
    "actor_id",
    "reason",
    "data",
)


ROW_FIELDS = ("id", "status", *ISSUED_FACTS, *STATUS_RECORD)


def _rows_against_events(report: IntegrityReport) -> int:
    """Each credential in the register against its events, a chunk of credentials at a time.

    Rows as plain values, not model instances: an instance holding a file field is a
    reference cycle, and a million of those would wait for the garbage collector.
    """
    checked = 0
    after = 0
    while True:
        chunk = list(
            Credential.objects.filter(pk__gt=after).order_by("pk").values(*ROW_FIELDS)[:CHUNK]
        )
        if not chunk:
            return checked
        after = chunk[-1]["id"]
        events = defaultdict(list)
        rows = (
            Event.objects.filter(
                subject_type="credential", subject_id__in=[str(row["id"]) for row in chunk]
            )
            .order_by("id")
            .values_list("subject_id", *EVENT_FIELDS)
        )
        for subject_id, *values in rows:
            events[subject_id].append(values)
        for row in chunk:
            mine = events.get(str(row["id"]))
            if not mine:
                report.add(NO_EVENTS.format(credential=_label(row)))
            else:
                _compare(row, *_replay(mine), report)
        checked += len(chunk)


def _events_without_rows(report: IntegrityReport) -> None:
    """Credentials the log speaks of that the register lacks, without a recorded deletion.

    Events come grouped by credential (the subject index); existence is asked per batch.
    """
    batch: list[tuple[str, int, int, bool]] = []

    def flush() -> None:
        ids = [int(subject) for subject, *_ in batch if subject.isdigit()]
        present = {
            str(pk) for pk in Credential.objects.filter(pk__in=ids).values_list("pk", flat=True)
        }
        for subject, first, last, deleted in batch:
            if subject not in present and not deleted:
                report.add(MISSING_ROW.format(subject=subject, first=first, last=last))
        batch.clear()

    current = None
    rows = (
        Event.objects.filter(subject_type="credential")
        .order_by("subject_id")
        .values_list("subject_id", "id", "action")
        .iterator(chunk_size=5000)
    )
    for subject, event_id, action in rows:
        if current is None or current[0] != subject:
            if current is not None:
                batch.append(tuple(current))
                if len(batch) >= CHUNK:
                    flush()
            current = [subject, event_id, event_id, False]
        current[1] = min(current[1], event_id)
        current[2] = max(current[2], event_id)
        current[3] = current[3] or action == "deleted"
    if current is not None:
        batch.append(tuple(current))
    if batch:
        flush()


def credential_register_check(report: IntegrityReport) -> str:
    """Registered with core.integrity (apps.py): the register against the log."""
    before = report.problem_count
    checked = _rows_against_events(report)
    _events_without_rows(report)
    template = REGISTER_AGREES if report.problem_count == before else REGISTER_CHECKED
    return template.format(count=f"{checked:,}")
