"""A chunk whose worker stopped is taken over by a live one: nothing is left Generating or
numbered-but-unissued, a worker that lost its chunk records nothing, a chunk that keeps killing
its worker is given up with a reason, and a dead worker's task rows end as failed."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from testamur.credentials import run_chunks, runs
from testamur.credentials.issue_options import IssueOptions
from testamur.credentials.issuing import _claim_number_and_freeze
from testamur.credentials.models import (
    Credential,
    CredentialStatus,
    GenerationRun,
    RunChunk,
    RunItem,
    RunItemStatus,
    RunKind,
    RunStatus,
    WorkerHeartbeat,
)
from testamur.credentials.run_chunks import GIVEN_UP, MAX_CLAIMS, WORKER_STOPPED, runs_reclaim
from tests.credentials.helpers import completed_offer, generated, requested

pytestmark = pytest.mark.django_db

LONG_AGO = timedelta(minutes=1)


def _left_by_a_dead_worker(run, number: int = 0, *, claims: int = 1) -> None:
    """The worker holding chunk `number` stopped a minute ago, its items half-way."""
    RunItem.objects.filter(run=run, chunk=number).update(status=RunItemStatus.PROCESSING)
    RunChunk.objects.filter(run=run, number=number).update(
        owner="dead-worker", claims=claims, heartbeat_at=timezone.now() - LONG_AGO
    )
    GenerationRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)


def test_credentials_numbered_by_a_dead_worker_are_issued_by_the_resumed_run_with_their_numbers(
    rto_admin, django_capture_on_commit_callbacks
):
    credentials = generated(
        rto_admin, requested(completed_offer(12)), django_capture_on_commit_callbacks
    )
    options = IssueOptions(issued_on=timezone.localdate())
    issue_run, _ = runs.run_start(
        actor=rto_admin, kind=RunKind.ISSUE, credentials=credentials, options=options
    )
    # Its worker numbered and froze a group (five of the chunk's twelve), then was killed
    # before issuing it.
    first_group = list(
        RunItem.objects.filter(run=issue_run)
        .order_by("position")
        .values_list("credential_id", flat=True)[:5]
    )
    _claim_number_and_freeze(
        first_group, rto_admin, issued_on=options.issued_on, final_qualification=False
    )
    _left_by_a_dead_worker(issue_run)
    numbered = dict(Credential.objects.filter(pk__in=first_group).values_list("pk", "number"))
    assert all(numbered.values()) and len(numbered) == 5

    with django_capture_on_commit_callbacks(execute=True):
        assert runs_reclaim() == [(issue_run.pk, 0)]

    issue_run.refresh_from_db()
    assert issue_run.status == RunStatus.COMPLETED
    assert (issue_run.done_count, issue_run.skipped_count) == (12, 0)
    issued = Credential.objects.filter(pk__in=[c.pk for c in credentials])
    assert {c.status for c in issued} == {CredentialStatus.ISSUED}
    assert {c.pk: c.number for c in issued if c.pk in numbered} == numbered
    assert sorted(c.number for c in issued) == [f"TM-{n:06d}" for n in range(1, 13)]


def test_a_worker_that_lost_its_chunk_records_nothing(rto_user, django_capture_on_commit_callbacks):
    credentials = requested(completed_offer(3))
    run, _ = runs.run_start(actor=rto_user, kind=RunKind.PREVIEW, credentials=credentials)
    slow = run_chunks.chunk_claim(run.pk, 0, token="slow-worker")
    RunChunk.objects.filter(run=run).update(heartbeat_at=timezone.now() - LONG_AGO)
    assert runs_reclaim() == [(run.pk, 0)]  # queued again (the task is not run here)

    with pytest.raises(run_chunks.ChunkLost):
        runs._process_items(run, slow.items, slow)

    assert set(RunItem.objects.filter(run=run).values_list("status", flat=True)) == {
        RunItemStatus.PROCESSING
    }
    with django_capture_on_commit_callbacks(execute=True):
        runs.run_process_chunk(run.pk, 0)
    run.refresh_from_db()
    assert (run.status, run.done_count) == (RunStatus.COMPLETED, 3)


def test_a_chunk_that_keeps_killing_its_worker_is_given_up_with_a_reason(
    rto_user, django_capture_on_commit_callbacks
):
    credentials = requested(completed_offer(3))
    run, _ = runs.run_start(actor=rto_user, kind=RunKind.PREVIEW, credentials=credentials)
    _left_by_a_dead_worker(run, claims=MAX_CLAIMS)

    with django_capture_on_commit_callbacks(execute=True):
        runs_reclaim()

    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED_WITH_ERRORS
    assert run.failed_count == 3
    reason = GIVEN_UP.format(claims=MAX_CLAIMS)
    for credential in Credential.objects.filter(pk__in=[c.pk for c in credentials]):
        assert credential.status == CredentialStatus.FAILED
        assert credential.failure_message == reason
    assert set(RunItem.objects.filter(run=run).values_list("message", flat=True)) == {reason}


def _task_row(worker_id: str) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        args_kwargs={"args": [1, 0], "kwargs": {}},
        task_path="testamur.credentials.tasks.process_run_chunk",
        backend_name="default",
        queue_name="default",
        run_after=timezone.now(),
        started_at=timezone.now(),
        worker_ids=[worker_id],
    )


def test_the_task_rows_of_a_worker_that_stopped_heartbeating_end_as_failed():
    run_chunks.worker_heartbeat("killed")
    WorkerHeartbeat.objects.filter(worker_id="killed").update(
        heartbeat_at=timezone.now() - LONG_AGO
    )
    run_chunks.worker_heartbeat("alive")
    left, running = _task_row("killed"), _task_row("alive")

    assert run_chunks.dead_workers_tasks_fail() == 1

    left.refresh_from_db()
    running.refresh_from_db()
    assert left.status == TaskResultStatus.FAILED
    assert left.traceback == WORKER_STOPPED
    assert running.status == TaskResultStatus.RUNNING
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["alive"]


def test_a_slow_chunk_is_kept_alive_by_its_worker_and_goes_silent_once_left(rto_user):
    credentials = requested(completed_offer(2))
    run, _ = runs.run_start(actor=rto_user, kind=RunKind.PREVIEW, credentials=credentials)
    claim = run_chunks.chunk_claim(run.pk, 0, token="slow-but-alive")

    def silent_for_a_minute() -> None:
        RunChunk.objects.filter(run=run).update(heartbeat_at=timezone.now() - LONG_AGO)

    with run_chunks.chunk_held(claim):
        silent_for_a_minute()  # a group that takes long: no heartbeat from the group itself
        assert run_chunks.chunks_held_heartbeat() == 1  # the worker's second thread
        assert runs_reclaim() == []
    silent_for_a_minute()
    assert run_chunks.chunks_held_heartbeat() == 0  # left (even by an error): nothing beats
    assert runs_reclaim() == [(run.pk, 0)]
