"""The worker side of generation runs: who processes which chunk, heartbeats, reclaiming.

A chunk row (RunChunk) decides ownership (docs/decisions/0020-crash-recovery.md). A worker
claims its task's chunk with a plain SELECT … FOR UPDATE on the chunk row, stamps its own token
on it and, in the same transaction, takes the chunk's unfinished items with a plain FOR UPDATE.
Both locks wait rather than skip: a task names one chunk, so there is nothing else to take
instead, and PostgreSQL re-reads the row once the lock goes — a chunk another worker claimed
meanwhile comes back owned and is left to it, one that is still free is taken. (Skipping the
items once left a whole chunk to nobody; skipping the chunk row left any chunk that was
locked for a moment by someone who let it go, unprocessed until a reclaim 20 s later.)
The owner heartbeats its chunk with every group of credentials it records, and its worker's
second thread every few seconds while it works on it. Every worker reclaims, every few
seconds, the chunks whose heartbeat has stopped; a slow owner that finds its token gone leaves
the chunk alone (ChunkLost).
"""

import logging
import secrets
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from testamur.core.db import rows_update
from testamur.credentials import lifecycle
from testamur.credentials.models import (
    Credential,
    CredentialStatus,
    GenerationRun,
    RunChunk,
    RunItem,
    RunItemStatus,
    RunStatus,
    WorkerHeartbeat,
)
from testamur.credentials.states import can

logger = logging.getLogger(__name__)

# The owner heartbeats with every group it records (runs.GROUP credentials, a second or so); a chunk
# silent for three heartbeats is taken for dead.
HEARTBEAT_SECONDS = 5
STALE_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)
RECLAIM_EVERY_SECONDS = 5
MAX_CLAIMS = 10
RECLAIMED_PRIORITY = 10  # task priority of a reclaimed chunk (default 0; higher runs first)
GIVEN_UP = (
    "Given up after {claims} attempts: the worker processing this credential stopped each time."
)
WORKER_STOPPED = "The worker running this task stopped (killed, or its connection lost)."
UNFINISHED = (RunItemStatus.PENDING, RunItemStatus.PROCESSING)


class ChunkLost(Exception):
    """Another worker reclaimed this chunk: its former owner must not touch it again."""


class WorkerStopped(Exception):
    """The class recorded on the task rows of a worker that stopped heartbeating."""


def new_token() -> str:
    return secrets.token_hex(16)


def chunks_create(run: GenerationRun, count: int) -> None:
    now = timezone.now()
    RunChunk.objects.bulk_create(
        RunChunk(run=run, number=number, heartbeat_at=now) for number in range(count)
    )


@dataclass
class Claim:
    token: str
    chunk_id: int
    items: list[RunItem]


def chunk_claim(run_id: int, number: int, *, token: str) -> Claim | None:
    """Take a free chunk and its unfinished items; None if it is finished or owned.

    A chunk claimed MAX_CLAIMS times already is given up instead: its credentials fail with
    the reason, so a credential that kills its worker every time cannot hold a run for ever.
    """
    now = timezone.now()
    with transaction.atomic():
        chunk = (
            RunChunk.objects.select_for_update()
            .filter(run_id=run_id, number=number, owner="", finished_at__isnull=True)
            .first()
        )
        if chunk is None:
            return None
        if chunk.claims >= MAX_CLAIMS:
            _give_up(chunk, now)
            return None
        reclaimed = chunk.claims > 0
        chunk.owner, chunk.heartbeat_at, chunk.claims = token, now, chunk.claims + 1
        chunk.save(update_fields=["owner", "heartbeat_at", "claims"])
        pairs = list(
            RunItem.objects.select_for_update()
            .filter(run_id=run_id, chunk=number, status__in=UNFINISHED)
            .values_list("pk", "credential_id")
        )
        RunItem.objects.filter(pk__in=[pk for pk, _ in pairs]).update(
            status=RunItemStatus.PROCESSING, claimed_at=now
        )
        if reclaimed:
            # The short issue claims of the worker that stopped are no longer anyone's: the
            # resumed run issues those credentials, keeping the numbers they were given.
            Credential.objects.filter(
                pk__in=[credential for _, credential in pairs], issue_claimed_until__isnull=False
            ).exclude(status=CredentialStatus.ISSUED).update(issue_claimed_until=None)
    items = list(
        RunItem.objects.filter(pk__in=[pk for pk, _ in pairs])
        .select_related(
            "credential__learner",
            "credential__template",
            "credential__course_enrolment__offer__course",
        )
        .order_by("position")
    )
    return Claim(token=token, chunk_id=chunk.pk, items=items)


# The tokens of the chunks this process is working on, for its worker thread to heartbeat.
_held: set[str] = set()
_held_lock = threading.Lock()


@contextmanager
def chunk_held(claim: Claim):
    """While the block runs, the worker's second thread heartbeats the chunk every few
    seconds too, so a slow group (a heavy template) is not taken for a dead worker. Leaving
    the block, even by an error, stops it: a chunk nobody works on goes silent."""
    with _held_lock:
        _held.add(claim.token)
    try:
        yield claim
    finally:
        with _held_lock:
            _held.discard(claim.token)


def chunks_held_heartbeat() -> int:
    with _held_lock:
        tokens = list(_held)
    if not tokens:
        return 0
    return RunChunk.objects.filter(owner__in=tokens, finished_at__isnull=True).update(
        heartbeat_at=timezone.now()
    )


