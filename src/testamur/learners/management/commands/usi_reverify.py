"""Verify again, with the registry, USIs verified more than USI_REVERIFY_DAYS days ago."""

from django.core.management.base import BaseCommand

from testamur.learners.usi_registry.services import usi_reverify_due


class Command(BaseCommand):
    help = (
        "Start a bulk verification of USIs verified more than USI_REVERIFY_DAYS (or --days) days "
        "ago. A running worker does this every night by itself; this is for cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, **options):
        job = usi_reverify_due(days=options["days"])
        if job is None:
            self.stdout.write("No USI is due to be verified again.")
            return
        self.stdout.write(
            f"USI verification {job.pk}: {job.total} learner{'s' if job.total != 1 else ''} "
            f"sent, {len(job.skipped)} kept back."
        )
