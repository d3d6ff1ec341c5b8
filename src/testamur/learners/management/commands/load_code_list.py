from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from testamur.learners.code_lists import CODE_LISTS, code_list_load


class Command(BaseCommand):
    help = "Make an AVETMISS code list (e.g. country, language) match a CSV file (code,label)."

    def add_arguments(self, parser):
        parser.add_argument("list", choices=sorted(CODE_LISTS))
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        try:
            text = options["file"].read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc}") from exc
        try:
            counts = code_list_load(options["list"], text)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                "{list}: {added} added, {changed} changed, {retired} retired.".format(
                    list=options["list"], **counts
                )
            )
        )
