from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from testamur.core.checkpoints import CheckpointRefused, checkpoint_write


class Command(BaseCommand):
    help = (
        "Sign a checkpoint of the event log now (count and newest hash) with the key in "
        "EVENT_LOG_KEY_FILE, write it to the checkpoint directory and email it to the Owners."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            type=Path,
            metavar="DIR",
            help="Write it here instead of EVENT_LOG_CHECKPOINT_DIR.",
        )

    def handle(self, *args, **options):
        try:
            checkpoint = checkpoint_write(directory=options["dir"])
        except CheckpointRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Checkpoint written to {checkpoint.path}: {checkpoint.events} events, newest "
                f"hash {checkpoint.head_hash}."
            )
        )
        self.stdout.write(f"Public key {checkpoint.public_key} (key id {checkpoint.key_id}).")
