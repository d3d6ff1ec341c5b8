from django.core.management.base import BaseCommand

from testamur.api.services import IDEMPOTENCY_KEY_LIFETIME, idempotency_keys_purge


class Command(BaseCommand):
    help = (
        "Delete the stored responses of API requests sent with an Idempotency-Key more than "
        f"{IDEMPOTENCY_KEY_LIFETIME.total_seconds() / 3600:.0f} hours ago. Run it daily from cron."
    )

    def handle(self, *args, **options):
        deleted = idempotency_keys_purge()
        self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} expired Idempotency-Key records."))
