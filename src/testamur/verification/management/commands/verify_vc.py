import json
import sys

from django.core.management.base import BaseCommand, CommandError

from testamur.verification.verifier import vc_verify


class Command(BaseCommand):
    help = (
        "Check a digital credential this deployment issued: its eddsa-rdfc-2022 proof and its "
        "revocation status. Exits with status 1 when it is not valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the credential's JSON file, or - for standard input")

    def handle(self, *args, file, **options):
        try:
            if file == "-":
                document = json.load(sys.stdin)
            else:
                with open(file, encoding="utf-8") as handle:
                    document = json.load(handle)
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        check = vc_verify(document)
        if not check.valid:
            raise CommandError(check.summary, returncode=1)
        self.stdout.write(check.summary)
