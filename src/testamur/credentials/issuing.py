"""Issuing credentials: number them and freeze what they say, render and sign their documents
from that record, store them, mark them Issued.

Safe under any number of concurrent issuers: numbers are taken once under a row lock and stay
with the credential even if rendering fails; a short claim keeps other issuers from rendering
the same credential; the final switch to Issued re-checks the state under a lock, so a
credential is never issued twice. Work is done a group at a time so the database costs a
few statements per group, not per credential.

The issuance record (DESIGN.md rule 9) is frozen in the transaction that gives the number; the
document is rendered from the record alone; the transaction that makes the credential Issued
adds the signed document's SHA-256 to the record, after which it never changes.
"""

import hashlib
import logging
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from testamur.core.db import rows_update
from testamur.core.events import EventRecord, event_record_many
from testamur.core.numbering import number_take_many
from testamur.credentials import lifecycle
from testamur.credentials.documents import DocumentBatch, RenderError
from testamur.credentials.gates import evaluate_gates
from testamur.credentials.issue_options import IssueOptions
from testamur.credentials.models import (
    Credential,
    CredentialIssuance,
    CredentialStatus,
    RunItemStatus,
    new_verification_code,
)
from testamur.credentials.services import PERM_ISSUE, require
from testamur.credentials.states import ISSUABLE, IllegalTransition
from testamur.credentials.twins import twins_make
from testamur.organisation.models import Organisation

logger = logging.getLogger(__name__)

ALREADY_ISSUED = "Already issued."
BEING_ISSUED = "Being issued by another run at this moment."
CLAIM = timedelta(minutes=5)

DONE, SKIPPED, FAILED = RunItemStatus.DONE, RunItemStatus.SKIPPED, RunItemStatus.FAILED

Results = dict[int, tuple[str, str]]
# What a record holds; a later attempt at a failed issue writes them again (same number).
FROZEN_FIELDS = [
    f.name
    for f in CredentialIssuance._meta.concrete_fields
    if f.name
    not in {"id", "credential", "document_sha256", "issued_at", "issued_by", "reconstructed"}
]


def _claim_number_and_freeze(
    ids: list[int], actor, *, issued_on: date, final_qualification: bool
) -> tuple[list[CredentialIssuance], DocumentBatch | None, Results]:
    """Lock, check gates, claim, (once) number and freeze a group in one short transaction."""
    now = timezone.now()
    results: Results = {}
    with transaction.atomic():
        locked = list(
            Credential.objects.select_for_update(of=("self",))
            .select_related("learner", "template", "course", "course_enrolment__offer__course")
            .filter(pk__in=ids)
            .order_by("pk")  # one lock order for every issuer: no deadlocks
        )
        organisation = Organisation.load()
        gates = evaluate_gates(locked, organisation=organisation)
        eligible = []
        for credential in locked:
            if credential.status == CredentialStatus.ISSUED:
                results[credential.pk] = (SKIPPED, ALREADY_ISSUED)
            elif credential.status not in ISSUABLE:
                results[credential.pk] = (
                    SKIPPED,
                    str(IllegalTransition("issue", credential.status)),
                )
            elif credential.issue_claimed_until and credential.issue_claimed_until > now:
                results[credential.pk] = (SKIPPED, BEING_ISSUED)
            elif gates[credential.pk].blockers:
                results[credential.pk] = (SKIPPED, gates[credential.pk].skip_reason())
            else:
                eligible.append(credential)
        if not eligible:
            return [], None, results
        unnumbered = [c for c in eligible if c.number is None]
        events = []
        if unnumbered:
            values = number_take_many(name="credential", count=len(unnumbered))
            for credential, value in zip(unnumbered, values, strict=True):
                credential.number = organisation.credential_number(value)
                credential.verification_code = new_verification_code()
                events.append(
                    EventRecord(
                        actor=actor,
                        subject_type="credential",
                        subject_id=credential.pk,
                        learner_id=credential.learner_id,
                        action="numbered",
                        data={
                            "number": credential.number,
                            "verification_code": credential.verification_code,
                        },
                    )
                )
        batch = DocumentBatch(eligible, organisation=organisation)
        records = []
        for credential in eligible:
            try:
                records.append(_freeze(batch, credential, issued_on, final_qualification, now))
            except RenderError as exc:
                results[credential.pk] = (FAILED, str(exc))
                credential.failure_message = str(exc)
        claimed = {record.credential_id for record in records}
        for credential in eligible:
            if credential.pk in claimed:
                credential.issue_claimed_until = now + CLAIM
            credential.updated_at = now
        rows_update(
            eligible,
            ["issue_claimed_until", "number", "verification_code", "failure_message", "updated_at"],
        )
        _records_save(records)
        event_record_many(events)
    return records, batch, results


def _freeze(batch, credential, issued_on, final_qualification, now) -> CredentialIssuance:
    record = batch.issuance(credential, issued_on=issued_on)
    record.frozen_at = now
    applies = lifecycle.final_qualification_applies(credential.credential_type, credential.course)
    record.final_qualification = final_qualification and applies
    if record.final_qualification:
        record.qualification_enrolment_flagged = lifecycle.qualification_course_enrolment(
            credential
        )
    return record


