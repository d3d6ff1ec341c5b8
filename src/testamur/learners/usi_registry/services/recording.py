"""Keeping the registry's answers (or a failure) and moving the learners' USI status."""

from dataclasses import dataclass

from django.utils import timezone

from testamur.core.events import EventRecord, event_record_many
from testamur.learners.models import Learner, UsiStatus
from testamur.learners.usi_registry.client import RegistryClient
from testamur.learners.usi_registry.messages import Answer, Person
from testamur.learners.usi_registry.models import UsiVerification, VerificationResult
from testamur.learners.usi_registry.services.reading import (
    NAME_LIMIT,
    _environment,
    _sent,
    learner_person,
)

DETAILS_CHANGED = (
    "The learner's USI, name or date of birth changed while the registry was answering: the "
    "answer was kept but not applied. Verify again."
)


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
