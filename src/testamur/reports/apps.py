from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "testamur.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self):
        from testamur.core.checkpoints import Checkpoint, checkpoint_written
        from testamur.core.integrity import verification_finished
        from testamur.core.models import EventLogVerification
        from testamur.reports.integrity import checkpoint_email_owners, verification_email_owners

        checkpoint_written.connect(
            checkpoint_email_owners, sender=Checkpoint, dispatch_uid="checkpoint_email_owners"
        )
        verification_finished.connect(
            verification_email_owners,
            sender=EventLogVerification,
            dispatch_uid="verification_email_owners",
        )
