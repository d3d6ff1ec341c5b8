from django.core.management.base import BaseCommand, CommandError

from testamur.credentials.kept_flags import KEPT_FLAGS
from testamur.credentials.register_checks import issued_credentials, register_mismatches

ALL_AGREE = "{count} issued credential(s) checked: every one agrees with its issuance record."
MISMATCHES = "{count} issued credential(s) do not agree with their issuance record."
FLAGS_WRONG = "{count} row(s) show a wrong kept flag (verify_register --mend sets them)."
FLAGS_MENDED = "{count} {subject}(s) had the wrong '{label}' flag: set again."
SHOWN_AT_MOST = 50


class Command(BaseCommand):
    help = (
        "Check every issued (and issued-then-cancelled) credential against its issuance record: "
        "the stored PDF's SHA-256 and signature, the register's columns, the course "
        "enrolment's qualification-issued flag, the digital credential and the NAT00130 issued "
        "flag; and the flags the database keeps from the credentials (a course enrolment's "
        "'credential issued', a learner's 'credentials waiting') against the credentials. "
        "Prints the first mismatch of each credential; exits with status 1 if any. --mend sets "
        "the kept flags right (a raw edit made them wrong); the credentials' mismatches are for "
        "a person to look into."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--mend",
            action="store_true",
            help="Set every kept flag (enrolments, learners) from the credentials.",
        )

    def handle(self, *args, **options):
        found = 0
        for mismatch in register_mismatches():
            found += 1
            self.stdout.write(str(mismatch))
        flags_wrong = self._kept_flags(mend=options["mend"])
        if found:
            raise CommandError(MISMATCHES.format(count=found), returncode=1)
        if flags_wrong:
            raise CommandError(FLAGS_WRONG.format(count=flags_wrong), returncode=1)
        self.stdout.write(ALL_AGREE.format(count=issued_credentials().count()))

    def _kept_flags(self, *, mend: bool) -> int:
        """Report the rows whose kept flag is wrong (KEPT_FLAGS); mend them if asked. Returns how
        many are still wrong."""
        still_wrong = 0
        for flag in KEPT_FLAGS:
            if mend:
                mended = flag.mend()
                if mended:
                    self.stdout.write(
                        FLAGS_MENDED.format(count=mended, subject=flag.subject, label=flag.label)
                    )
                continue
            wrong = flag.wrong().order_by("pk")
            still_wrong += wrong.count()
            for row in wrong.only("pk", flag.flag)[:SHOWN_AT_MOST]:
                self.stdout.write(flag.problem(row))
        return still_wrong
