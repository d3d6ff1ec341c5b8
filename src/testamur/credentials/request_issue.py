"""Request and issue in one go: "everyone who finished" an offer or a qualification.

The plan says, before anything starts, what each selected enrolment will get (by what it
earned: a testamur and a record of results for a completed qualification, a Statement of
Attainment for at least one achieved unit) and what will be left out and why. Starting it
requests what is missing and issues everything planned in one Issue run, which generates and
signs each document; if the run cannot start (its options are refused), nothing is requested.
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from testamur.credentials.gates import Fix, evaluate_gates, fix_label, fix_url
from testamur.credentials.issue_options import IssueOptions
from testamur.credentials.models import (
    Credential,
    CredentialStatus,
    CredentialTemplate,
    CredentialType,
    GenerationRun,
    RunKind,
)
from testamur.credentials.qualification_requests import (
    NOT_READY,
    credential_request_for_qualification,
)
from testamur.credentials.runs import run_start
from testamur.credentials.selectors import templates_available
from testamur.credentials.services import (
    PERM_ISSUE,
    PERM_REQUEST,
    BulkOutcome,
    credential_request,
    require,
)
from testamur.qualifications.models import QualificationEnrolment, QualificationStatus
from testamur.training.achievement import enrolment_unit_counts
from testamur.training.models import CourseEnrolment

NOTHING_EARNED = "No achieved unit: there is nothing to issue."
ALREADY_ISSUED = "Already issued: {kind} {number}."
NO_TEMPLATE = "No {kind} template is available: make one available under Credential templates."
NOTHING_TO_ISSUE = "Nothing can be issued: every selected enrolment is left out (see why below)."

QUALIFICATION_KINDS = (CredentialType.TESTAMUR, CredentialType.RECORD_OF_RESULTS)


@dataclass
class Planned:
    """One credential the plan will issue (or leave out, with its reasons)."""

    learner: str
    client_id: str
    label: str
    enrolment: CourseEnrolment | QualificationEnrolment
    credential: Credential | None = None  # an existing one, or one still to request
    template: CredentialTemplate | None = None
    reasons: list[dict] = field(default_factory=list)

    @property
    def is_new(self) -> bool:
        return self.credential is not None and self.credential.pk is None

    @property
    def ok(self) -> bool:
        return not self.reasons


@dataclass
class Plan:
    rows: list[Planned]

    @property
    def issuing(self) -> list[Planned]:
        return [row for row in self.rows if row.ok]

    @property
    def left_out(self) -> list[Planned]:
        return [row for row in self.rows if not row.ok]

    @property
    def to_request(self) -> int:
        return sum(1 for row in self.issuing if row.is_new)


def earned_kinds(course, achieved: int, total: int) -> list[str]:
    """What a course enrolment earned: testamur + record of results, a SoA, or nothing."""
    if course.is_qualification and total and achieved == total:
        return list(QUALIFICATION_KINDS)
    if achieved:
        return [CredentialType.STATEMENT_OF_ATTAINMENT]
    return []


def _enrolment_url(enrolment) -> str:
    if isinstance(enrolment, QualificationEnrolment):
        return reverse("qualifications:enrolment_detail", args=[enrolment.pk])
    return reverse("training:enrolment_detail", args=[enrolment.pk])


def _reason(text: str, enrolment, fix: str = Fix.OUTCOMES) -> dict:
    return {"reason": text, "fix_url": _enrolment_url(enrolment), "fix_label": fix_label(fix)}


def _row(enrolment, kind: str, **values) -> Planned:
    return Planned(
        learner=enrolment.learner.full_name,
        client_id=enrolment.learner.client_id,
        label=CredentialType(kind).label if kind else "—",
        enrolment=enrolment,
        **values,
    )


def _existing(source: dict) -> dict[tuple[int, str], Credential]:
    """Live credentials of these enrolments by (enrolment id, type)."""
    name = next(iter(source))
    found = {}
    for credential in (
        Credential.objects.filter(**{f"{name}__in": source[name]})
        .exclude(status=CredentialStatus.CANCELLED)
        .select_related("learner", "course", "course_enrolment__offer__course")
    ):
        found[(getattr(credential, f"{name}_id"), credential.credential_type)] = credential
    return found


def _planned_credential(row: Planned, kind: str, existing: Credential | None, templates, **source):
    """The row's credential: the live one to issue, a new one to request, or a reason."""
    if existing is not None:
        if existing.status == CredentialStatus.ISSUED:
            text = ALREADY_ISSUED.format(
                kind=existing.get_credential_type_display(), number=existing.number
            )
            row.reasons.append(_reason(text, row.enrolment, Fix.CREDENTIAL))
            row.reasons[-1]["fix_url"] = reverse("credentials:detail", args=[existing.pk])
        else:
            row.credential = existing
        return
    template = templates.get(kind)
    if template is None:
        row.reasons.append(
            {
                "reason": NO_TEMPLATE.format(kind=CredentialType(kind).label),
                "fix_url": reverse("credentials:template_list"),
                "fix_label": "Open Credential templates",
            }
        )
        return
    row.template = template
    enrolment = row.enrolment
    row.credential = Credential(
        credential_type=kind,
        template=template,
        learner=enrolment.learner,
        course=source.get("course"),
        course_enrolment=source.get("course_enrolment"),
        qualification_enrolment=source.get("qualification_enrolment"),
    )


