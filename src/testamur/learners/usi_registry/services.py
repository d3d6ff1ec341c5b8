"""Verifying learners' USIs with the registry: one learner now, or many as a background job.

Each answer is kept as a `UsiVerification` and moves the learner's USI status in the same
transaction: Verified when the USI is valid and every detail matches, Not verified when the
registry says otherwise. A failure (registry down, credential expired, a refusal) is kept too,
with its message, and leaves the learner as it was. A job sends its learners in batches; a
batch's answers are written all at once or not at all, and a failure stops the job with every
learner not yet sent recorded as not sent, so nothing is half done and nothing hangs.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from testamur.core.events import EventRecord, event_record_many
from testamur.learners.models import EXEMPT_STATUSES, Learner, UsiStatus
from testamur.learners.usi_registry.client import RegistryClient, RegistryError
from testamur.learners.usi_registry.config import ConfigurationError, registry_config
from testamur.learners.usi_registry.messages import Answer, Person
from testamur.learners.usi_registry.models import (
    REFUSED_RESULTS,
    JobStatus,
    UsiVerification,
    UsiVerificationJob,
    VerificationResult,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 100  # learners per BulkVerifyUSI call (the contract allows 500)
NAME_LIMIT = 40

NO_USI = "No USI recorded: enter it on the learner's Edit page."
EXEMPT = "Exemption recorded ({status}): there is no USI to verify."
NO_DATE_OF_BIRTH = "No date of birth: the registry needs it to verify the USI."
NAME_TOO_LONG = "A name is longer than the registry's 40 characters."
ALREADY_VERIFIED = "Already verified on {date}."
ALREADY_REFUSED = (
    "The registry answered “{result}” on {date} for these same details: correct the USI, name "
    "or date of birth before sending them again."
)
NOTHING_TO_SEND = "None of these learners can be sent to the registry. {reasons}"
NO_LEARNERS = "Choose at least one learner."
JOB_NOT_PREPARED = "This verification has already been started."
DETAILS_CHANGED = (
    "The learner's USI, name or date of birth changed while the registry was answering: the "
    "answer was kept but not applied. Verify again."
)
NOT_SENT = "Not sent: {reason}"
LEARNER_GONE = "The learner no longer exists."
UNEXPECTED = "The verification stopped on an unexpected error ({error}). Nothing more was sent."
RECOVERED = "The worker running this verification stopped; it was taken up again."


# Reading learners
def learner_person(learner: Learner, record_id: int | None = None) -> Person:
    """What is sent for a learner. A learner known by one name (given and family names the
    same, or one of them '-') is sent as a single name."""
    given, family = learner.given_name.strip(), learner.family_name.strip()
    placeholders = {"", "-", "."}
    single = ""
    if given.casefold() == family.casefold() or family in placeholders:
        single = given
    elif given in placeholders:
        single = family
    return Person(
        record_id=record_id if record_id is not None else learner.pk,
        usi=learner.usi or "",
        date_of_birth=learner.date_of_birth,
        first_name="" if single else given,
        family_name="" if single else family,
        single_name=single,
    )


def _sent(person: Person) -> tuple:
    return (
        person.usi,
        person.first_name,
        person.family_name,
        person.single_name,
        person.date_of_birth,
    )


def _recorded(verification: UsiVerification) -> tuple:
    return (
        verification.usi,
        verification.first_name,
        verification.family_name,
        verification.single_name,
        verification.date_of_birth,
    )


def latest_verifications(learner_ids) -> dict[int, UsiVerification]:
    """Each learner's latest registry answer (or failure), keyed by learner id."""
    latest = (
        UsiVerification.objects.filter(learner_id__in=list(learner_ids))
        .values("learner_id")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    return {v.learner_id: v for v in UsiVerification.objects.filter(pk__in=list(latest))}


def _shown(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def precheck_reason(
    learner: Learner, *, last: UsiVerification | None, include_verified: bool = False
) -> str | None:
    """Why a learner cannot (or need not) be sent in a bulk verification; None to send."""
    if learner.usi_status in EXEMPT_STATUSES:
        return EXEMPT.format(status=learner.get_usi_status_display())
    if not learner.usi:
        return NO_USI
    if not learner.date_of_birth:
        return NO_DATE_OF_BIRTH
    person = learner_person(learner)
    if max(len(person.first_name), len(person.family_name), len(person.single_name)) > NAME_LIMIT:
        return NAME_TOO_LONG
    if learner.usi_status == UsiStatus.VERIFIED and not include_verified:
        return ALREADY_VERIFIED.format(date=_shown(learner.usi_verified_on))
    if last and last.result in REFUSED_RESULTS and _recorded(last) == _sent(person):
        return ALREADY_REFUSED.format(
            result=last.get_result_display(), date=_shown(timezone.localtime(last.requested_at))
        )
    return None


def usi_registry_client() -> RegistryClient:
    """A client for the configured registry; raises ConfigurationError when it is not set up."""
    return RegistryClient(registry_config())


def _environment() -> str:
    return settings.USI_REGISTRY or "none"


# Recording answers
def _result(answer: Answer) -> str:
    if answer.usi_status == "Invalid":
        return VerificationResult.INVALID
    if answer.usi_status == "Deactivated":
        return VerificationResult.DEACTIVATED
    return VerificationResult.VERIFIED if answer.verified else VerificationResult.MISMATCH


def _verification(learner_id, person: Person, *, actor, job, now, request_id="") -> UsiVerification:
    return UsiVerification(
        learner_id=learner_id,
        job=job,
        requested_at=now,
        requested_by=actor if getattr(actor, "pk", None) else None,
        environment=_environment(),
        request_id=request_id,
        usi=person.usi,
        first_name=person.first_name[:NAME_LIMIT],
        family_name=person.family_name[:NAME_LIMIT],
        single_name=person.single_name[:NAME_LIMIT],
        date_of_birth=person.date_of_birth,
    )


@dataclass
class _Tally:
    verified: int = 0
    not_verified: int = 0
    errors: int = 0


def _apply(
    triples: list[tuple[Person, Person, Answer]], *, actor, job, request_id: str, evidence: str
) -> tuple[list[UsiVerification], _Tally]:
    """Record answers and move each learner's status, in the caller's transaction. Each triple
    is (the learner's details as read, what was sent, the answer)."""
    now = timezone.now()
    today = timezone.localdate()
    learners = Learner.objects.select_for_update().in_bulk([p.record_id for p, _, _ in triples])
    rows, changed, events, tally = [], [], [], _Tally()
    by = actor if getattr(actor, "pk", None) else None
    for person, sent, answer in triples:
        learner = learners.get(person.record_id)
        if learner is None:
            tally.errors += 1
            continue
        row = _verification(learner.pk, sent, actor=actor, job=job, now=now, request_id=request_id)
        row.result = _result(answer)
        row.usi_status = answer.usi_status
        row.first_name_match = answer.first_name
        row.family_name_match = answer.family_name
        row.single_name_match = answer.single_name
        row.date_of_birth_match = answer.date_of_birth
        if _sent(learner_person(learner)) != _sent(person):
            row.error = DETAILS_CHANGED
        else:
            row.applied = True
            before = learner.usi_status
            if row.result == VerificationResult.VERIFIED:
                learner.usi_status = UsiStatus.VERIFIED
                learner.usi_verified_on = today
                learner.usi_verified_by = by
                learner.usi_evidence = evidence[:200]
            elif learner.usi_status == UsiStatus.VERIFIED:
                learner.usi_status = UsiStatus.NOT_VERIFIED
                learner.usi_verified_on = None
                learner.usi_verified_by = None
                learner.usi_evidence = ""
            learner.updated_at = now
            changed.append(learner)
            events.append(
                EventRecord(
                    actor=actor,
                    subject_type="learner",
                    subject_id=learner.pk,
                    learner_id=learner.pk,
                    action="registry_verified"
                    if row.result == VerificationResult.VERIFIED
                    else "registry_not_verified",
                    from_state=before if before != learner.usi_status else "",
                    to_state=learner.usi_status if before != learner.usi_status else "",
                    data={
                        "registry answer": row.summary(),
                        "request id": request_id,
                        "registry": _environment(),
                    },
                )
            )
        if row.result == VerificationResult.VERIFIED and row.applied:
            tally.verified += 1
        else:
            tally.not_verified += 1
        rows.append(row)
    Learner.objects.bulk_update(
        changed,
        ["usi_status", "usi_verified_on", "usi_verified_by", "usi_evidence", "updated_at"],
    )
    UsiVerification.objects.bulk_create(rows)
    event_record_many(events)
    return rows, tally


def _evidence(client: RegistryClient, request_id: str) -> str:
    return f"{client.config.label}: request {request_id}"


def usi_verify_learner(
    *, learner: Learner, actor, client: RegistryClient | None = None
) -> UsiVerification:
    """Ask the registry about one learner now. Always returns the recorded verification: its
    result is `error` (with a message a person can act on) when no answer came."""
    learner = Learner.objects.get(pk=learner.pk)
    if learner.usi_status in EXEMPT_STATUSES or not learner.usi:
        raise ValidationError(
            NO_USI if not learner.usi else EXEMPT.format(status=learner.get_usi_status_display())
        )
    if not learner.date_of_birth:
        raise ValidationError(NO_DATE_OF_BIRTH)
    person = learner_person(learner)
    try:
        client = client or usi_registry_client()
        outcome = client.verify(person)
    except ConfigurationError as exc:
        return _record_error(
            [learner.pk], {learner.pk: person}, actor=actor, job=None, message=str(exc)
        )
    except RegistryError as exc:
        return _record_error(
            [learner.pk],
            {learner.pk: person},
            actor=actor,
            job=None,
            message=exc.message,
            request_id=exc.request_id,
        )
    with transaction.atomic():
        rows, _ = _apply(
            [(person, outcome.sent[0], outcome.answers[0])],
            actor=actor,
            job=None,
            request_id=outcome.request_id,
            evidence=_evidence(client, outcome.request_id),
        )
    return rows[0]


def _record_error(learner_ids, people: dict, *, actor, job, message: str, request_id: str = ""):
    now = timezone.now()
    rows = []
    for learner_id in learner_ids:
        person = people.get(learner_id) or Person(record_id=learner_id, usi="", date_of_birth=None)
        row = _verification(
            learner_id, person, actor=actor, job=job, now=now, request_id=request_id
        )
        row.result = VerificationResult.ERROR
        row.error = message
        rows.append(row)
    UsiVerification.objects.bulk_create(rows, batch_size=500)
    return rows[0] if len(rows) == 1 else rows


# Bulk jobs
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
