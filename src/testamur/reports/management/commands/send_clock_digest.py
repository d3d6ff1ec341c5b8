from django.core.management.base import BaseCommand, CommandError

from testamur.reports.models import DigestStatus
from testamur.reports.services import clock_digest_send, rto_today


class Command(BaseCommand):
    help = (
        "Email Admins and Owners today's 30-day clock: credentials overdue or due within 7 days. "
        "Once a day (a running worker does this every morning by itself); --again sends anyway."
    )

    def add_arguments(self, parser):
        parser.add_argument("--again", action="store_true", help="Send even if sent today.")

    def handle(self, *args, **options):
        day = rto_today()
        digest = clock_digest_send(day=day, again=options["again"])
        if digest is None:
            self.stdout.write(f"Already sent for {day:%d/%m/%Y}; use --again to send it again.")
            return
        summary = (
            f"{day:%d/%m/%Y}: {digest.overdue} overdue, {digest.due_this_week} due this week — "
            f"{digest.get_status_display().lower()}"
        )
        if digest.status == DigestStatus.FAILED:
            raise CommandError(f"{summary}: {digest.error}")
        if digest.status == DigestStatus.SENT:
            summary += f" to {digest.recipients}"
        self.stdout.write(self.style.SUCCESS(summary + "."))
