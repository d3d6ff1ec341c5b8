"""Real worker processes, real faults: two `run_worker` processes issue a run while one is
killed (`kill -9`) again and again, or while their database connections are cut
(`pg_terminate_backend`). The run still completes within a minute of the last fault, every
credential is issued exactly once, the numbers run without duplicates or gaps, nothing is left
Generating and no task row is left running. Recovery times are printed, not asserted."""

import os
import random
import signal
import statistics
import subprocess
import sys
import time

import pytest
from bench.fixtures import issue_ready_credentials
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from testamur.core.models import Event
from testamur.credentials.issue_options import IssueOptions
from testamur.credentials.models import (
    Credential,
    CredentialIssuance,
    CredentialStatus,
    GenerationRun,
    RunChunk,
    RunItem,
    RunItemStatus,
    RunKind,
    RunStatus,
)
from testamur.credentials.runs import run_start
from tests.credentials.test_background_worker import DB_TASKS, MANAGE, _wait

# Enough for several faults mid-run while keeping the suite quick on two cores.
N = 300
FAULTS = 3
COMPLETES_WITHIN = 60  # seconds after the last fault

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _worker(settings) -> subprocess.Popen:
    """A `run_worker` process on the test database; its output goes to a file (a pipe nobody
    reads would fill up and stop it)."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EVENT_LOG_KEY_FILE": str(settings.EVENT_LOG_KEY_FILE),
        "EVENT_LOG_CHECKPOINT_DIR": str(settings.EVENT_LOG_CHECKPOINT_DIR),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    log = open(settings.MEDIA_ROOT.parent / "workers.log", "ab")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, str(MANAGE), "run_worker"], env=env, stdout=log, stderr=log
    )


def _issue_run(settings):
    settings.TASKS = DB_TASKS
    actor, credentials = issue_ready_credentials(N)
    # Set up as Generated directly: the issue run renders from the issuance record, not the draft.
    Credential.objects.filter(pk__in=[c.pk for c in credentials]).update(
        status=CredentialStatus.GENERATED
    )
    credentials = list(Credential.objects.filter(pk__in=[c.pk for c in credentials]))
    run, _ = run_start(
        actor=actor,
        kind=RunKind.ISSUE,
        credentials=credentials,
        options=IssueOptions(issued_on=timezone.localdate()),
    )
    return run


def _done(run) -> int:
    return GenerationRun.objects.get(pk=run.pk).done_count


def _in_flight(run) -> dict[int, int]:
    """Chunks held right now: chunk id → how many times claimed."""
    return dict(
        RunChunk.objects.filter(run=run, finished_at__isnull=True)
        .exclude(owner="")
        .values_list("pk", "claims")
    )


def _resumed(held: dict[int, int]) -> bool:
    """Every chunk held at the fault is finished or has been claimed again since."""
    now = dict(RunChunk.objects.filter(pk__in=held).values_list("pk", "claims"))
    finished = set(
        RunChunk.objects.filter(pk__in=held, finished_at__isnull=False).values_list("pk", flat=True)
    )
    return all(pk in finished or now[pk] > claims for pk, claims in held.items())


def _faults(run, fault, workers, settings) -> tuple[float, list[float]]:
    """Cause FAULTS faults at random moments while the run goes on; returns the time of the
    last one and, for each, how long until the chunks then held were taken up again."""
    rng = random.Random()
    faults = []  # (when, chunks held then)
    for _ in range(FAULTS):
        progress = _done(run)
        moved = _wait(lambda p=progress: _done(run) > p or _done(run) == N, timeout=120)
        assert moved, _state(run)
        time.sleep(rng.uniform(0.2, 3.0))
        if _done(run) == N:
            break  # nothing left to interrupt
        faults.append((time.monotonic(), _in_flight(run)))
        fault(rng, workers, settings)
    assert faults, "the run finished before any fault"
    recoveries = {}
    deadline = faults[-1][0] + COMPLETES_WITHIN
    while len(recoveries) < len(faults) and time.monotonic() < deadline:
        for index, (when, held) in enumerate(faults):
            if index not in recoveries and _resumed(held):
                recoveries[index] = time.monotonic() - when
        time.sleep(0.2)
    assert len(recoveries) == len(faults), _state(run)
    return faults[-1][0], list(recoveries.values())


def _state(run) -> str:
    """What the database shows when the run is stuck: its chunks and the sessions."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, state, wait_event_type, wait_event, left(query, 120) "
            "FROM pg_stat_activity WHERE datname = current_database()"
        )
        sessions = cursor.fetchall()
    chunks = list(
        RunChunk.objects.filter(run=run).values_list("number", "owner", "claims", "finished_at")
    )
    return f"chunks: {chunks}\nsessions: {sessions}"


def _kill_one(rng, workers, settings) -> None:
    """kill -9 one worker; its supervisor starts a new one (as systemd would)."""
    victim = rng.randrange(len(workers))
    workers[victim].send_signal(signal.SIGKILL)
    workers[victim].wait()
    workers[victim] = _worker(settings)


def _cut_connections(rng, workers, settings) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def _assert_recovered(run, last_fault: float, recoveries: list[float], label: str) -> None:
    finished = _wait(
        lambda: GenerationRun.objects.get(pk=run.pk).is_finished, timeout=COMPLETES_WITHIN
    )
    took = time.monotonic() - last_fault
    assert finished, f"not completed {COMPLETES_WITHIN} s after the last fault"
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED, run.error
    assert (run.done_count, run.failed_count, run.skipped_count) == (N, 0, 0)
    assert set(RunItem.objects.filter(run=run).values_list("status", flat=True)) == {
        RunItemStatus.DONE
    }
    credentials = Credential.objects.filter(run_items__run=run)
    assert set(credentials.values_list("status", flat=True)) == {CredentialStatus.ISSUED}
    assert not Credential.objects.filter(status=CredentialStatus.GENERATING).exists()
    # Issued exactly once: one issue event and one issuance record each.
    issue_events = list(
        Event.objects.filter(subject_type="credential", action="issue").values_list(
            "subject_id", flat=True
        )
    )
    assert len(issue_events) == len(set(issue_events)) == N
    assert CredentialIssuance.objects.filter(credential__in=credentials).count() == N
    # Numbers without duplicates or gaps: a number given is a number issued.
    numbers = sorted(int(n.split("-")[-1]) for n in credentials.values_list("number", flat=True))
    assert numbers == list(range(1, N + 1))
    # No task row is left running: the killed workers' rows end as failed.
    assert _wait(
        lambda: not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists(),
        timeout=COMPLETES_WITHIN,
    ), list(DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values("worker_ids"))
    if recoveries:
        print(
            f"\n{label}: {len(recoveries)} faults; work resumed after "
            f"median {statistics.median(recoveries):.1f} s, max {max(recoveries):.1f} s; "
            f"run completed {took:.1f} s after the last fault"
        )


def _with_workers(settings, fault, label: str) -> None:
    run = _issue_run(settings)
    workers = [_worker(settings), _worker(settings)]
    try:
        last, recoveries = _faults(run, fault, workers, settings)
        _assert_recovered(run, last, recoveries, label)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
    connection.close()


def test_a_run_survives_its_workers_being_killed(settings):
    _with_workers(settings, _kill_one, "kill -9")


def test_a_run_survives_its_workers_database_connections_being_cut(settings):
    _with_workers(settings, _cut_connections, "pg_terminate_backend")
