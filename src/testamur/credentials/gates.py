"""Issue gates (DESIGN.md rule 3): every reason a credential may not be issued yet.

Evaluated in bulk for a page of credentials with a fixed number of queries, and again for each
credential at the moment of issue.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import models
from django.urls import reverse
from django.utils import timezone

from testamur.credentials.models import Credential, CredentialType
from testamur.credentials.states import ISSUABLE, IllegalTransition
from testamur.learners.usi_registry.services import latest_verifications
from testamur.organisation.models import Organisation, UsiGate
from testamur.organisation.selectors import organisation_missing_for_issue, organisation_today
from testamur.qualifications.models import QualificationEnrolment, QualificationStatus
from testamur.training.achievement import (
    achieved_outcome_codes,
    enrolment_unit_counts,
    units_achieved_in_future,
)

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
NRT_LOGO_PLACEHOLDER = (
    "The NRT logo in Settings is still the placeholder: upload the official Nationally "
    "Recognised Training logo before issuing a {kind}."
)
AQF_LOGO_PLACEHOLDER = (
    "The AQF logo in Settings is still the placeholder: upload the official Australian "
    "Qualifications Framework logo before issuing a Testamur."
)
UNITS_ACHIEVED_IN_FUTURE = (
    "Achieved with an end date in the future: {units}. A unit cannot be achieved before it "
    "ends: correct its end date or outcome."
)
# A qualification enrolment whose audit passed and whose credentials are on their way.
# Failed too: issuing generates its credentials again.
AUDIT_PASSED_STATUSES = (
    QualificationStatus.READY,
    QualificationStatus.FAILED,
    QualificationStatus.GENERATING,
    QualificationStatus.AWAITING_ISSUE,
)

NEEDS_ACHIEVED_UNIT = {CredentialType.STATEMENT_OF_ATTAINMENT}
NEEDS_QUALIFICATION = {CredentialType.TESTAMUR, CredentialType.RECORD_OF_RESULTS}
# Documents that state what was achieved (DESIGN.md rule 4: the NRT logo on the first two, the
# AQF logo on testamurs).
STATES_ACHIEVEMENT = NEEDS_ACHIEVED_UNIT | NEEDS_QUALIFICATION | {CredentialType.TRANSCRIPT}
NEEDS_NRT_LOGO = {CredentialType.TESTAMUR, CredentialType.STATEMENT_OF_ATTAINMENT}
NEEDS_AQF_LOGO = {CredentialType.TESTAMUR}


class Fix(models.TextChoices):
    """Where the person goes to put a blocker right, and the link's words."""

    CREDENTIAL = "credential", "Open the credential"
    USI = "usi", "Verify the USI"
    SETTINGS = "settings", "Open Settings"
    OUTCOMES = "outcomes", "Correct the unit outcomes"
    QUALIFICATION = "qualification", "Open the qualification enrolment"


class Blocker(str):
    """A reason a credential may not be issued: shown as the text it is, and knows its fix."""

    fix: Fix

    def __new__(cls, message: str, fix: Fix = Fix.CREDENTIAL):
        blocker = super().__new__(cls, message)
        blocker.fix = fix
        return blocker


class SkipReason(str):
    """Why a run skipped a credential: the blockers' text together, and each blocker."""

    parts: list[str]

    def __new__(cls, parts: list[str]):
        reason = super().__new__(cls, " ".join(parts))
        reason.parts = list(parts)
        return reason


def skip_reasons(message: str) -> list[dict]:
    """A skip message as [{"reason", "fix"}]: each blocker, or the message itself."""
    parts = getattr(message, "parts", None) or ([message] if message else [])
    return [{"reason": str(p), "fix": str(getattr(p, "fix", Fix.CREDENTIAL))} for p in parts]


def fix_url(fix: str, credential: Credential) -> str:
    """The page that puts a blocker of this credential right."""
    if fix == Fix.USI:
        return reverse("learners:verify_usi", args=[credential.learner_id])
    if fix == Fix.SETTINGS:
        return reverse("organisation:settings")
    if fix == Fix.OUTCOMES and credential.course_enrolment_id:
        return reverse("training:enrolment_detail", args=[credential.course_enrolment_id])
    if fix == Fix.OUTCOMES:
        return reverse("learners:enrolments", args=[credential.learner_id])
    if fix == Fix.QUALIFICATION and credential.qualification_enrolment_id:
        args = [credential.qualification_enrolment_id]
        return reverse("qualifications:enrolment_detail", args=args)
    return reverse("credentials:detail", args=[credential.pk])


def fix_label(fix: str) -> str:
    return Fix(fix).label if fix in Fix.values else Fix.CREDENTIAL.label


@dataclass
class GateResult:
    blockers: list[Blocker] = field(default_factory=list)
    warnings: list[Blocker] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.blockers

    def skip_reason(self) -> SkipReason:
        return SkipReason(self.blockers)


