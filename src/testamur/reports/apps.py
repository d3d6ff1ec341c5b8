from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "testamur.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self):
        from testamur.core.checkpoints import Checkpoint, checkpoint_written
        from testamur.core.integrity import verification_finished
        from testamur.core.models import EventLogVerification
        from testamur.core.worker import worker_schedule_register
        from testamur.credentials.retention import PurgeTarget, purge_target_register
        from testamur.reports.integrity import checkpoint_email_owners, verification_email_owners
        from testamur.reports.models import EXPORT_FILES_DIR, RegisterExport
        from testamur.reports.tasks import clock_digest_schedule

        checkpoint_written.connect(
            checkpoint_email_owners, sender=Checkpoint, dispatch_uid="checkpoint_email_owners"
        )
        verification_finished.connect(
            verification_email_owners,
            sender=EventLogVerification,
            dispatch_uid="verification_email_owners",
        )
        # Export files are personal data kept as working copies: purged with the run files.
        purge_target_register(
            PurgeTarget(
                label="register export",
                model=RegisterExport,
                fields=("file",),
                folder=EXPORT_FILES_DIR,
                subject_type="register_export",
                finished_before=_exports_finished_before,
            )
        )
        worker_schedule_register(
            clock_digest_schedule,
            message="30-day clock email to Admins queued for {when:%d/%m/%Y %H:%M}.",
        )


def _exports_finished_before(cutoff):
    from testamur.reports.models import EXPORT_FINISHED, RegisterExport

    return RegisterExport.objects.filter(status__in=EXPORT_FINISHED, finished_at__lt=cutoff)
