from django.core.management.base import BaseCommand, CommandError

from testamur.credentials.register_checks import issued_credentials, register_mismatches

ALL_AGREE = "{count} issued credential(s) checked: every one agrees with its issuance record."
MISMATCHES = "{count} issued credential(s) do not agree with their issuance record."


class Command(BaseCommand):
    help = (
        "Check every issued (and issued-then-cancelled) credential against its issuance record: "
        "the stored PDF's SHA-256 and signature, the register's columns, the course "
        "enrolment's qualification-issued flag, the digital credential and the NAT00130 issued "
        "flag. Prints the first mismatch of each credential; exits with status 1 if any."
    )

    def handle(self, *args, **options):
        found = 0
        for mismatch in register_mismatches():
            found += 1
            self.stdout.write(str(mismatch))
        if found:
            raise CommandError(MISMATCHES.format(count=found), returncode=1)
        self.stdout.write(ALL_AGREE.format(count=issued_credentials().count()))
