from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from testamur.core.integrity import event_log_verification_run


class Command(BaseCommand):
    help = (
        "Check the event log: its hash chain, every signed checkpoint (a log cut short or "
        "rebuilt with recomputed hashes disagrees with them) and the register replayed against "
        "the log. Exits non-zero and lists the problems if anything disagrees."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoints",
            type=Path,
            metavar="DIR",
            help="Directory of checkpoint files (default: EVENT_LOG_CHECKPOINT_DIR).",
        )
        parser.add_argument(
            "--public-key",
            action="append",
            default=[],
            metavar="HEX",
            help="Also accept checkpoints signed with this Ed25519 public key (e.g. an earlier "
            "key, or the one an auditor was given); repeatable.",
        )

    def handle(self, *args, **options):
        directory = options["checkpoints"]
        if directory is not None and not directory.is_dir():
            raise CommandError(f"{directory} is not a directory of checkpoint files.")
        _, report = event_log_verification_run(
            directory=directory, public_keys=options["public_key"]
        )
        for line in report.lines:
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(
                f"Event log check found {report.problem_count} problem(s):\n"
                + "\n".join(f"- {problem}" for problem in report.problems)
            )
        self.stdout.write(self.style.SUCCESS(f"Event log intact: {report.events} events verified."))
