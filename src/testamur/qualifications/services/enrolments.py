"""Qualification enrolments: enrol, audit (one or in bulk), switch major, transition to the
qualification that supersedes one. Following the enrolment's credentials' statuses is
credentials' part (credentials/qualification_status.py).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from testamur.core.events import EventRecord, event_record_many
from testamur.learners.models import Learner
from testamur.qualifications import selectors
from testamur.qualifications.audit import AuditResult, audit
from testamur.qualifications.models import (
    OPEN_STATUSES,
    PASSING_OUTCOMES,
    AuditOutcome,
    Major,
    PackagingRule,
    QualificationEnrolment,
    QualificationStatus,
)
from testamur.training.models import Course

NOT_A_QUALIFICATION = "{course} is a {kind}, not a qualification."
NO_PACKAGING_RULE = (
    "{qualification} has no packaging rules yet: an Admin sets them up on the qualification's "
    "Packaging rules tab first."
)
MAJOR_REQUIRED = "{qualification} has majors: choose the learner's major."
MAJOR_NOT_IN_QUALIFICATION = "{major} is not a major of {qualification}."
NO_MAJORS = "{qualification} has no majors; leave the major empty."
ALREADY_ENROLLED = "{learner} is already enrolled in {qualification} ({status})."
WITHDRAWN_NO_ACTIONS = "Withdrawn: there are no further actions for this enrolment."
SWITCH_TOO_LATE = (
    "The major cannot change now: the enrolment is {status}. Switch major before credentials "
    "are requested."
)
MAJOR_ALREADY_ASSIGNED = "{major} is already the assigned major."
MAJOR_NOT_ACHIEVED = "{major} is not achieved yet: {needs}."
NOT_SUPERSEDED = "{qualification} is not superseded by another qualification."
TRANSITION_TOO_LATE = (
    "Only an enrolment that is Not Yet Achieved or Ready to be Requested can move to another "
    "qualification; this one is {status}."
)
TRANSITION_DATE_FUTURE = "The transition date cannot be in the future."

# Enrolments audited per transaction: a lock, one query for units and one update each.
AUDIT_CHUNK = 500
AUDIT_FIELDS = [
    "audit_outcome",
    "audit_summary",
    "audit_explanation",
    "audited_at",
    "status",
    "updated_at",
]


@dataclass
class AuditTally:
    """What a bulk audit did, for the message shown after it."""

    audited: int = 0
    outcomes: Counter = field(default_factory=Counter)
    now_ready: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        text = f"Audited {self.audited} enrolment{'s' if self.audited != 1 else ''}"
        if self.outcomes:
            parts = [
                f"{AuditOutcome(outcome).label} {count}"
                for outcome, count in sorted(self.outcomes.items())
            ]
            text += f" ({', '.join(parts)})"
        text += "."
        if self.now_ready:
            text += f" {self.now_ready} now Ready to be Requested."
        if self.skipped:
            reasons = "; ".join(f"{who}: {why}" for who, why in self.skipped[:10])
            more = f" (and {len(self.skipped) - 10} more)" if len(self.skipped) > 10 else ""
            text += f" {len(self.skipped)} skipped: {reasons}{more}"
        return text


def _event(enrolment: QualificationEnrolment, *, actor, action: str, **kwargs) -> EventRecord:
    return EventRecord(
        actor=actor,
        subject_type="qualification_enrolment",
        subject_id=enrolment.pk,
        learner_id=enrolment.learner_id,
        action=action,
        **kwargs,
    )


def status_after_audit(status: str, outcome: str) -> str:
    """An audit moves an enrolment between Not Yet Achieved and Ready; later states stay."""
    if status not in OPEN_STATUSES:
        return status
    if outcome in PASSING_OUTCOMES:
        return QualificationStatus.READY
    return QualificationStatus.NOT_YET_ACHIEVED


def _apply(enrolment: QualificationEnrolment, result: AuditResult, *, actor, now):
    """Record an audit result on the enrolment; return the event when something changed."""
    old_status, old_outcome = enrolment.status, enrolment.audit_outcome
    enrolment.audit_outcome = result.outcome
    enrolment.audit_summary = result.summary[:500]
    enrolment.audit_explanation = result.as_dict()
    enrolment.audited_at = now
    enrolment.updated_at = now
    enrolment.status = status_after_audit(enrolment.status, result.outcome)
    if enrolment.status == old_status and result.outcome == old_outcome:
        return None
    changed = enrolment.status != old_status
    return _event(
        enrolment,
        actor=actor,
        action="audited",
        from_state=old_status if changed else "",
        to_state=enrolment.status if changed else "",
        data={"outcome": result.outcome.value, "summary": enrolment.audit_summary},
    )


def _audit_locked(rows, *, actor, specs: dict, tally: AuditTally) -> None:
    """Audit locked enrolment rows and save them with one bulk update."""
    missing = {row.qualification_id for row in rows} - specs.keys()
    if missing:
        found = selectors.rule_specs(missing)
        specs.update(
            {qualification_id: found.get(qualification_id) for qualification_id in missing}
        )
    achieved = selectors.achieved_codes({row.learner_id for row in rows})
    now = timezone.now()
    events, changed = [], []
    for row in rows:
        spec = specs[row.qualification_id]
        if row.status == QualificationStatus.WITHDRAWN:
            tally.skipped.append((row.learner.full_name, WITHDRAWN_NO_ACTIONS))
            continue
        if spec is None:
            reason = NO_PACKAGING_RULE.format(qualification=row.qualification.code)
            tally.skipped.append((row.learner.full_name, reason))
            continue
        was_ready = row.status == QualificationStatus.READY
        result = audit(
            spec,
            achieved.get(row.learner_id, ()),
            assigned_major=row.major.name if row.major_id else None,
        )
        event = _apply(row, result, actor=actor, now=now)
        if event:
            events.append(event)
        changed.append(row)
        tally.audited += 1
        tally.outcomes[result.outcome.value] += 1
        tally.now_ready += row.status == QualificationStatus.READY and not was_ready
    _save_audits(changed)
    event_record_many(events)


def _save_audits(rows: list[QualificationEnrolment]) -> None:
    """One UPDATE statement run for all rows (executemany).

    Django's bulk_update builds a CASE per field and row, which costs many times the audit
    itself on a large batch; the values still go through each field's own preparation.
    """
    if not rows:
        return
    meta = QualificationEnrolment._meta
    fields = [meta.get_field(name) for name in AUDIT_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    # Only quoted names from the model's own metadata go into the text; values are parameters.
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608
    params = [
        [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields]
        + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _ids(enrolments) -> list[int]:
    if isinstance(enrolments, QuerySet):
        return list(enrolments.order_by("pk").values_list("pk", flat=True))
    return sorted({enrolment.pk for enrolment in enrolments})


def qualification_enrolments_audit(*, actor, enrolments) -> AuditTally:
    """Audit enrolments (a list or a queryset of any size) against their packaging rules.

    Each chunk is one transaction with a fixed number of queries, whatever the number of
    units: lock the rows, read the learners' achieved units, bulk update, record the events.
    """
    ids = _ids(enrolments)
    tally = AuditTally()
    specs: dict = {}
    for start in range(0, len(ids), AUDIT_CHUNK):
        with transaction.atomic():
            rows = list(
                QualificationEnrolment.objects.select_for_update(of=("self",))
                .select_related("major")
                .defer("audit_explanation")  # replaced, never read: skip decoding it
                .filter(pk__in=ids[start : start + AUDIT_CHUNK])
                .order_by("pk")
            )
            _audit_locked(rows, actor=actor, specs=specs, tally=tally)
    return tally


def qualification_enrolment_audit(*, actor, enrolment: QualificationEnrolment) -> AuditTally:
    tally = qualification_enrolments_audit(actor=actor, enrolments=[enrolment])
    enrolment.refresh_from_db()
    return tally


def qualification_enrolments_audit_learner(*, actor, learner_id: int) -> AuditTally:
    """Audit a learner's enrolments again after one of their unit outcomes changed.

    Runs inside the caller's transaction, so the outcome and the audit commit together.
    """
    return qualification_enrolments_audit_learners(actor=actor, learner_ids={learner_id})


def qualification_enrolments_audit_learners(*, actor, learner_ids) -> AuditTally:
    """The same for many learners at once (finalising a course offer changes many outcomes)."""
    enrolments = QualificationEnrolment.objects.filter(learner_id__in=set(learner_ids)).exclude(
        status=QualificationStatus.WITHDRAWN
    )
    return qualification_enrolments_audit(actor=actor, enrolments=enrolments)


def qualification_enrolments_audit_qualification(*, actor, qualification: Course) -> AuditTally:
    """Audit every enrolment of a qualification again (its packaging rules changed)."""
    enrolments = QualificationEnrolment.objects.filter(qualification=qualification).exclude(
        status=QualificationStatus.WITHDRAWN
    )
    return qualification_enrolments_audit(actor=actor, enrolments=enrolments)


def _rule_of(qualification: Course) -> PackagingRule | None:
    return PackagingRule.objects.filter(qualification=qualification).first()


def _check_major(qualification: Course, rule: PackagingRule, major: Major | None) -> dict:
    has_majors = rule.majors.exists()
    if major is None:
        return (
            {"major": MAJOR_REQUIRED.format(qualification=qualification.code)} if has_majors else {}
        )
    if major.rule_id != rule.pk:
        message = MAJOR_NOT_IN_QUALIFICATION if has_majors else NO_MAJORS
        return {"major": message.format(major=major.name, qualification=qualification.code)}
    return {}


def _open_enrolment(learner_id: int, qualification: Course, exclude_pk=None):
    enrolments = QualificationEnrolment.objects.filter(
        learner_id=learner_id, qualification=qualification
    ).exclude(status=QualificationStatus.WITHDRAWN)
    if exclude_pk:
        enrolments = enrolments.exclude(pk=exclude_pk)
    return enrolments.first()


def _already_enrolled(enrolment: QualificationEnrolment, learner: Learner) -> str:
    return ALREADY_ENROLLED.format(
        learner=learner.full_name,
        qualification=enrolment.qualification.code,
        status=enrolment.get_status_display(),
    )


def qualification_enrolment_create(
    *, actor, learner: Learner, qualification: Course, major: Major | None = None
) -> QualificationEnrolment:
    """Enrol a learner in a qualification and audit them straight away."""
    if not qualification.is_qualification:
        raise ValidationError(
            {
                "qualification": NOT_A_QUALIFICATION.format(
                    course=qualification.code, kind=qualification.get_course_type_display().lower()
                )
            }
        )
    rule = _rule_of(qualification)
    if rule is None:
        raise ValidationError(
            {"qualification": NO_PACKAGING_RULE.format(qualification=qualification.code)}
        )
    errors = _check_major(qualification, rule, major)
    existing = _open_enrolment(learner.pk, qualification)
    if existing:
        errors["qualification"] = _already_enrolled(existing, learner)
    if errors:
        raise ValidationError(errors)
    enrolment = QualificationEnrolment(learner=learner, qualification=qualification, major=major)
    enrolment.full_clean(validate_constraints=False)
    with transaction.atomic():
        try:
            with transaction.atomic():
                enrolment.save()
        except IntegrityError as exc:  # a concurrent request enrolled them first
            raise ValidationError({"qualification": _already_enrolled(enrolment, learner)}) from exc
        event_record_many(
            [
                _event(
                    enrolment,
                    actor=actor,
                    action="created",
                    to_state=enrolment.status,
                    data={
                        "qualification": qualification.code,
                        "major": major.name if major else "",
                    },
                )
            ]
        )
        qualification_enrolment_audit(actor=actor, enrolment=enrolment)
    return enrolment


def _locked(enrolment: QualificationEnrolment) -> QualificationEnrolment:
    return (
        QualificationEnrolment.objects.select_for_update(of=("self",))
        .select_related("learner", "qualification", "major")
        .get(pk=enrolment.pk)
    )


def _audit_one(enrolment: QualificationEnrolment) -> AuditResult:
    spec = selectors.rule_specs([enrolment.qualification_id])[enrolment.qualification_id]
    achieved = selectors.achieved_codes([enrolment.learner_id]).get(enrolment.learner_id, ())
    return audit(spec, achieved, assigned_major=enrolment.major.name if enrolment.major else None)


def qualification_enrolment_switch_major(
    *, actor, enrolment: QualificationEnrolment, major: Major
) -> QualificationEnrolment:
    """Assign a major the learner has achieved (audit outcome Other or All Majors Achieved)."""
    with transaction.atomic():
        enrolment = _locked(enrolment)
        qualification = enrolment.qualification
        if enrolment.status not in OPEN_STATUSES:
            raise ValidationError(SWITCH_TOO_LATE.format(status=enrolment.get_status_display()))
        rule = _rule_of(qualification)
        if rule is None or major.rule_id != rule.pk:
            raise ValidationError(
                MAJOR_NOT_IN_QUALIFICATION.format(
                    major=major.name, qualification=qualification.code
                )
            )
        if major.pk == enrolment.major_id:
            raise ValidationError(MAJOR_ALREADY_ASSIGNED.format(major=major.name))
        result = _audit_one(enrolment)
        chosen = next(m for m in result.majors if m.name == major.name)
        if not chosen.achieved:
            unmet = [c for c in (*result.checks, *chosen.checks) if not c.met and c.needs]
            needs = "; ".join(c.needs for c in unmet) or "requirements not met"
            raise ValidationError(MAJOR_NOT_ACHIEVED.format(major=major.name, needs=needs))
        before = enrolment.major.name if enrolment.major else ""
        enrolment.major = major
        enrolment.save(update_fields=["major", "updated_at"])
        event_record_many(
            [
                _event(
                    enrolment,
                    actor=actor,
                    action="major_switched",
                    data={"major": [before, major.name]},
                )
            ]
        )
        qualification_enrolment_audit(actor=actor, enrolment=enrolment)
    return enrolment


def qualification_enrolment_transition(
    *,
    actor,
    enrolment: QualificationEnrolment,
    transitioned_on: date,
    major: Major | None = None,
) -> QualificationEnrolment:
    """Move an enrolment to the qualification that supersedes its own, and audit it there.

    The superseded qualification and the date are kept on the enrolment. The major keeps its
    name when the new qualification has one of that name, unless another is given.
    """
    if transitioned_on > timezone.localdate():
        raise ValidationError({"transitioned_on": TRANSITION_DATE_FUTURE})
    with transaction.atomic():
        enrolment = _locked(enrolment)
        old = enrolment.qualification
        new = old.superseded_by
        if new is None:
            raise ValidationError(NOT_SUPERSEDED.format(qualification=old.code))
        if enrolment.status not in OPEN_STATUSES:
            raise ValidationError(TRANSITION_TOO_LATE.format(status=enrolment.get_status_display()))
        rule = _rule_of(new)
        if rule is None:
            raise ValidationError(NO_PACKAGING_RULE.format(qualification=new.code))
        if major is None and enrolment.major is not None:
            major = rule.majors.filter(name=enrolment.major.name).first()
        errors = _check_major(new, rule, major)
        existing = _open_enrolment(enrolment.learner_id, new, exclude_pk=enrolment.pk)
        if existing:
            errors["transitioned_on"] = _already_enrolled(existing, enrolment.learner)
        if errors:
            raise ValidationError(errors)
        enrolment.qualification = new
        enrolment.major = major
        enrolment.superseded_qualification = old
        enrolment.transitioned_on = transitioned_on
        enrolment.full_clean(validate_constraints=False)
        enrolment.save()
        event_record_many(
            [
                _event(
                    enrolment,
                    actor=actor,
                    action="transitioned",
                    data={
                        "from": old.code,
                        "to": new.code,
                        "on": transitioned_on.isoformat(),
                        "major": major.name if major else "",
                    },
                )
            ]
        )
        qualification_enrolment_audit(actor=actor, enrolment=enrolment)
    return enrolment
