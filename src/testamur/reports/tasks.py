"""Background tasks (django-tasks): register exports, and the daily 30-day-clock email to Admins.

The task re-queues itself for the next morning, so a running worker sends it every day with
no cron; `manage.py run_worker` queues the first one. One email a day whatever the number of
workers: the day's ClockDigest row is taken once.
"""

from datetime import datetime

from django.utils import timezone
from django_tasks import task

from testamur.core.tasks import task_waiting
from testamur.reports.models import ClockDigest
from testamur.reports.register_exports import register_export_write
from testamur.reports.services import DAY_DONE, clock_digest_send, next_digest_at, rto_today


@task()
def write_register_export(export_id: int) -> str:
    export = register_export_write(export_id=export_id)
    return f"{export.status}: {export.rows_done} rows" + (
        f" ({export.error})" if export.error else ""
    )


@task()
def clock_digest_daily() -> str:
    digest = clock_digest_send(day=rto_today())
    clock_digest_schedule()
    return digest.status if digest else "already sent today"


def clock_digest_schedule(now: datetime | None = None) -> datetime | None:
    """Queue the next daily email unless one is waiting. Returns when it will run.

    Today's email goes now if its hour has passed and it has not gone out yet. Backends that
    cannot defer a task (the inline one tests use) are left alone.
    """
    if not clock_digest_daily.get_backend().supports_defer or task_waiting(clock_digest_daily):
        return None
    now = now or timezone.now()
    when = next_digest_at(now)
    today = now.astimezone(when.tzinfo).date()
    done_today = ClockDigest.objects.filter(day=today, status__in=DAY_DONE).exists()
    if not done_today and when.date() != today:
        when = now.astimezone(when.tzinfo)
    clock_digest_daily.using(run_after=when).enqueue()
    return when
