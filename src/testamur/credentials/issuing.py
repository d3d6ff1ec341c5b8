"""Issuing one credential: number it, render and sign its document, store it, mark it Issued.

Safe under any number of concurrent issuers: the number is taken once under a row lock and
stays with the credential even if rendering fails; a short claim keeps other issuers from
rendering the same credential; the final switch to Issued re-checks the state under a lock,
so a credential is never issued twice.
"""

import hashlib
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from testamur.core.events import event_record
from testamur.core.numbering import number_take
from testamur.credentials import documents
from testamur.credentials.gates import evaluate_gates
from testamur.credentials.models import Credential, CredentialStatus, new_verification_code
from testamur.credentials.services import PERM_ISSUE, _transition, require
from testamur.organisation.models import Organisation
from testamur.training.models import CourseEnrolment

ALREADY_ISSUED = "Already issued."
BEING_ISSUED = "Being issued by another run at this moment."
CLAIM = timedelta(minutes=5)

DONE, SKIPPED = "done", "skipped"


def _claim_and_number(credential_id: int, actor) -> tuple[Credential | None, str]:
    """Lock, check, claim and (once) number the credential in one short transaction."""
    now = timezone.now()
    with transaction.atomic():
        credential = (
            Credential.objects.select_for_update(of=("self",))
            .select_related("learner", "course_enrolment__offer__course")
            .get(pk=credential_id)
        )
        if credential.status == CredentialStatus.ISSUED:
            return None, ALREADY_ISSUED
        if credential.issue_claimed_until and credential.issue_claimed_until > now:
            return None, BEING_ISSUED
        gate = evaluate_gates([credential])[credential.pk]
        if gate.blockers:
            return None, " ".join(gate.blockers)
        fields = ["issue_claimed_until", "updated_at"]
        credential.issue_claimed_until = now + CLAIM
        if credential.number is None:
            value = number_take(name="credential")
            credential.number = Organisation.load().credential_number_example(value)
            credential.verification_code = new_verification_code()
            fields += ["number", "verification_code"]
            event_record(
                actor=actor,
                subject_type="credential",
                subject_id=credential.pk,
                learner_id=credential.learner_id,
                action="numbered",
                data={"number": credential.number},
            )
        credential.save(update_fields=fields)
    return credential, ""


def _release_claim(credential_id: int) -> None:
    Credential.objects.filter(pk=credential_id).update(issue_claimed_until=None)


def credential_issue(
    *,
    actor,
    credential: Credential,
    issued_on: date,
    final_qualification: bool = False,
    status_reason: str = "",
    run_id: int | None = None,
) -> tuple[str, str]:
    """Issue one Generated credential. Returns ("done", "") or ("skipped", reason)."""
    require(actor, PERM_ISSUE)
    claimed, reason = _claim_and_number(credential.pk, actor)
    if claimed is None:
        return SKIPPED, reason
    try:
        pdf, version = documents.render_issued(claimed, issued_on=issued_on)
    except Exception:
        _release_claim(claimed.pk)
        raise
    digest = hashlib.sha256(pdf).hexdigest()
    with transaction.atomic():
        locked = Credential.objects.select_for_update().get(pk=claimed.pk)
        if locked.status != CredentialStatus.GENERATED:
            locked.issue_claimed_until = None
            locked.save(update_fields=["issue_claimed_until"])
            return SKIPPED, f"Now {locked.get_status_display()}."
        locked.document.save(f"{locked.number}.pdf", ContentFile(pdf), save=False)
        locked.document_sha256 = digest
        locked.template_version = version
        locked.issued_on = issued_on
        locked.issued_at = timezone.now()
        locked.issued_by = actor
        locked.issuing_officer = locked.issuing_officer or actor
        locked.final_qualification = final_qualification
        locked.issue_claimed_until = None
        locked.failure_message = ""
        if status_reason:
            locked.status_reason = status_reason
        _transition(
            locked,
            action="issue",
            actor=actor,
            reason=status_reason,
            data={"run": run_id, "sha256": digest, "final_qualification": final_qualification},
        )
        if final_qualification and locked.course_enrolment_id:
            _record_final_qualification(locked, issued_on, actor)
    return DONE, ""


def _record_final_qualification(credential: Credential, issued_on: date, actor) -> None:
    enrolment = CourseEnrolment.objects.select_for_update().get(pk=credential.course_enrolment_id)
    enrolment.qual_issued = True
    enrolment.parchment_number = credential.number
    enrolment.issued_date = issued_on
    enrolment.save(update_fields=["qual_issued", "parchment_number", "issued_date", "updated_at"])
    event_record(
        actor=actor,
        subject_type="course_enrolment",
        subject_id=enrolment.pk,
        learner_id=enrolment.learner_id,
        action="qualification_issued",
        data={"parchment_number": credential.number, "issued_date": issued_on.isoformat()},
    )
