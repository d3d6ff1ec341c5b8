from django.core.management.base import BaseCommand, CommandError

from testamur.credentials.enrolment_flags import flags_mend, flags_wrong
from testamur.credentials.register_checks import issued_credentials, register_mismatches

ALL_AGREE = "{count} issued credential(s) checked: every one agrees with its issuance record."
MISMATCHES = "{count} issued credential(s) do not agree with their issuance record."
FLAG_WRONG = (
    "course enrolment {enrolment}: 'credential issued' is {flag}, but {truth} — the 30-day "
    "clock reads this flag (verify_register --mend sets it from the credentials)"
)
FLAGS_WRONG = "{count} course enrolment(s) show the wrong 'credential issued' flag."
FLAGS_MENDED = "{count} course enrolment(s) had the wrong 'credential issued' flag: set again."
SHOWN_AT_MOST = 50


class Command(BaseCommand):
    help = (
        "Check every issued (and issued-then-cancelled) credential against its issuance record: "
        "the stored PDF's SHA-256 and signature, the register's columns, the course "
        "enrolment's qualification-issued flag, the digital credential and the NAT00130 issued "
        "flag; and every course enrolment's 'credential issued' flag (the 30-day clock's) "
        "against its credentials. Prints the first mismatch of each credential; exits with "
        "status 1 if any. --mend sets the enrolments' flags right (a raw edit made them wrong); "
        "the credentials' mismatches are for a person to look into."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--mend",
            action="store_true",
            help="Set each course enrolment's 'credential issued' flag from its credentials.",
        )

    def handle(self, *args, **options):
        found = 0
        for mismatch in register_mismatches():
            found += 1
            self.stdout.write(str(mismatch))
        flags_wrong = self._enrolment_flags(mend=options["mend"])
        if found:
            raise CommandError(MISMATCHES.format(count=found), returncode=1)
        if flags_wrong:
            raise CommandError(FLAGS_WRONG.format(count=flags_wrong), returncode=1)
        self.stdout.write(ALL_AGREE.format(count=issued_credentials().count()))

    def _enrolment_flags(self, *, mend: bool) -> int:
        """Report the enrolments whose flag is wrong; mend them if asked. Returns how many are
        still wrong."""
        if mend:
            mended = flags_mend()
            if mended:
                self.stdout.write(FLAGS_MENDED.format(count=mended))
            return 0
        wrong = flags_wrong().order_by("pk")
        count = wrong.count()
        for enrolment in wrong.only("pk", "credential_issued")[:SHOWN_AT_MOST]:
            flag = enrolment.credential_issued
            self.stdout.write(
                FLAG_WRONG.format(
                    enrolment=enrolment.pk,
                    flag="Yes" if flag else "No",
                    truth="none of its credentials is issued" if flag else "one is issued",
                )
            )
        return count
