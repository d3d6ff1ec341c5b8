from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from testamur.interchange.avetmiss.collection import RULE_SETS
from testamur.interchange.management.commands._report import actor_for
from testamur.interchange.services import avetmiss_export


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"'{value}' is not a date (YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = (
        "Write the AVETMISS 8.0 NAT files for a collection period, zipped, after validating "
        "them; files with errors are written only with --override-reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
        parser.add_argument("--output", type=Path, required=True, help="The zip file to write.")
        parser.add_argument("--user", help="The staff member the export is recorded against.")
        parser.add_argument("--rules", choices=sorted(RULE_SETS), default="national")
        parser.add_argument(
            "--override-reason",
            default="",
            help="Write the files although they have errors, for this reason (recorded).",
        )

    def handle(self, *args, **options):
        date_from, date_to = _date(options["date_from"]), _date(options["date_to"])
        output: Path = options["output"]
        partial = output.with_name(output.name + ".part")
        with partial.open("wb") as out:
            result = avetmiss_export(
                actor=actor_for(options["user"]),
                date_from=date_from,
                date_to=date_to,
                out=out,
                rules=RULE_SETS[options["rules"]],
                override_reason=options["override_reason"],
            )
        for finding in result.report.ordered():
            where = ", ".join(
                part
                for part in (
                    finding.file,
                    f"line {finding.line}" if finding.line else "",
                    finding.field,
                )
                if part
            )
            self.stderr.write(
                f"{finding.severity.upper()} {finding.rule} {where}: {finding.message}"
            )
        if result.problems or result.refused:
            partial.unlink()
            for problem in result.problems.items:
                self.stderr.write(problem["message"])
            if result.refused:
                self.stderr.write(result.refused)
            raise CommandError("No files written.")
        partial.replace(output)
        for name, count in result.lines.items():
            self.stdout.write(f"{name}: {count} line{'s' if count != 1 else ''}")
        self.stdout.write(self.style.SUCCESS(f"Written to {output}."))
