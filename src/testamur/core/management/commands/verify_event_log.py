from django.core.management.base import BaseCommand, CommandError

from testamur.core.events import event_log_verify


class Command(BaseCommand):
    help = "Check the hash chain of the event log and report the first broken link."

    def handle(self, *args, **options):
        checked, broken = event_log_verify()
        if broken:
            where = f"event {broken.event_id}" if broken.event_id else "the end of the log"
            raise CommandError(
                f"Event log broken at {where}: {broken.problem} "
                f"({checked} events verified before it)."
            )
        self.stdout.write(self.style.SUCCESS(f"Event log intact: {checked} events verified."))