def _records_save(records: list[CredentialIssuance]) -> None:
    """New records are inserted; a pending one (an earlier attempt failed) is written again."""
    pending = dict(
        CredentialIssuance.objects.filter(
            credential_id__in=[r.credential_id for r in records]
        ).values_list("credential_id", "pk")
    )
    fresh, again = [], []
    for record in records:
        # Field checks only: the keys and constraints are the database's to hold.
        record.full_clean(
            exclude=[
                "credential",
                "template_version",
                "qualification_enrolment_flagged",
                "issued_by",
            ],
            validate_unique=False,
            validate_constraints=False,
        )
        record.pk = pending.get(record.credential_id)
        (again if record.pk else fresh).append(record)
    CredentialIssuance.objects.bulk_create(fresh)
    if again:
        # A completed record is refused here (IssuanceQuerySet): it is never written over.
        CredentialIssuance.objects.bulk_update(again, FROZEN_FIELDS)


def credentials_issue(
    *,
    actor,
    credentials: list[Credential],
    options: IssueOptions,
    run_id: int | None = None,
) -> Results:
    """Issue a group of credentials (any of states.ISSUABLE: no draft is needed).
    Returns credential id → (status, message).

    `options` were checked when the run started (issue_options.issue_options_check).
    """
    require(actor, PERM_ISSUE)
    issued_on, final_qualification = options.issued_on, options.final_qualification
    status_reason = options.status_reason
    records, batch, results = _claim_number_and_freeze(
        [c.pk for c in credentials],
        actor,
        issued_on=issued_on,
        final_qualification=final_qualification,
    )
    if not records:
        return results
    # The issue time is taken before the documents are made, so the digital twin inside each
    # one states the issued_at the record will keep.
    issued_at = timezone.now()
    for record in records:
        record.issued_at = issued_at
    # Made from the frozen records before any document is signed. One that cannot be made
    # (the badge key locked) never stops an issue: the documents go without it, and the
    # digital credentials follow from the background task as before.
    try:
        twins = twins_make(records)
    except Exception:
        logger.exception("Issued documents made without their digital credential")
        twins = {}
    rendered = {}
    for record in records:
        try:
            rendered[record.credential_id] = batch.render_signed(
                record, twin=twins.get(record.credential_id)
            )
        except RenderError as exc:  # the template's own reason (too slow, too much memory…)
            rendered[record.credential_id] = str(exc)
        except (OperationalError, InterfaceError):
            raise  # the database, not the credential: the run tries it again
        except Exception as exc:  # one credential's failure must not stop the group
            rendered[record.credential_id] = f"{type(exc).__name__}: {exc}"
    now = timezone.now()
    by_credential = {record.credential_id: record for record in records}
    with transaction.atomic():
        locked = Credential.objects.select_for_update().filter(pk__in=list(rendered)).order_by("pk")
        # Each record as this attempt froze it: one written again since (by an issuer that
        # took over an expired claim) does not match this attempt's document.
        frozen = dict(
            CredentialIssuance.objects.select_for_update()
            .filter(credential_id__in=list(rendered))
            .values_list("credential_id", "frozen_at")
        )
        transitions = lifecycle.Transitions(actor)
        untouched, completed = [], []
        for credential in locked:
            outcome = rendered[credential.pk]
            record = by_credential[credential.pk]
            credential.issue_claimed_until = None
            credential.updated_at = now
            if isinstance(outcome, str):
                credential.failure_message = outcome
                results[credential.pk] = (FAILED, outcome)
                untouched.append(credential)
                continue
            if credential.status not in ISSUABLE:
                results[credential.pk] = (SKIPPED, f"Now {credential.get_status_display()}.")
                untouched.append(credential)
                continue
            if frozen.get(credential.pk) != record.frozen_at:
                results[credential.pk] = (SKIPPED, BEING_ISSUED)
                untouched.append(credential)
                continue
            sha256 = hashlib.sha256(outcome).hexdigest()
            credential.document.save(f"{record.number}.pdf", ContentFile(outcome), save=False)
            credential.document_sha256 = sha256
            credential.template_version_id = record.template_version_id
            credential.issued_on = record.issued_on
            credential.issued_at = issued_at
            credential.issued_by = actor
            credential.issuing_officer_id = credential.issuing_officer_id or actor.pk
            credential.final_qualification = record.final_qualification
            credential.failure_message = ""
            if status_reason:
                credential.status_reason = status_reason
            record.document_sha256 = sha256
            record.issued_at = issued_at
            record.issued_by = actor
            completed.append(record)
            transitions.apply(
                credential,
                "issue",
                reason=status_reason,
                data={
                    "run": run_id,
                    "sha256": sha256,
                    "final_qualification": record.final_qualification,
                    **options.event_data(),
                    # What it says, for verify_event_log to replay against the register.
                    "facts": credential.issued_facts(),
                },
            )
            results[credential.pk] = (DONE, "")
        rows_update(untouched, ["issue_claimed_until", "updated_at", "failure_message"])
        # The record is completed before the credential becomes Issued: followers read it.
        CredentialIssuance.objects.bulk_update(
            completed, ["document_sha256", "issued_at", "issued_by"]
        )
        if transitions:
            transitions.commit(
                fields=[
                    "issue_claimed_until",
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
                ]
            )
    return results


def credential_issue(
    *, actor, credential: Credential, options: IssueOptions, run_id: int | None = None
) -> tuple[str, str]:
    """Issue one credential. Returns ("done", "") or (status, reason)."""
    results = credentials_issue(
        actor=actor, credentials=[credential], options=options, run_id=run_id
    )
    return results[credential.pk]
