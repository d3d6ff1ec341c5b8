import logging
import threading
import time
from datetime import timedelta

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connections,
)
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.crypto import get_random_string

from testamur.core.tasks import AFTER_START, event_log_daily_schedule
from testamur.core.worker import worker_schedules
from testamur.credentials import run_chunks
from testamur.credentials.models import FINISHED_RUN_STATUSES, GenerationRun
from testamur.learners.usi_registry.services import usi_jobs_recover
from testamur.learners.usi_registry.tasks import usi_reverify_schedule

logger = logging.getLogger(__name__)

# Below three heartbeats a live worker's chunk could be taken from it while it works.
MIN_STALE_MINUTES = run_chunks.STALE_AFTER.total_seconds() / 60
STALE_TOO_SHORT = (
    "--stale-minutes {value:g} is too short: a worker heartbeats its chunk every "
    f"{run_chunks.HEARTBEAT_SECONDS} s, so below {MIN_STALE_MINUTES:g} minutes (three "
    "heartbeats) a live worker's chunk could be taken from it. Use at least "
    f"{MIN_STALE_MINUTES:g}."
)
NOT_MIGRATED = (
    "The database has not been migrated ({count} migrations to apply, e.g. {example}). "
    "Run `manage.py migrate`, then start the worker again."
)
NO_DATABASE = "The database cannot be reached: {error}"
# A USI verification job heartbeats once per batch of registry calls, far slower than a chunk.
USI_STALE_AFTER = timedelta(minutes=5)


class Command(BaseCommand):
    help = (
        "Run a background worker: process tasks (django-tasks db_worker) while a second thread "
        "heartbeats, hands out again the chunks of workers that stopped and fails their task "
        "rows. Extra options go to db_worker."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-minutes",
            type=float,
            default=MIN_STALE_MINUTES,
            help="A chunk whose worker has been silent this long is handed out again "
            f"(default and minimum {MIN_STALE_MINUTES:g}).",
        )
        parser.add_argument("--batch", action="store_true", help="Exit when no work is left.")
        parser.add_argument(
            "--worker-id",
            default=None,
            help="This worker's id, unique among the workers (default: a random one).",
        )

    def handle(self, *args, **options):
        stale_minutes = options["stale_minutes"]
        if not stale_minutes >= MIN_STALE_MINUTES:
            raise CommandError(STALE_TOO_SHORT.format(value=stale_minutes))
        _require_migrated()
        stale_after = timedelta(minutes=stale_minutes)
        worker_id = options["worker_id"] or get_random_string(32)
        run_chunks.worker_heartbeat(worker_id)
        recovered = run_chunks.runs_reclaim(stale_after=stale_after)
        if recovered:
            runs = sorted({run_id for run_id, _ in recovered})
            self.stdout.write(f"Resumed runs: {', '.join(map(str, runs))}")
        resumed = usi_jobs_recover(stale_after=max(stale_after, USI_STALE_AFTER))
        if resumed:
            self.stdout.write(f"Resumed USI verifications: {', '.join(map(str, resumed))}")
        when = usi_reverify_schedule()
        if when:
            self.stdout.write(f"USI re-verification check queued for {when:%d/%m/%Y %H:%M}.")
        # Daily tasks of higher layers (the 30-day-clock email) re-queue themselves; this starts
        # them (once, however many workers start).
        for schedule, message in worker_schedules():
            when = schedule()
            if when:
                self.stdout.write(message.format(when=when))
        # So does the daily check of the event log and its signed checkpoint.
        when = event_log_daily_schedule(after=AFTER_START)
        if when:
            when = timezone.localtime(when)
            self.stdout.write(f"Event log check and checkpoint queued for {when:%d/%m/%Y %H:%M}.")
        stop = threading.Event()
        keeper = threading.Thread(
            target=_keep, args=(worker_id, stale_after, stop), name="reclaim", daemon=True
        )
        keeper.start()
        # No auto-reloader: it would run the worker in a child process that outlives a kill.
        worker_options = {"no_startup_delay": True, "reload": False, "worker_id": worker_id}
        try:
            while True:
                if _work(worker_id, worker_options, batch=options["batch"]):
                    break
                # Batch: a chunk left by a stopped worker is work left too, queued once
                # reclaimed.
                if options["batch"] and not _runs_unfinished():
                    break
                time.sleep(run_chunks.RECLAIM_EVERY_SECONDS)
        finally:
            stop.set()
            keeper.join(timeout=run_chunks.RECLAIM_EVERY_SECONDS * 2)
            run_chunks.worker_stopped(worker_id)


def _work(worker_id: str, worker_options: dict, *, batch: bool) -> bool:
    """Run db_worker; True when it stopped for good. A lost database connection (restarted
    server, terminated backend) ends the task it was running, not the worker."""
    try:
        call_command("db_worker", batch=batch, **worker_options)
        return not batch
    except (OperationalError, InterfaceError):
        logger.exception("Worker %s: database connection lost; reconnecting", worker_id)
        connections.close_all()
        time.sleep(1)
        # The task it was running could not be marked: it will never finish, so it failed.
        try:
            run_chunks.worker_tasks_fail({worker_id})
        except DatabaseError:
            logger.exception("Worker %s: its unfinished task rows stay for now", worker_id)
        return False


def _runs_unfinished() -> bool:
    return GenerationRun.objects.exclude(status__in=FINISHED_RUN_STATUSES).exists()


def _require_migrated() -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        raise CommandError(NO_DATABASE.format(error=exc)) from exc
    if plan:
        migration = plan[0][0]
        raise CommandError(
            NOT_MIGRATED.format(count=len(plan), example=f"{migration.app_label}.{migration.name}")
        )


def _keep(worker_id: str, stale_after: timedelta, stop: threading.Event) -> None:
    """The worker's second thread: heartbeat, reclaim, fail dead workers' task rows."""
    while not stop.wait(run_chunks.RECLAIM_EVERY_SECONDS):
        try:
            close_old_connections()
            run_chunks.worker_heartbeat(worker_id)
            run_chunks.chunks_held_heartbeat()
            run_chunks.dead_workers_tasks_fail(stale_after=stale_after)
            run_chunks.runs_reclaim(stale_after=stale_after)
        except Exception:  # a lost connection must not end the thread: try again next time
            logger.exception("Worker %s: reclaiming failed; trying again", worker_id)
            connections[DEFAULT_DB_ALIAS].close()
    connections.close_all()
