from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from testamur.verification import selectors
from testamur.verification.services import digital_credentials_make

BATCH = 100


class Command(BaseCommand):
    help = (
        "Make the signed digital credential of every issued credential that has none yet "
        "(after the signing key could not be unlocked, say), from the issuance records."
    )

    def handle(self, *args, **options):
        ids = list(selectors.digital_credentials_missing().values_list("pk", flat=True))
        made = 0
        try:
            for start in range(0, len(ids), BATCH):
                made += len(digital_credentials_make(credential_ids=ids[start : start + BATCH]))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"Made {made} digital credential(s); {len(ids) - made} left.")
