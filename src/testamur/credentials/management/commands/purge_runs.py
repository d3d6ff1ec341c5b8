from django.core.management.base import BaseCommand, CommandError

from testamur.credentials.retention import (
    RUN_FILES_KEPT_DAYS,
    run_files_cutoff,
    run_files_purge,
)


class Command(BaseCommand):
    help = (
        "Delete generation-run files (combined print PDFs, mail-merge spreadsheets) of runs, "
        f"and other working files (register exports), finished more than {RUN_FILES_KEPT_DAYS} "
        "days ago. Credentials' own documents are never touched. Run it monthly from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=RUN_FILES_KEPT_DAYS,
            help="Keep the files of runs finished in the last N days "
            f"(default {RUN_FILES_KEPT_DAYS}).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Only list what would be deleted."
        )

    def handle(self, *args, **options):
        if options["days"] < 0:
            raise CommandError("--days cannot be negative.")
        report = run_files_purge(
            older_than=run_files_cutoff(options["days"]), dry_run=options["dry_run"]
        )
        for name in report.files + report.stray_files:
            self.stdout.write(f"  {name}")
        self.stdout.write(self.style.SUCCESS(report.summary()))
