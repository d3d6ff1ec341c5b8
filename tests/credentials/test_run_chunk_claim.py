"""A chunk is processed by the one worker that claimed its row, and completely: its items are
taken with a lock that waits, so a claim never comes back empty while the items are pending
(the N=5000 stall: a claim skipped every item as locked, and nobody took them after)."""

import threading
import time

import pytest
from django.db import connection, connections

from testamur.credentials import runs
from testamur.credentials.models import (
    Credential,
    CredentialStatus,
    RunChunk,
    RunItem,
    RunItemStatus,
    RunKind,
    RunStatus,
)
from tests.credentials.helpers import completed_offer, requested


def _hold(sql: str, params, locked: threading.Event, seconds: float) -> None:
    """Hold row locks from another connection for a while, as a second worker would."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(sql, params)
            locked.set()
            time.sleep(seconds)
            cursor.execute("COMMIT")
    finally:
        other.close()


def _preview_run(actor, n: int):
    credentials = requested(completed_offer(n))
    run, _ = runs.run_start(actor=actor, kind=RunKind.PREVIEW, credentials=credentials)
    return run, credentials


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_chunk_whose_items_are_locked_at_claim_time_completes_without_trying_again(
    rto_user, monkeypatch
):
    monkeypatch.setattr(runs, "_enqueue_chunks", lambda run: None)  # the test runs the chunk
    monkeypatch.setattr(runs, "CLAIM_ATTEMPTS", 1)  # no retry loop to hide a skipped item
    run, credentials = _preview_run(rto_user, 3)
    locked = threading.Event()
    holder = threading.Thread(
        target=_hold,
        args=("SELECT id FROM credentials_runitem WHERE run_id = %s FOR UPDATE", [run.pk]),
        kwargs={"locked": locked, "seconds": 0.6},
    )
    holder.start()
    assert locked.wait(10)
    runs.run_process_chunk(run.pk, 0)
    holder.join()

    run.refresh_from_db()
    assert (run.status, run.done_count) == (RunStatus.COMPLETED, 3)
    assert set(RunItem.objects.filter(run=run).values_list("status", flat=True)) == {"done"}
    statuses = set(
        Credential.objects.filter(pk__in=[c.pk for c in credentials]).values_list(
            "status", flat=True
        )
    )
    assert statuses == {CredentialStatus.GENERATED}
    connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_second_claim_of_a_chunk_being_claimed_leaves_it_whole_to_the_first(
    rto_user, monkeypatch
):
    monkeypatch.setattr(runs, "_enqueue_chunks", lambda run: None)
    monkeypatch.setattr(runs, "CLAIM_ATTEMPTS", 1)
    run, _ = _preview_run(rto_user, 3)
    locked = threading.Event()
    first_claim = threading.Thread(
        target=_hold,
        args=(
            "UPDATE credentials_runchunk SET owner = 'first', claims = claims + 1 "
            "WHERE run_id = %s",
            [run.pk],
        ),
        kwargs={"locked": locked, "seconds": 0.3},
    )
    first_claim.start()
    assert locked.wait(10)
    runs.run_process_chunk(run.pk, 0)  # the duplicate: waits, finds the chunk owned, leaves it
    first_claim.join()

    assert set(RunItem.objects.filter(run=run).values_list("status", flat=True)) == {
        RunItemStatus.PENDING
    }
    chunk = RunChunk.objects.get(run=run)
    assert (chunk.owner, chunk.claims) == ("first", 1)
    connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_chunk_locked_for_a_moment_by_someone_who_lets_it_go_is_claimed_at_once(
    rto_user, monkeypatch
):
    """The bulk runs' 20 s stalls: the claim skipped a free chunk row that something else held
    for an instant, and the chunk waited for a reclaim. Now the claim waits for the lock."""
    monkeypatch.setattr(runs, "_enqueue_chunks", lambda run: None)
    monkeypatch.setattr(runs, "CLAIM_ATTEMPTS", 1)
    run, _ = _preview_run(rto_user, 3)
    locked = threading.Event()
    passer_by = threading.Thread(
        target=_hold,
        args=("SELECT id FROM credentials_runchunk WHERE run_id = %s FOR UPDATE", [run.pk]),
        kwargs={"locked": locked, "seconds": 0.3},
    )
    passer_by.start()
    assert locked.wait(10)
    runs.run_process_chunk(run.pk, 0)
    passer_by.join()

    run.refresh_from_db()
    assert (run.status, run.done_count) == (RunStatus.COMPLETED, 3)
    assert RunChunk.objects.get(run=run).claims == 1
    connection.close()
