"""Issue gates (DESIGN.md rule 3): every reason a credential may not be issued yet.

Evaluated in bulk for a page of credentials with a fixed number of queries, and again for each
credential at the moment of issue.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from testamur.credentials.models import Credential, CredentialStatus, CredentialType
from testamur.learners.usi_registry.services import latest_verifications
from testamur.organisation.models import Organisation, UsiGate
from testamur.organisation.selectors import organisation_missing_for_issue
from testamur.qualifications.models import QualificationEnrolment, QualificationStatus
from testamur.training.achievement import achieved_outcome_codes, enrolment_unit_counts

NOT_GENERATED = "Not generated yet: preview (generate) it before issuing."
USI_NOT_CLEARED = "USI not verified and no exemption recorded (status: {status})."
# Added to the USI reason when the registry has been asked: its latest answer.
USI_REGISTRY_ANSWER = " USI Registry System on {date}: {summary}"
SETTINGS_MISSING = "Organisation settings incomplete: {missing}."
NO_COMPETENT_UNITS = "No competent units — outcomes {codes} required."
QUALIFICATION_NOT_MET = "Qualification requirements not met: {count} of {total} units not achieved."
NOT_A_QUALIFICATION = "{kind} needs a qualification; {course} is not a qualification."
NO_SOURCE = "No enrolment to take results from."
QUALIFICATION_AUDIT_NOT_PASSED = (
    "Qualification audit not passed ({outcome}): audit the qualification enrolment again once "
    "its units are achieved."
)
QUALIFICATION_ENROLMENT_NOT_READY = (
    "The qualification enrolment is {status}, so its credentials cannot be issued now."
)
# A qualification enrolment whose audit passed and whose credentials are on their way.
AUDIT_PASSED_STATUSES = (
    QualificationStatus.READY,
    QualificationStatus.GENERATING,
    QualificationStatus.AWAITING_ISSUE,
)

NEEDS_ACHIEVED_UNIT = {CredentialType.STATEMENT_OF_ATTAINMENT}
NEEDS_QUALIFICATION = {CredentialType.TESTAMUR, CredentialType.RECORD_OF_RESULTS}


@dataclass
class GateResult:
    blockers: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.blockers


def evaluate_gates(
    credentials: list[Credential], *, require_generated: bool = True
) -> dict[int, GateResult]:
    """Gate results keyed by credential id. Credentials need learner and course enrolment loaded."""
    organisation = Organisation.load()
    missing = organisation_missing_for_issue(organisation)
    codes = ", ".join(achieved_outcome_codes(organisation.jurisdiction))
    counts = enrolment_unit_counts(
        {c.course_enrolment_id for c in credentials if c.course_enrolment_id}
    )
    qualification_enrolments = QualificationEnrolment.objects.in_bulk(
        {c.qualification_enrolment_id for c in credentials if c.qualification_enrolment_id}
    )
    registry_answers = latest_verifications(
        {c.learner_id for c in credentials if not c.learner.usi_cleared_for_issue}
    )
    results: dict[int, GateResult] = {}
    for credential in credentials:
        result = GateResult()
        if require_generated and credential.status != CredentialStatus.GENERATED:
            result.blockers.append(NOT_GENERATED)
        learner = credential.learner
        if not learner.usi_cleared_for_issue:
            message = USI_NOT_CLEARED.format(status=learner.get_usi_status_display())
            answer = registry_answers.get(learner.pk)
            if answer:
                message += USI_REGISTRY_ANSWER.format(
                    date=timezone.localtime(answer.requested_at).strftime("%d/%m/%Y"),
                    summary=answer.summary(),
                )
            if organisation.usi_gate == UsiGate.BLOCK:
                result.blockers.append(message)
            else:
                result.warnings.append(message)
        if missing:
            result.blockers.append(SETTINGS_MISSING.format(missing=", ".join(missing)))
        if credential.qualification_enrolment_id:
            _check_qualification_audit(
                credential, qualification_enrolments[credential.qualification_enrolment_id], result
            )
        else:
            _check_results(credential, counts, codes, result)
        results[credential.pk] = result
    return results


def _check_results(credential, counts, codes, result: GateResult) -> None:
    kind = credential.credential_type
    if kind not in NEEDS_ACHIEVED_UNIT | NEEDS_QUALIFICATION:
        return
    if not credential.course_enrolment_id:
        result.blockers.append(NO_SOURCE)
        return
    achieved, total = counts.get(credential.course_enrolment_id, (0, 0))
    if kind in NEEDS_ACHIEVED_UNIT and achieved == 0:
        result.blockers.append(NO_COMPETENT_UNITS.format(codes=codes))
    if kind in NEEDS_QUALIFICATION:
        course = credential.course_enrolment.offer.course
        if not course.is_qualification:
            result.blockers.append(
                NOT_A_QUALIFICATION.format(
                    kind=credential.get_credential_type_display(), course=course.code
                )
            )
        elif total == 0 or achieved < total:
            result.blockers.append(
                QUALIFICATION_NOT_MET.format(count=total - achieved, total=total)
            )


def _check_qualification_audit(credential, enrolment, result: GateResult) -> None:
    """A testamur or record of results from a qualification enrolment needs its audit passed."""
    if credential.credential_type not in NEEDS_QUALIFICATION:
        return
    if not enrolment.audit_passed:
        outcome = enrolment.get_audit_outcome_display() or "not audited"
        result.blockers.append(QUALIFICATION_AUDIT_NOT_PASSED.format(outcome=outcome))
    elif enrolment.status not in AUDIT_PASSED_STATUSES:
        status = enrolment.get_status_display()
        result.blockers.append(QUALIFICATION_ENROLMENT_NOT_READY.format(status=status))


def gates_for(credential: Credential, *, require_generated: bool = True) -> GateResult:
    return evaluate_gates([credential], require_generated=require_generated)[credential.pk]