def chunk_heartbeat(claim: Claim) -> None:
    """Inside the transaction that records a group: the chunk is still ours, and alive.

    The UPDATE waits for a reclaimer holding the row and then sees its new owner, so a chunk
    is never recorded by a worker that lost it.
    """
    if not RunChunk.objects.filter(pk=claim.chunk_id, owner=claim.token).update(
        heartbeat_at=timezone.now()
    ):
        raise ChunkLost(claim.chunk_id)


def chunk_finish(claim: Claim) -> None:
    with transaction.atomic():
        if not RunChunk.objects.filter(pk=claim.chunk_id, owner=claim.token).update(
            finished_at=timezone.now(), owner=""
        ):
            raise ChunkLost(claim.chunk_id)


def _give_up(chunk: RunChunk, now) -> None:
    reason = GIVEN_UP.format(claims=chunk.claims)
    items = list(
        RunItem.objects.select_for_update().filter(
            run_id=chunk.run_id, chunk=chunk.number, status__in=UNFINISHED
        )
    )
    run = GenerationRun.objects.get(pk=chunk.run_id)
    credentials = list(
        Credential.objects.select_for_update()
        .filter(pk__in=[item.credential_id for item in items])
        .order_by("pk")
    )
    transitions = lifecycle.Transitions(run.created_by)
    for credential in credentials:
        credential.failure_message = reason
        credential.issue_claimed_until = None
        # Generating ones fail; an issue run's stay Generated (with the reason), to issue again.
        if can("fail", credential.status):
            transitions.apply(credential, "fail", reason=reason, data={"run": run.pk})
    rows_update(credentials, ["failure_message", "issue_claimed_until"])
    if transitions:
        transitions.commit()
    for item in items:
        item.status, item.message, item.finished_at = RunItemStatus.FAILED, reason, now
    rows_update(items, ["status", "message", "finished_at"])
    GenerationRun.objects.filter(pk=run.pk).update(
        failed_count=F("failed_count") + len(items), heartbeat_at=now
    )
    chunk.finished_at, chunk.owner = now, ""
    chunk.save(update_fields=["finished_at", "owner"])
    logger.error("Run %s: chunk %s given up after %s claims", run.pk, chunk.number, chunk.claims)


def runs_reclaim(*, stale_after: timedelta = STALE_AFTER) -> list[tuple[int, int]]:
    """Hand out again the chunks whose worker stopped, and finish runs left finalising.

    A chunk is reclaimed when its owner has not heartbeaten for `stale_after`, or when nobody
    owns it and its whole run has been silent as long (a task lost before its claim
    committed). Rows another worker is reclaiming are skipped. Returns the (run, chunk) pairs
    queued again.
    """
    from testamur.credentials.tasks import finalise_run, process_run_chunk

    now = timezone.now()
    cutoff = now - stale_after
    with transaction.atomic():
        chunks = list(
            RunChunk.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(finished_at__isnull=True, heartbeat_at__lt=cutoff)
            .filter(
                ~Q(owner="")
                | Q(
                    run__status=RunStatus.RUNNING,
                    run__heartbeat_at__lt=cutoff,
                )
            )
            .order_by("pk")
            .values_list("pk", "run_id", "number")
        )
        RunChunk.objects.filter(pk__in=[pk for pk, _, _ in chunks]).update(
            owner="", heartbeat_at=now
        )
        finalising = list(
            GenerationRun.objects.select_for_update(skip_locked=True)
            .filter(status=RunStatus.FINALISING, heartbeat_at__lt=cutoff)
            .values_list("pk", flat=True)
        )
        GenerationRun.objects.filter(pk__in=finalising).update(heartbeat_at=now)
        queued = [(run_id, number) for _, run_id, number in chunks]
        # Ahead of the queue: these were started, and hold a run that is otherwise moving on.
        chunk_task = process_run_chunk.using(priority=RECLAIMED_PRIORITY)
        finalise_task = finalise_run.using(priority=RECLAIMED_PRIORITY)
        transaction.on_commit(
            lambda: (
                [chunk_task.enqueue(run_id, number) for run_id, number in queued],
                [finalise_task.enqueue(run_id) for run_id in finalising],
            )
        )
    for run_id, number in queued:
        logger.warning("Run %s: chunk %s reclaimed from a worker that stopped", run_id, number)
    return queued


def worker_heartbeat(worker_id: str) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"heartbeat_at": timezone.now()}
    )


def worker_stopped(worker_id: str) -> None:
    """A worker leaving cleanly: it no longer heartbeats, and that is not a death."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def dead_workers_tasks_fail(*, stale_after: timedelta = STALE_AFTER) -> int:
    """Task rows left running by workers that stopped heartbeating end as failed."""
    dead = set(
        WorkerHeartbeat.objects.filter(heartbeat_at__lt=timezone.now() - stale_after).values_list(
            "worker_id", flat=True
        )
    )
    if not dead:
        return 0
    with transaction.atomic():
        failed = worker_tasks_fail(dead)
        WorkerHeartbeat.objects.filter(worker_id__in=dead).delete()
    return failed


def worker_tasks_fail(worker_ids: set[str]) -> int:
    """End as failed the task rows these workers were running (and will never finish)."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    with transaction.atomic():
        running = DBTaskResult.objects.select_for_update(skip_locked=True).filter(
            status=TaskResultStatus.RUNNING
        )
        failed = [row for row in running if row.worker_ids and row.worker_ids[-1] in worker_ids]
        for row in failed:
            row.status = TaskResultStatus.FAILED
            row.finished_at = now
            row.exception_class_path = f"{WorkerStopped.__module__}.{WorkerStopped.__qualname__}"
            row.traceback = WORKER_STOPPED
            row.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
    return len(failed)
