"""Background tasks: bulk verification jobs and the daily check for USIs due to be verified
again (it queues itself for the next day, as the 30-day-clock email does)."""

from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks import task

from testamur.learners.usi_registry.services import usi_job_run, usi_reverify_due

REVERIFY_HOUR = 2  # RTO time: the registry is quiet at night


@task()
def run_usi_verification_job(job_id: int) -> None:
    usi_job_run(job_id)


@task()
def usi_reverify_daily() -> str:
    job = usi_reverify_due()
    usi_reverify_schedule()
    return f"job {job.pk}" if job else "nothing due"


def _already_queued() -> bool:
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(usi_reverify_daily.get_backend(), DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(
        task_path=usi_reverify_daily.module_path, status="READY"
    ).exists()


def usi_reverify_schedule(now: datetime | None = None) -> datetime | None:
    """Queue the next daily re-verification check unless one waits; returns when it runs."""
    if not usi_reverify_daily.get_backend().supports_defer or _already_queued():
        return None
    now = timezone.localtime(now or timezone.now())
    when = now.replace(hour=REVERIFY_HOUR, minute=0, second=0, microsecond=0)
    if when <= now:
        when += timedelta(days=1)
    usi_reverify_daily.using(run_after=when).enqueue()
    return when
