"""Background tasks of the event log: checks and signed checkpoints, on demand and daily.

The daily one re-queues itself, like the 30-day-clock email (reports/tasks.py); a running
worker (`manage.py run_worker`) queues the first one.
"""

from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks import task

from testamur.core.checkpoints import CheckpointRefused, checkpoint_latest, checkpoint_write
from testamur.core.integrity import event_log_verification_run
from testamur.core.models import EventLogVerification

CHECKPOINT_EVERY = timedelta(days=1)
# How long a starting worker waits before a check that is due (deploys restart workers).
AFTER_START = timedelta(minutes=10)


def task_waiting(queued_task) -> bool:
    """Whether the database task backend holds a run of this task not yet started."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(queued_task.get_backend(), DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(task_path=queued_task.module_path, status="READY").exists()


@task()
def event_log_verify(verification_id: int) -> str:
    """Run a verification someone asked for (the Settings page queues it)."""
    verification = EventLogVerification.objects.get(pk=verification_id)
    verification, _ = event_log_verification_run(verification)
    return verification.outcome


def _checkpoint() -> str:
    try:
        checkpoint = checkpoint_write()
    except CheckpointRefused as exc:
        return str(exc)
    return f"{checkpoint.events} events signed in {checkpoint.path.name}"


@task()
def event_log_checkpoint() -> str:
    """Write a checkpoint now (the Settings page queues it)."""
    return _checkpoint()


@task()
def event_log_daily() -> str:
    """Check the log and the register, then sign a checkpoint; queue tomorrow's."""
    try:
        verification, _ = event_log_verification_run()
        return f"{verification.get_outcome_display()}; {_checkpoint()}"
    finally:
        # A day on, whatever happened: a refused checkpoint is not retried every minute.
        event_log_daily_schedule(after=CHECKPOINT_EVERY)


def event_log_daily_schedule(
    now: datetime | None = None, *, after: timedelta = timedelta(0)
) -> datetime | None:
    """Queue the next daily check unless one is waiting. Returns when it will run.

    A day after the newest checkpoint, and not before `after` from now (a worker that has just
    started has queued work to do first). Backends that cannot defer a task (the inline one
    tests use) are left alone.
    """
    if not event_log_daily.get_backend().supports_defer or task_waiting(event_log_daily):
        return None
    now = now or timezone.now()
    latest = checkpoint_latest()
    when = max(now + after, latest.at + CHECKPOINT_EVERY) if latest else now + after
    event_log_daily.using(run_after=when).enqueue()
    return when
