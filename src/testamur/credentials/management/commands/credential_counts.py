"""Check (or rebuild) the credential counts by status against the register itself."""

from django.core.management.base import BaseCommand, CommandError

from testamur.credentials.status_counts import counts_drift, counts_rebuild


class Command(BaseCommand):
    help = "Compare the kept credential counts by status with the register (--rebuild: recount)."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="recount from the register")

    def handle(self, *args, rebuild=False, **options):
        if rebuild:
            counted = counts_rebuild()
            total = sum(counted.values())
            self.stdout.write(f"Recounted {total:,} credentials in {len(counted)} statuses.")
            return
        drift = counts_drift()
        if drift:
            lines = [f"{s}: register {r:,}, kept {k:,}" for s, (r, k) in drift.items()]
            raise CommandError(
                "Credential counts differ from the register (run with --rebuild):\n"
                + "\n".join(lines)
            )
        self.stdout.write("Credential counts agree with the register.")