def _templates() -> dict[str, CredentialTemplate]:
    found = {}
    for template in templates_available():
        found.setdefault(template.credential_type, template)
    return found


def _gate(rows: list[Planned]) -> None:
    """Add each planned credential's issue gates to its reasons. Credentials still to request
    get a stand-in id (negative: never a row's) for the evaluation only."""
    planned = [row for row in rows if row.credential is not None and not row.reasons]
    keys = []
    for number, row in enumerate(planned, start=1):
        if row.credential.pk is None:
            row.credential.pk = -number
        keys.append(row.credential.pk)
    try:
        gates = evaluate_gates([row.credential for row in planned])
    finally:
        for row in planned:
            if row.credential.pk < 0:
                row.credential.pk = None
    for row, key in zip(planned, keys, strict=True):
        for blocker in gates[key].blockers:
            if key < 0 and blocker.fix == Fix.CREDENTIAL:
                url = _enrolment_url(row.enrolment)
            else:
                url = fix_url(blocker.fix, row.credential)
            row.reasons.append(
                {"reason": str(blocker), "fix_url": url, "fix_label": fix_label(blocker.fix)}
            )


def plan_for_course_enrolments(enrolments: list[CourseEnrolment]) -> Plan:
    """What "request and issue" would do for these course enrolments (one offer's)."""
    counts = enrolment_unit_counts({e.pk for e in enrolments})
    existing = _existing({"course_enrolment": [e.pk for e in enrolments]})
    templates = _templates()
    rows = []
    for enrolment in enrolments:
        course = enrolment.offer.course
        kinds = earned_kinds(course, *counts.get(enrolment.pk, (0, 0)))
        if not kinds:
            rows.append(_row(enrolment, "", reasons=[_reason(NOTHING_EARNED, enrolment)]))
            continue
        for kind in kinds:
            row = _row(enrolment, kind)
            _planned_credential(
                row,
                kind,
                existing.get((enrolment.pk, kind)),
                templates,
                course=course,
                course_enrolment=enrolment,
            )
            rows.append(row)
    _gate(rows)
    return Plan(rows)


def plan_for_qualification_enrolments(enrolments: list[QualificationEnrolment]) -> Plan:
    """What "request and issue" would do for these qualification enrolments."""
    existing = _existing({"qualification_enrolment": [e.pk for e in enrolments]})
    templates = _templates()
    rows = []
    for enrolment in enrolments:
        waiting = enrolment.status in (
            QualificationStatus.GENERATING,
            QualificationStatus.AWAITING_ISSUE,
            QualificationStatus.FAILED,
            QualificationStatus.ISSUED,
        )
        if enrolment.status != QualificationStatus.READY and not waiting:
            text = NOT_READY.format(
                learner=enrolment.learner.full_name,
                status=enrolment.get_status_display(),
                qualification=enrolment.qualification.code,
            )
            rows.append(_row(enrolment, "", reasons=[_reason(text, enrolment, Fix.QUALIFICATION)]))
            continue
        for kind in QUALIFICATION_KINDS:
            row = _row(enrolment, kind)
            found = existing.get((enrolment.pk, kind))
            if found is None and waiting:
                continue  # the enrolment's credentials are on their way without this one
            _planned_credential(
                row,
                kind,
                found,
                templates,
                course=enrolment.qualification,
                qualification_enrolment=enrolment,
            )
            rows.append(row)
    _gate(rows)
    return Plan(rows)


def credentials_request_and_issue(
    *, actor, plan: Plan, options: IssueOptions, credential_date: date
) -> tuple[GenerationRun, BulkOutcome]:
    """Request what the plan still needs and issue all it planned in one Issue run.

    All or nothing: if the run cannot start, the requests are rolled back with it.
    """
    require(actor, PERM_REQUEST)
    require(actor, PERM_ISSUE)
    if not plan.issuing:
        raise ValidationError(NOTHING_TO_ISSUE)
    credentials: list[Credential] = []
    requested_for = set()
    with transaction.atomic():
        for row in plan.issuing:
            if not row.is_new:
                credentials.append(row.credential)
                continue
            enrolment = row.enrolment
            if isinstance(enrolment, QualificationEnrolment):
                if enrolment.pk in requested_for:
                    continue
                requested_for.add(enrolment.pk)
                credentials += credential_request_for_qualification(
                    actor=actor,
                    qualification_enrolment=enrolment,
                    credential_date=credential_date,
                    testamur_template=_template_of(plan, enrolment, CredentialType.TESTAMUR),
                    record_template=_template_of(plan, enrolment, CredentialType.RECORD_OF_RESULTS),
                    generate=False,
                )
            else:
                credentials.append(
                    credential_request(
                        actor=actor,
                        course_enrolment=enrolment,
                        template=row.template,
                        credential_date=credential_date,
                    )
                )
        run, outcome = run_start(
            actor=actor, kind=RunKind.ISSUE, credentials=credentials, options=options
        )
        left_out = [
            {"learner": row.learner, "client_id": row.client_id, "label": row.label, **reason}
            for row in plan.left_out
            for reason in row.reasons
        ]
        if left_out:
            # Kept with the run, so its page lists what was left out before it started too.
            run.options = {**run.options, "left_out": left_out}
            run.save(update_fields=["options"])
    return run, outcome


def _template_of(plan: Plan, enrolment, kind: str) -> CredentialTemplate | None:
    for row in plan.rows:
        if row.enrolment is enrolment and row.template and row.template.credential_type == kind:
            return row.template
    return None
