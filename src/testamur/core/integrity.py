"""verify_event_log: the hash chain, the signed checkpoints and the register, checked together.

Three checks, each streaming (constant memory whatever the size of the log):
1. the chain: every event's hash and link to the one before (core.events);
2. the checkpoints: at each checkpoint's position the log's hash is the one signed, and the log
   is not shorter than any checkpoint (catches a log rebuilt with recomputed hashes);
3. the register: each app that keeps records the log describes replays the log against them
   (registered by higher layers with register_check_add; credentials registers its own).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.dispatch import Signal
from django.utils import timezone

from testamur.core.checkpoints import Checkpoint, checkpoint_dir, checkpoints_read, trusted_keys
from testamur.core.events import HEAD_MISSING, NEWEST_MISSING, ChainBreak, chain_walk
from testamur.core.models import EventChainHead, EventLogVerification, VerificationOutcome

MAX_PROBLEMS = 100

CHAIN_BROKEN = "Event log broken at {where}: {problem} ({checked} events verified before it)."
CHAIN_INTACT = "{count} events, hash chain intact."
CHECKPOINTS_NONE = "No checkpoint in {directory} to compare the log with."
CHECKPOINTS_AGREE = "{count} signed checkpoint(s) in {directory}: the log agrees with each."
CHECKPOINTS_COMPARED = "{count} signed checkpoint(s) in {directory} compared with the log."
CHECKPOINT_DISAGREES = (
    "Event {event_id} (number {position} in the log) disagrees with the checkpoint {name} "
    "signed {at}: the log's hash there is {actual}…, the signed one {expected}…. {since}"
)
SINCE_AGREEING = (
    "The log still agrees with the checkpoint {name} (event number {position}), so an event "
    "from number {first} to {last} was changed, removed or added and the chain recomputed."
)
SINCE_START = (
    "No earlier checkpoint agrees, so an event from number 1 to {last} was changed, removed or "
    "added and the chain recomputed."
)
CHECKPOINT_TRUNCATED = (
    "The log has {count} events but the checkpoint {name} signed {at} counted {events} (its "
    "newest was event {last_event_id}): the log was cut short or replaced, event number "
    "{first_missing} onward is missing."
)
MORE_PROBLEMS = "… and {count} more problem(s)."

# Sent when a verification finishes (kwargs: verification). Reports emails Owners a failure.
verification_finished = Signal()


@dataclass
class IntegrityReport:
    """What a verification found. Problems past MAX_PROBLEMS are counted, not kept."""

    events: int = 0
    checkpoints: int = 0
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    chain_break: ChainBreak | None = None

    def add(self, problem: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0


# A register check replays the log against one app's records, adding problems to the report;
# it returns a line saying what it checked.
RegisterCheck = Callable[[IntegrityReport], str]
_register_checks: list[RegisterCheck] = []


def register_check_add(check: RegisterCheck) -> None:
    if check not in _register_checks:
        _register_checks.append(check)


def _at(checkpoint: Checkpoint) -> str:
    return f"{timezone.localtime(checkpoint.at):%d/%m/%Y %H:%M}"


def _chain_and_checkpoints(report: IntegrityReport, checkpoints: list[Checkpoint]) -> None:
    """One pass over the log: the chain, and each checkpoint at its position."""
    waiting = [c for c in checkpoints if c.events > 0]
    agreed: Checkpoint | None = None
    checked = 0
    last_hash = None
    for position, event, problem in chain_walk():
        if problem and report.chain_break is None:
            report.chain_break = ChainBreak(event.id, problem)
            report.add(
                CHAIN_BROKEN.format(where=f"event {event.id}", problem=problem, checked=checked)
            )
        if report.chain_break is None:
            checked += 1
        last_hash = event.hash
        while waiting and waiting[0].events == position:
            checkpoint = waiting.pop(0)
            if event.hash == checkpoint.head_hash:
                agreed = checkpoint
                continue
            since = (
                SINCE_AGREEING.format(
                    name=agreed.name,
                    position=agreed.events,
                    first=agreed.events + 1,
                    last=position,
                )
                if agreed
                else SINCE_START.format(last=position)
            )
            report.add(
                CHECKPOINT_DISAGREES.format(
                    event_id=event.id,
                    position=position,
                    name=checkpoint.name,
                    at=_at(checkpoint),
                    actual=event.hash[:12],
                    expected=checkpoint.head_hash[:12],
                    since=since,
                )
            )
        report.events = position
    for checkpoint in waiting:
        report.add(
            CHECKPOINT_TRUNCATED.format(
                count=report.events,
                name=checkpoint.name,
                at=_at(checkpoint),
                events=checkpoint.events,
                last_event_id=checkpoint.last_event_id,
                first_missing=report.events + 1,
            )
        )
    if report.chain_break is None:
        head = EventChainHead.objects.filter(id=1).first()
        if head is None and report.events:
            report.chain_break = ChainBreak(0, HEAD_MISSING)
        elif head and (
            head.count != report.events or (report.events and head.last_hash != last_hash)
        ):
            report.chain_break = ChainBreak(0, NEWEST_MISSING)
        if report.chain_break:
            problem = report.chain_break.problem
            report.add(
                CHAIN_BROKEN.format(where="the end of the log", problem=problem, checked=checked)
            )
        else:
            report.lines.append(CHAIN_INTACT.format(count=f"{report.events:,}"))


def event_log_check(
    *, directory: Path | None = None, public_keys: list[str] | None = None
) -> IntegrityReport:
    """Check the chain, every checkpoint in `directory` and the register; stream everything."""
    directory = Path(directory or checkpoint_dir())
    report = IntegrityReport()
    checkpoints, unreadable = checkpoints_read(directory, trusted_keys(public_keys))
    for problem in unreadable:
        report.add(problem)
    report.checkpoints = len(checkpoints)
    before = report.problem_count
    _chain_and_checkpoints(report, checkpoints)
    if not checkpoints:
        report.lines.append(CHECKPOINTS_NONE.format(directory=directory))
    elif report.problem_count == before:
        report.lines.append(CHECKPOINTS_AGREE.format(count=len(checkpoints), directory=directory))
    else:
        report.lines.append(
            CHECKPOINTS_COMPARED.format(count=len(checkpoints), directory=directory)
        )
    for check in _register_checks:
        report.lines.append(check(report))
    if report.problem_count > len(report.problems):
        report.lines.append(MORE_PROBLEMS.format(count=report.problem_count - len(report.problems)))
    return report


def event_log_verification_run(
    verification: EventLogVerification | None = None,
    *,
    directory: Path | None = None,
    public_keys: list[str] | None = None,
) -> tuple[EventLogVerification, IntegrityReport | None]:
    """Run a verification and record its result (a new one unless a queued one is given)."""
    verification = verification or EventLogVerification()
    directory = Path(directory or verification.checkpoint_dir or checkpoint_dir())
    verification.checkpoint_dir = str(directory)
    verification.outcome = VerificationOutcome.RUNNING
    verification.started_at = timezone.now()
    verification.save()
    report = None
    try:
        report = event_log_check(directory=directory, public_keys=public_keys)
    except Exception as exc:  # recorded for the Owner, then raised for the log and the caller
        verification.outcome = VerificationOutcome.FAILED
        verification.problems = [f"{type(exc).__name__}: {exc}"]
        verification.problem_count = 1
        raise
    else:
        verification.outcome = (
            VerificationOutcome.INTACT if report.ok else VerificationOutcome.PROBLEMS
        )
        verification.events_checked = report.events
        verification.checkpoints_checked = report.checkpoints
        verification.summary = "\n".join(report.lines)
        verification.problems = report.problems
        verification.problem_count = report.problem_count
    finally:
        verification.finished_at = timezone.now()
        verification.save()
        verification_finished.send(sender=EventLogVerification, verification=verification)
    return verification, report
