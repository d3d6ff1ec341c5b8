"""Issuing credentials: number them, render and sign their documents, store, mark Issued.

Safe under any number of concurrent issuers: numbers are taken once under a row lock and stay
with the credential even if rendering fails; a short claim keeps other issuers from rendering
the same credential; the final switch to Issued re-checks the state under a lock, so a
credential is never issued twice. Work is done a group at a time so the database costs a
few statements per group, not per credential.
"""

import hashlib
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from testamur.core.db import rows_update
from testamur.core.events import EventRecord, event_record_many
from testamur.core.numbering import number_take_many
from testamur.credentials.documents import DocumentBatch, RenderError
from testamur.credentials.gates import evaluate_gates
from testamur.credentials.models import (
    Credential,
    CredentialStatus,
    RunItemStatus,
    new_verification_code,
)
from testamur.credentials.services import PERM_ISSUE, require, transition_apply
from testamur.organisation.models import Organisation
from testamur.qualifications.services import qualification_enrolment_sync_status
from testamur.training.models import CourseEnrolment

ALREADY_ISSUED = "Already issued."
BEING_ISSUED = "Being issued by another run at this moment."
CLAIM = timedelta(minutes=5)

DONE, SKIPPED, FAILED = RunItemStatus.DONE, RunItemStatus.SKIPPED, RunItemStatus.FAILED

Results = dict[int, tuple[str, str]]


def _claim_and_number(ids: list[int], actor) -> tuple[list[Credential], Results]:
    """Lock, check gates, claim and (once) number a group in one short transaction."""
    now = timezone.now()
    results: Results = {}
    with transaction.atomic():
        locked = list(
            Credential.objects.select_for_update(of=("self",))
            .select_related("learner", "template", "course_enrolment__offer__course")
            .filter(pk__in=ids)
            .order_by("pk")  # one lock order for every issuer: no deadlocks
        )
        gates = evaluate_gates(locked)
        eligible = []
        for credential in locked:
            if credential.status == CredentialStatus.ISSUED:
                results[credential.pk] = (SKIPPED, ALREADY_ISSUED)
            elif credential.issue_claimed_until and credential.issue_claimed_until > now:
                results[credential.pk] = (SKIPPED, BEING_ISSUED)
            elif gates[credential.pk].blockers:
                results[credential.pk] = (SKIPPED, " ".join(gates[credential.pk].blockers))
            else:
                eligible.append(credential)
        unnumbered = [c for c in eligible if c.number is None]
        events = []
        if unnumbered:
            organisation = Organisation.load()
            values = number_take_many(name="credential", count=len(unnumbered))
            for credential, value in zip(unnumbered, values, strict=True):
                credential.number = organisation.credential_number_example(value)
                credential.verification_code = new_verification_code()
                events.append(
                    EventRecord(
                        actor=actor,
                        subject_type="credential",
                        subject_id=credential.pk,
                        learner_id=credential.learner_id,
                        action="numbered",
                        data={"number": credential.number},
                    )
                )
        for credential in eligible:
            credential.issue_claimed_until = now + CLAIM
            credential.updated_at = now
        rows_update(eligible, ["issue_claimed_until", "number", "verification_code", "updated_at"])
        event_record_many(events)
    return eligible, results


def credentials_issue(
    *,
    actor,
    credentials: list[Credential],
    issued_on: date,
    final_qualification: bool = False,
    status_reason: str = "",
    run_id: int | None = None,
) -> Results:
    """Issue a group of Generated credentials. Returns credential id → (status, message)."""
    require(actor, PERM_ISSUE)
    claimed, results = _claim_and_number([c.pk for c in credentials], actor)
    if not claimed:
        return results
    batch = DocumentBatch(claimed)
    rendered = {}
    for credential in claimed:
        try:
            rendered[credential.pk] = batch.render_signed(credential, issued_on=issued_on)
        except RenderError as exc:  # the template's own reason (too slow, too much memory…)
            rendered[credential.pk] = str(exc)
        except Exception as exc:  # one credential's failure must not stop the group
            rendered[credential.pk] = f"{type(exc).__name__}: {exc}"
    now = timezone.now()
    with transaction.atomic():
        locked = Credential.objects.select_for_update().filter(pk__in=list(rendered)).order_by("pk")
        changed, events, final = [], [], []
        for credential in locked:
            outcome = rendered[credential.pk]
            credential.issue_claimed_until = None
            credential.updated_at = now
            changed.append(credential)
            if isinstance(outcome, str):
                credential.failure_message = outcome
                results[credential.pk] = (FAILED, outcome)
                continue
            if credential.status != CredentialStatus.GENERATED:
                results[credential.pk] = (SKIPPED, f"Now {credential.get_status_display()}.")
                continue
            pdf, version = outcome
            credential.document.save(f"{credential.number}.pdf", ContentFile(pdf), save=False)
            credential.document_sha256 = _sha256(pdf)
            credential.template_version = version
            credential.issued_on = issued_on
            credential.issued_at = now
            credential.issued_by = actor
            credential.issuing_officer_id = credential.issuing_officer_id or actor.pk
            credential.final_qualification = final_qualification
            credential.failure_message = ""
            if status_reason:
                credential.status_reason = status_reason
            events.append(
                transition_apply(
                    credential,
                    action="issue",
                    actor=actor,
                    reason=status_reason,
                    data={
                        "run": run_id,
                        "sha256": credential.document_sha256,
                        "final_qualification": final_qualification,
                    },
                )
            )
            if final_qualification and credential.course_enrolment_id:
                final.append(credential)
            results[credential.pk] = (DONE, "")
        rows_update(
            changed,
            [
                "issue_claimed_until",
                "updated_at",
                "failure_message",
                "document",
                "document_sha256",
                "template_version",
                "issued_on",
                "issued_at",
                "issued_by",
                "issuing_officer",
                "final_qualification",
                "status_reason",
                "status",
                "revision",
                "updated_by",
            ],
        )
        events += _record_final_qualifications(final, issued_on, actor)
        event_record_many(events)
        # Qualification enrolments follow their credentials' statuses.
        qualification_enrolment_sync_status(credentials=changed, actor=actor)
    return results


def credential_issue(
    *,
    actor,
    credential: Credential,
    issued_on: date,
    final_qualification: bool = False,
    status_reason: str = "",
    run_id: int | None = None,
) -> tuple[str, str]:
    """Issue one Generated credential. Returns ("done", "") or (status, reason)."""
    return credentials_issue(
        actor=actor,
        credentials=[credential],
        issued_on=issued_on,
        final_qualification=final_qualification,
        status_reason=status_reason,
        run_id=run_id,
    )[credential.pk]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _record_final_qualifications(credentials, issued_on: date, actor) -> list[EventRecord]:
    """The enrolments whose final qualification these credentials are: flag, parchment, date."""
    enrolments = CourseEnrolment.objects.select_for_update().in_bulk(
        [c.course_enrolment_id for c in credentials]
    )
    events = []
    for credential in credentials:
        enrolment = enrolments[credential.course_enrolment_id]
        enrolment.qual_issued = True
        enrolment.parchment_number = credential.number
        enrolment.issued_date = issued_on
        enrolment.updated_at = timezone.now()
        events.append(
            EventRecord(
                actor=actor,
                subject_type="course_enrolment",
                subject_id=enrolment.pk,
                learner_id=enrolment.learner_id,
                action="qualification_issued",
                data={"parchment_number": credential.number, "issued_date": issued_on.isoformat()},
            )
        )
    rows_update(
        list(enrolments.values()), ["qual_issued", "parchment_number", "issued_date", "updated_at"]
    )
    return events
