from datetime import timedelta

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from testamur.core.tasks import AFTER_START, event_log_daily_schedule
from testamur.core.worker import worker_schedules
from testamur.credentials.runs import runs_recover
from testamur.learners.usi_registry.services import usi_jobs_recover
from testamur.learners.usi_registry.tasks import usi_reverify_schedule


class Command(BaseCommand):
    help = (
        "Run a background worker: first hand out again the work of runs whose worker stopped, "
        "then process tasks (django-tasks db_worker). Extra options go to db_worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stale-minutes", type=float, default=5)
        parser.add_argument("--batch", action="store_true", help="Exit when no task is left.")

    def handle(self, *args, **options):
        recovered = runs_recover(stale_after=timedelta(minutes=options["stale_minutes"]))
        if recovered:
            self.stdout.write(f"Resumed runs: {', '.join(map(str, recovered))}")
        resumed = usi_jobs_recover(stale_after=timedelta(minutes=options["stale_minutes"]))
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
        # No auto-reloader: it would run the worker in a child process that outlives a kill.
        worker_options = {"no_startup_delay": True, "reload": False}
        if options["batch"]:
            worker_options["batch"] = True
        call_command("db_worker", **worker_options)
