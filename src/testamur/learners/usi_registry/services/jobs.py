"""Bulk verification jobs: prepared, queued, run by the worker in batches, recovered."""

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from testamur.learners.models import Learner
from testamur.learners.usi_registry.client import RegistryClient, RegistryError
from testamur.learners.usi_registry.config import ConfigurationError
from testamur.learners.usi_registry.models import JobStatus, UsiVerificationJob
from testamur.learners.usi_registry.services.reading import (
    latest_verifications,
    learner_person,
    precheck_reason,
    usi_registry_client,
)
from testamur.learners.usi_registry.services.recording import (
    _apply,
    _evidence,
    _record_error,
    _Tally,
)

# The package's name, as when these lived in one services module.
logger = logging.getLogger(__package__)

BATCH_SIZE = 100  # learners per BulkVerifyUSI call (the contract allows 500)

NOTHING_TO_SEND = "None of these learners can be sent to the registry. {reasons}"
NO_LEARNERS = "Choose at least one learner."
JOB_NOT_PREPARED = "This verification has already been started."
NOT_SENT = "Not sent: {reason}"
LEARNER_GONE = "The learner no longer exists."
UNEXPECTED = "The verification stopped on an unexpected error ({error}). Nothing more was sent."
RECOVERED = "The worker running this verification stopped; it was taken up again."


@transaction.atomic
def usi_job_prepare(
    *, actor, learner_ids, source: str, include_verified: bool = False
) -> UsiVerificationJob:
    """Pre-check the learners and keep the job ready to send. Nothing is sent yet."""
    ids = list(dict.fromkeys(int(i) for i in learner_ids))
    if not ids:
        raise ValidationError(NO_LEARNERS)
    learners = Learner.objects.filter(pk__in=ids).order_by("family_name", "given_name", "id")
    latest = latest_verifications(ids)
    send, skipped = [], []
    for learner in learners:
        reason = precheck_reason(
            learner, last=latest.get(learner.pk), include_verified=include_verified
        )
        if reason:
            skipped.append({"learner": learner.pk, "name": learner.full_name, "reason": reason})
        else:
            send.append(learner.pk)
    job = UsiVerificationJob(
        source=source[:200],
        include_verified=include_verified,
        learner_ids=send,
        skipped=skipped,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    job.full_clean()
    job.save()
    return job


def usi_job_start(*, job: UsiVerificationJob, actor) -> UsiVerificationJob:
    """Queue a prepared job for the background worker."""
    with transaction.atomic():
        job = UsiVerificationJob.objects.select_for_update().get(pk=job.pk)
        if job.status != JobStatus.PREPARED:
            raise ValidationError(JOB_NOT_PREPARED)
        if not job.learner_ids:
            reasons = " ".join(sorted({item["reason"] for item in job.skipped}))
            raise ValidationError(NOTHING_TO_SEND.format(reasons=reasons))
        job.status = JobStatus.QUEUED
        job.save(update_fields=["status"])
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from testamur.learners.usi_registry.tasks import run_usi_verification_job

    run_usi_verification_job.enqueue(job_id)


def usi_job_run(job_id: int, *, client: RegistryClient | None = None) -> UsiVerificationJob:
    """Send a queued job's learners in batches. Safe to run again after a crash: it goes on
    from the last batch written."""
    now = timezone.now()
    claimed = UsiVerificationJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now
    )
    job = UsiVerificationJob.objects.get(pk=job_id)
    if not claimed:
        return job
    try:
        client = client or usi_registry_client()
        while job.position < job.total:
            ids = job.learner_ids[job.position : job.position + BATCH_SIZE]
            _run_batch(job, ids, client)
            job.refresh_from_db()
    except ConfigurationError as exc:
        _stop(job, str(exc))
    except RegistryError as exc:
        _stop(job, exc.message, request_id=exc.request_id)
    except Exception as exc:  # a job must end, never hang half done
        logger.exception("USI verification job %s failed", job_id)
        _stop(job, UNEXPECTED.format(error=type(exc).__name__))
    else:
        status = JobStatus.COMPLETED_WITH_ERRORS if job.error_count else JobStatus.COMPLETED
        UsiVerificationJob.objects.filter(pk=job_id).update(
            status=status, finished_at=timezone.now()
        )
    job.refresh_from_db()
    return job


def _run_batch(job: UsiVerificationJob, ids: list[int], client: RegistryClient) -> None:
    learners = Learner.objects.in_bulk(ids)
    latest = latest_verifications(ids)
    people, not_sent = [], {}
    for learner_id in ids:
        learner = learners.get(learner_id)
        if learner is None:
            not_sent[learner_id] = LEARNER_GONE
            continue
        # The learner may have changed since the pre-check.
        reason = precheck_reason(learner, last=latest.get(learner_id), include_verified=True)
        if reason:
            not_sent[learner_id] = reason
        else:
            people.append(learner_person(learner))
    outcome = client.bulk_verify(people) if people else None
    with transaction.atomic():
        tally = _Tally()
        if outcome:
            _, tally = _apply(
                list(zip(people, outcome.sent, outcome.answers, strict=True)),
                actor=job.created_by,
                job=job,
                request_id=outcome.request_id,
                evidence=_evidence(client, outcome.request_id),
            )
        existing = [i for i in not_sent if i in learners]
        for learner_id in existing:
            _record_error(
                [learner_id],
                {learner_id: learner_person(learners[learner_id])},
                actor=job.created_by,
                job=job,
                message=NOT_SENT.format(reason=not_sent[learner_id]),
            )
        UsiVerificationJob.objects.filter(pk=job.pk).update(
            position=F("position") + len(ids),
            verified_count=F("verified_count") + tally.verified,
            not_verified_count=F("not_verified_count") + tally.not_verified,
            error_count=F("error_count") + tally.errors + len(not_sent),
            heartbeat_at=timezone.now(),
        )


def _stop(job: UsiVerificationJob, message: str, *, request_id: str = "") -> None:
    """Record every learner not yet sent as not sent, with the reason, and close the job."""
    with transaction.atomic():
        job = UsiVerificationJob.objects.select_for_update().get(pk=job.pk)
        rest = job.learner_ids[job.position :]
        existing = list(Learner.objects.filter(pk__in=rest).values_list("pk", flat=True))
        people = {
            learner.pk: learner_person(learner)
            for learner in Learner.objects.filter(pk__in=existing)
        }
        if existing:
            _record_error(
                existing,
                people,
                actor=job.created_by,
                job=job,
                message=message,
                request_id=request_id,
            )
        job.error_count += len(rest)
        job.position = job.total
        job.status = JobStatus.FAILED
        job.message = message
        job.finished_at = timezone.now()
        job.save(update_fields=["error_count", "position", "status", "message", "finished_at"])


def usi_jobs_recover(*, stale_after: timedelta = timedelta(minutes=5)) -> list[int]:
    """Queue again jobs whose worker stopped mid-way; they go on from their last batch."""
    cutoff = timezone.now() - stale_after
    stale = list(
        UsiVerificationJob.objects.filter(
            status=JobStatus.RUNNING, heartbeat_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    for job_id in stale:
        if UsiVerificationJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
            status=JobStatus.QUEUED, message=RECOVERED
        ):
            transaction.on_commit(lambda job_id=job_id: _enqueue(job_id))
    return stale
