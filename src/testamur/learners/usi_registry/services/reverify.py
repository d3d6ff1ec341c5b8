"""Re-verifying USIs verified long ago, as a job."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from testamur.learners.models import Learner, UsiStatus
from testamur.learners.usi_registry.models import UsiVerificationJob
from testamur.learners.usi_registry.services.jobs import usi_job_prepare, usi_job_start

REVERIFY_SOURCE = "Re-verification: USIs verified more than {days} days ago"


def usi_reverify_due(*, days: int | None = None) -> UsiVerificationJob | None:
    """Start a job for verified USIs older than the re-verify setting (none if it is off, the
    registry is not set up, or nothing is due)."""
    days = settings.USI_REVERIFY_DAYS if days is None else days
    if days <= 0 or not settings.USI_REGISTRY:
        return None
    cutoff = timezone.localdate() - timedelta(days=days)
    ids = list(
        Learner.objects.filter(usi_status=UsiStatus.VERIFIED, usi_verified_on__lte=cutoff)
        .order_by("usi_verified_on", "id")
        .values_list("pk", flat=True)
    )
    if not ids:
        return None
    job = usi_job_prepare(
        actor=None, learner_ids=ids, source=REVERIFY_SOURCE.format(days=days), include_verified=True
    )
    if not job.learner_ids:
        return job
    return usi_job_start(job=job, actor=None)