def evaluate_gates(
    credentials: list[Credential], *, organisation: Organisation | None = None
) -> dict[int, GateResult]:
    """Gate results keyed by credential id. Credentials need learner and course enrolment loaded.
    `organisation`: the one the caller has loaded already, if any."""
    organisation = organisation or Organisation.load()
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
    future = _units_achieved_in_future(credentials, qualification_enrolments)
    results: dict[int, GateResult] = {}
    for credential in credentials:
        result = GateResult()
        if credential.status not in ISSUABLE:  # issued already, or cancelled
            result.blockers.append(Blocker(str(IllegalTransition("issue", credential.status))))
        learner = credential.learner
        if not learner.usi_cleared_for_issue:
            message = Blocker(
                USI_NOT_CLEARED.format(status=learner.get_usi_status_display()), Fix.USI
            )
            answer = registry_answers.get(learner.pk)
            if answer:
                message = Blocker(
                    message
                    + USI_REGISTRY_ANSWER.format(
                        date=timezone.localtime(answer.requested_at).strftime("%d/%m/%Y"),
                        summary=answer.summary(),
                    ),
                    Fix.USI,
                )
            if organisation.usi_gate == UsiGate.BLOCK:
                result.blockers.append(message)
            else:
                result.warnings.append(message)
        if missing:
            result.blockers.append(
                Blocker(SETTINGS_MISSING.format(missing=", ".join(missing)), Fix.SETTINGS)
            )
        _check_official_logos(credential, organisation, result)
        if credential.qualification_enrolment_id:
            _check_qualification_audit(
                credential, qualification_enrolments[credential.qualification_enrolment_id], result
            )
        else:
            _check_results(credential, counts, codes, result)
        if credential.pk in future:
            units = ", ".join(future[credential.pk])
            result.blockers.append(
                Blocker(UNITS_ACHIEVED_IN_FUTURE.format(units=units), Fix.OUTCOMES)
            )
        results[credential.pk] = result
    return results


def _check_official_logos(credential, organisation: Organisation, result: GateResult) -> None:
    """Placeholders may be previewed, never issued (DESIGN.md rule 4)."""
    kind = credential.credential_type
    if kind in NEEDS_NRT_LOGO and not organisation.nrt_logo:
        message = NRT_LOGO_PLACEHOLDER.format(kind=credential.get_credential_type_display())
        result.blockers.append(Blocker(message, Fix.SETTINGS))
    if kind in NEEDS_AQF_LOGO and not organisation.aqf_logo:
        result.blockers.append(Blocker(AQF_LOGO_PLACEHOLDER, Fix.SETTINGS))


def _units_achieved_in_future(credentials, qualification_enrolments) -> dict[int, list[str]]:
    """Credential id → "UNIT (ends DD/MM/YYYY)" for each achieved unit it rests on that ends
    after today. From a course enrolment: its units; from a qualification enrolment: the
    learner's units its audit counted."""
    stating = [c for c in credentials if c.credential_type in STATES_ACHIEVEMENT]
    if not stating:
        return {}
    by_enrolment, by_learner = defaultdict(list), defaultdict(list)
    rows = units_achieved_in_future(
        today=organisation_today(),
        enrolment_ids={c.course_enrolment_id for c in stating if c.course_enrolment_id},
        learner_ids={c.learner_id for c in stating if c.qualification_enrolment_id},
    )
    for ue in rows:
        shown = f"{ue.unit.code} (ends {ue.end_date.strftime('%d/%m/%Y')})"
        by_enrolment[ue.course_enrolment_id].append(shown)
        by_learner[ue.course_enrolment.learner_id].append((ue.unit.code, shown))
    found = {}
    for credential in stating:
        if credential.course_enrolment_id:
            units = by_enrolment.get(credential.course_enrolment_id, [])
        else:
            enrolment = qualification_enrolments[credential.qualification_enrolment_id]
            explanation = enrolment.audit_explanation
            counted = explanation.get("counted_units", []) if isinstance(explanation, dict) else []
            units = [
                shown
                for code, shown in by_learner.get(credential.learner_id, [])
                if code in counted
            ]
        if units:
            found[credential.pk] = units
    return found


def _check_results(credential, counts, codes, result: GateResult) -> None:
    kind = credential.credential_type
    if kind not in NEEDS_ACHIEVED_UNIT | NEEDS_QUALIFICATION:
        return
    if not credential.course_enrolment_id:
        result.blockers.append(Blocker(NO_SOURCE))
        return
    achieved, total = counts.get(credential.course_enrolment_id, (0, 0))
    if kind in NEEDS_ACHIEVED_UNIT and achieved == 0:
        result.blockers.append(Blocker(NO_COMPETENT_UNITS.format(codes=codes), Fix.OUTCOMES))
    if kind in NEEDS_QUALIFICATION:
        course = credential.course_enrolment.offer.course
        if not course.is_qualification:
            message = NOT_A_QUALIFICATION.format(
                kind=credential.get_credential_type_display(), course=course.code
            )
            result.blockers.append(Blocker(message))
        elif total == 0 or achieved < total:
            message = QUALIFICATION_NOT_MET.format(count=total - achieved, total=total)
            result.blockers.append(Blocker(message, Fix.OUTCOMES))


def _check_qualification_audit(credential, enrolment, result: GateResult) -> None:
    """A testamur or record of results from a qualification enrolment needs its audit passed."""
    if credential.credential_type not in NEEDS_QUALIFICATION:
        return
    if not enrolment.audit_passed:
        outcome = enrolment.get_audit_outcome_display() or "not audited"
        message = QUALIFICATION_AUDIT_NOT_PASSED.format(outcome=outcome)
        result.blockers.append(Blocker(message, Fix.QUALIFICATION))
    elif enrolment.status not in AUDIT_PASSED_STATUSES:
        message = QUALIFICATION_ENROLMENT_NOT_READY.format(status=enrolment.get_status_display())
        result.blockers.append(Blocker(message, Fix.QUALIFICATION))


def gates_for(credential: Credential) -> GateResult:
    return evaluate_gates([credential])[credential.pk]
