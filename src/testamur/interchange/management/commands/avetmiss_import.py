from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from testamur.interchange.management.commands._report import actor_for, report
from testamur.interchange.services import avetmiss_job_create, import_job_start


class Command(BaseCommand):
    help = (
        "Import AVETMISS 8.0 NAT files (NAT00010 … NAT00130, or one zip of them). A dry run "
        "unless --commit is given; nothing is imported if any line has a problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--commit", action="store_true", help="Import (not just check).")
        parser.add_argument("--user", help="The staff member the changes are recorded against.")

    def handle(self, *args, **options):
        actor = actor_for(options["user"])
        handles = []
        try:
            for path in options["files"]:
                if not path.is_file():
                    raise CommandError(f"No file {path}.")
                handles.append(File(path.open("rb"), name=path.name))
            job = avetmiss_job_create(actor=actor, uploads=handles)
            job = import_job_start(job=job, commit=options["commit"], inline=True)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        finally:
            for handle in handles:
                handle.close()
        report(self, job)
