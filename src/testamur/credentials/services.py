"""Every change to a credential: one function per use case, each writing an event (rule 7)."""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from testamur.credentials import lifecycle
from testamur.credentials.models import (
    Credential,
    CredentialStatus,
    CredentialTemplate,
    RunKind,
    fact_value,
)
from testamur.credentials.states import IllegalTransition
from testamur.qualifications.models import QualificationEnrolment
from testamur.training.models import CourseEnrolment

REASON_REQUIRED = "Enter a reason: it is kept in the register for auditors."
TEMPLATE_UNAVAILABLE = "The template {name} has no active version and cannot be used."
ONLY_REQUESTED_DELETABLE = (
    "Only a credential that is still Requested can be deleted; this one is {status}. "
    "Cancel it with a reason instead."
)
STALE = (
    "{credential} changed since you loaded the page (it is now {status}). "
    "Reload the page and try again."
)
ALREADY_HAS = "{learner} already has {kind} {number} ({status}) for this enrolment."
ALREADY_REPLACED = "This credential has already been replaced by {number}."
ONLY_ISSUED_REISSUABLE = (
    "Only an issued credential (or an issued one since cancelled and not yet replaced) "
    "can be re-issued; this one is {status}."
)
GENERATING_NOW = "Generating them now (run {run}): they are ready to issue in a few seconds."
NOT_FOUND = "{count} selected credential(s) no longer exist and were ignored."

PERM_REQUEST = "credentials.request_credential"
PERM_ISSUE = "credentials.issue_credential"
PERM_CANCEL = "credentials.cancel_credential"
PERM_DELETE = "credentials.delete_credential"


class StaleCredential(ValidationError):
    pass


