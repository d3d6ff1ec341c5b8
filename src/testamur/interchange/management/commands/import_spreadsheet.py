from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from testamur.interchange.management.commands._report import actor_for, report
from testamur.interchange.models import SPREADSHEET_KINDS
from testamur.interchange.services import import_job_create, import_job_map, import_job_start


class Command(BaseCommand):
    help = (
        "Import learners, course enrolments or unit enrolments from a CSV or XLSX file. Columns "
        "are matched by name (or as last matched); a dry run unless --commit is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--kind", required=True, choices=[k.value for k in SPREADSHEET_KINDS])
        parser.add_argument(
            "--column",
            action="append",
            default=[],
            metavar="FIELD=HEADER",
            help="Match a field to a column, e.g. --column client_id='Student No'.",
        )
        parser.add_argument("--commit", action="store_true", help="Import (not just check).")
        parser.add_argument("--user", help="The staff member the changes are recorded against.")

    def handle(self, *args, **options):
        actor = actor_for(options["user"])
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        try:
            with path.open("rb") as handle:
                job = import_job_create(
                    actor=actor, kind=options["kind"], upload=File(handle, name=path.name)
                )
            mapping = dict(job.mapping)
            for pair in options["column"]:
                field, _, header = pair.partition("=")
                mapping[field.strip()] = header.strip()
            import_job_map(actor=actor, job=job, mapping=mapping, dry_run=not options["commit"])
            job = import_job_start(job=job, commit=options["commit"], inline=True)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        report(self, job)
