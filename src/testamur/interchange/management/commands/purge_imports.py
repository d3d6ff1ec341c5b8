from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from testamur.interchange.services import import_files_purge, kept_hours


class Command(BaseCommand):
    help = (
        "Delete the uploaded files of imports never finished, IMPORT_FILES_KEPT_HOURS after "
        "upload (finished and failed imports lose theirs at once)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, help="Instead of IMPORT_FILES_KEPT_HOURS.")

    def handle(self, *args, **options):
        hours = options["hours"] if options["hours"] is not None else kept_hours()
        purged = import_files_purge(older_than=timezone.now() - timedelta(hours=hours))
        self.stdout.write(f"Deleted the files of {len(purged)} import(s) older than {hours} hours.")