@dataclass
class BulkOutcome:
    """What a bulk action did, for the summary message ("47 issued, 3 skipped: …")."""

    verb: str
    done: list = field(default_factory=list)
    skipped: list[tuple[object, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def reasons(self) -> str:
        """Why items were skipped, the first ten spelled out."""
        reasons = "; ".join(f"{item}: {reason}" for item, reason in self.skipped[:10])
        more = f" (and {len(self.skipped) - 10} more)" if len(self.skipped) > 10 else ""
        return reasons + more

    def summary(self) -> str:
        text = f"{len(self.done)} {self.verb}"
        if self.skipped:
            text += f", {len(self.skipped)} skipped: {self.reasons()}"
        return " ".join([text + ".", *self.notes])


def require(actor, perm: str) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied


def check_revision(credential: Credential, revision: int | None) -> None:
    if revision is not None and credential.revision != revision:
        raise StaleCredential(
            STALE.format(credential=credential, status=credential.get_status_display())
        )


def _existing_active(source: dict, template: CredentialTemplate):
    return (
        Credential.objects.filter(**source, credential_type=template.credential_type)
        .exclude(status=CredentialStatus.CANCELLED)
        .first()
    )


def credential_request(
    *,
    actor,
    course_enrolment: CourseEnrolment | None = None,
    template: CredentialTemplate,
    credential_date: date,
    issuing_officer=None,
    status_reason: str = "",
    replaces: Credential | None = None,
    qualification_enrolment: QualificationEnrolment | None = None,
    generate: bool = False,
) -> Credential:
    """Request one credential for a course or a qualification enrolment.

    With `generate` its generation is queued at once (a background run), so it moves on to
    Generated (awaiting issue) by itself; the pages and the API ask for that. Requests from a
    qualification enrolment go through credentials/qualification_requests.py, which checks the
    audit first.
    """
    require(actor, PERM_REQUEST)
    if template.active_version is None or not template.is_available:
        raise ValidationError(TEMPLATE_UNAVAILABLE.format(name=template.name))
    enrolment = qualification_enrolment or course_enrolment
    source = (
        {"qualification_enrolment": qualification_enrolment}
        if qualification_enrolment
        else {"course_enrolment": course_enrolment}
    )
    with transaction.atomic():
        # Lock the enrolment so two clicks cannot request the same credential twice.
        type(enrolment).objects.select_for_update().get(pk=enrolment.pk)
        existing = _existing_active(source, template)
        if existing and existing != replaces:
            raise ValidationError(
                ALREADY_HAS.format(
                    learner=enrolment.learner.full_name,
                    kind=existing.get_credential_type_display(),
                    number=existing.number or "(not yet numbered)",
                    status=existing.get_status_display(),
                )
            )
        course_id = (
            qualification_enrolment.qualification_id
            if qualification_enrolment
            else course_enrolment.offer.course_id
        )
        credential = Credential(
            credential_type=template.credential_type,
            template=template,
            learner_id=enrolment.learner_id,
            course_id=course_id,
            offer_id=course_enrolment.offer_id if course_enrolment else None,
            **source,
            credential_date=credential_date,
            issuing_officer=issuing_officer,
            status_reason=status_reason,
            replaces=replaces,
            created_by=actor,
            updated_by=actor,
        )
        credential.full_clean()
        credential.save()
        lifecycle.credential_requested(
            credential,
            actor=actor,
            reason=status_reason,
            data={
                "template": template.name,
                **{name: value.pk for name, value in source.items()},
                "replaces": replaces.number if replaces else None,
            },
        )
        if generate:
            generation_start(actor=actor, credentials=[credential])
    return credential


def generation_start(*, actor, credentials: list[Credential]):
    """Queue the generation of newly requested credentials (one background run)."""
    # runs.py builds on this module, so it is imported where it is needed.
    from testamur.credentials.runs import run_start

    run, _ = run_start(actor=actor, kind=RunKind.GENERATE, credentials=credentials)
    return run


def credential_request_bulk(
    *,
    actor,
    course_enrolments,
    template: CredentialTemplate,
    credential_date: date,
    issuing_officer=None,
    status_reason: str = "",
    generate: bool = False,
    also: CredentialTemplate | None = None,
) -> BulkOutcome:
    """Request one credential per enrolment (and one of `also`, a record of results with a
    testamur, say); with `generate`, all generated in one run."""
    outcome = BulkOutcome(verb="requested")
    for enrolment in course_enrolments:
        for each in [template, also] if also else [template]:
            try:
                credential = credential_request(
                    actor=actor,
                    course_enrolment=enrolment,
                    template=each,
                    credential_date=credential_date,
                    issuing_officer=issuing_officer,
                    status_reason=status_reason,
                )
            except ValidationError as exc:
                outcome.skipped.append((enrolment.learner.full_name, " ".join(exc.messages)))
            else:
                outcome.done.append(credential)
    if generate and outcome.done:
        run = generation_start(actor=actor, credentials=outcome.done)
        outcome.notes.append(GENERATING_NOW.format(run=run.pk))
    return outcome


def credential_delete(*, actor, credential: Credential, revision: int | None = None) -> None:
    """Delete a credential that was requested by mistake. Nothing else may ever be deleted."""
    require(actor, PERM_DELETE)
    with transaction.atomic():
        credential = Credential.objects.select_for_update().get(pk=credential.pk)
        check_revision(credential, revision)
        if not credential.is_deletable:
            raise ValidationError(
                ONLY_REQUESTED_DELETABLE.format(status=credential.get_status_display())
            )
        lifecycle.credential_deleted(credential, actor=actor)


def credential_cancel(
    *, actor, credential: Credential, reason: str, revision: int | None = None
) -> Credential:
    require(actor, PERM_CANCEL)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    with transaction.atomic():
        credential = Credential.objects.select_for_update().get(pk=credential.pk)
        check_revision(credential, revision)
        credential.status_reason = reason
        credential.cancelled_at = timezone.now()
        credential.cancelled_by = actor
        transitions = lifecycle.Transitions(actor)
        transitions.apply(
            credential,
            "cancel",
            reason=reason,
            data={"cancelled_at": fact_value(credential.cancelled_at)},
        )
        transitions.commit(fields=["status_reason", "cancelled_at", "cancelled_by"])
    return credential


def credential_cancel_bulk(
    *, actor, credentials, reason: str, revisions: dict[int, int] | None = None
) -> BulkOutcome:
    require(actor, PERM_CANCEL)
    if not (reason or "").strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    outcome = BulkOutcome(verb="cancelled")
    revisions = revisions or {}
    for credential in credentials:
        try:
            credential_cancel(
                actor=actor,
                credential=credential,
                reason=reason,
                revision=revisions.get(credential.pk),
            )
        except (ValidationError, IllegalTransition) as exc:
            outcome.skipped.append((credential, _message(exc)))
        else:
            outcome.done.append(credential)
    return outcome


def credential_reissue(
    *,
    actor,
    credential: Credential,
    reason: str,
    credential_date: date | None = None,
    revision: int | None = None,
) -> Credential:
    """Request the replacement of an issued credential, linked to it (rule 2).

    An issued credential is cancelled first with `reason`; one already cancelled (and not yet
    replaced) keeps its cancellation and gets its replacement now. The replacement of a
    qualification enrolment's credential is generated straight away, as the enrolment's own
    requests are, so the enrolment moves on from Generating Credential by itself.
    """
    require(actor, PERM_CANCEL)
    require(actor, PERM_REQUEST)
    with transaction.atomic():
        locked = Credential.objects.select_for_update().get(pk=credential.pk)
        if not locked.is_reissuable:
            if locked.replacement:
                raise ValidationError(ALREADY_REPLACED.format(number=locked.replacement))
            raise ValidationError(ONLY_ISSUED_REISSUABLE.format(status=locked.get_status_display()))
        if locked.status == CredentialStatus.ISSUED:
            old = credential_cancel(
                actor=actor, credential=locked, reason=reason, revision=revision
            )
        else:
            check_revision(locked, revision)
            old = locked
        replacement = credential_request(
            actor=actor,
            course_enrolment=old.course_enrolment,
            qualification_enrolment=old.qualification_enrolment,
            template=old.template,
            credential_date=credential_date or timezone.localdate(),
            issuing_officer=old.issuing_officer,
            status_reason=f"Re-issue of {old.number}: {old.status_reason}",
            replaces=old,
            generate=True,
        )
    return replacement


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)
