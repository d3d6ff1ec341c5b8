import json

from django.core.management.base import BaseCommand, CommandError

from testamur.credentials.models import CredentialStatus
from testamur.verification import selectors, storage

NOT_FOUND = "No issued credential has the number {number}."
NOT_VALID = "Credential {number} is {status}: it has no digital credential to export."
NOT_MADE = (
    "The digital credential of {number} has not been made yet: run "
    "manage.py make_digital_credentials, then export it."
)


class Command(BaseCommand):
    help = "Write the signed Open Badges 3.0 credential of an issued credential (JSON)."

    def add_arguments(self, parser):
        parser.add_argument("number", help="the credential number, e.g. TM-000123")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, number, output=None, **options):
        credential = (
            selectors.verifiable_credentials().filter(issuance__number__iexact=number).first()
        )
        if credential is None:
            raise CommandError(NOT_FOUND.format(number=number))
        if credential.status != CredentialStatus.ISSUED:
            raise CommandError(
                NOT_VALID.format(number=number, status=credential.get_status_display().lower())
            )
        document = storage.signed_vc(credential)
        if document is None:
            raise CommandError(NOT_MADE.format(number=number))
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
