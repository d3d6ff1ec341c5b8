"""Reads: packaging rules as audit specs, learners' achieved units, and the page lists.

Rules and achieved units are loaded for many enrolments at once with a fixed number of
queries, so a bulk audit never costs a query per unit or per learner.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce

from testamur.learners.models import Learner
from testamur.learners.selectors import name_search_q
from testamur.organisation.models import Organisation
from testamur.qualifications.audit import GroupSpec, MajorSpec, RuleSpec
from testamur.qualifications.models import (
    ElectiveGroup,
    Major,
    PackagingRule,
    QualificationEnrolment,
    QualificationStatus,
    UnitEquivalence,
)
from testamur.training.models import Course, CourseEnrolment, CourseType, UnitEnrolment

_CODES = Prefetch("units", to_attr="unit_list")
_CORE = Prefetch("core_units", to_attr="core_list")


def _codes(units) -> frozenset[str]:
    return frozenset(unit.code for unit in units)


def _group_spec(group: ElectiveGroup) -> GroupSpec:
    return GroupSpec(
        key=group.key, name=group.name, at_least=group.at_least, units=_codes(group.unit_list)
    )


def rules_loaded(qualification_ids) -> QuerySet[PackagingRule]:
    """Rules with everything an audit or the rules page needs, in six queries."""
    groups = ElectiveGroup.objects.prefetch_related(_CODES).order_by("key")
    return (
        PackagingRule.objects.filter(qualification_id__in=list(qualification_ids))
        .select_related("qualification")
        .prefetch_related(
            _CORE,
            Prefetch("groups", queryset=groups, to_attr="group_list"),
            Prefetch(
                "majors",
                queryset=Major.objects.prefetch_related(_CORE).order_by("name"),
                to_attr="major_list",
            ),
            Prefetch(
                "equivalences",
                queryset=UnitEquivalence.objects.select_related(
                    "unit", "superseded_unit", "superseded_qualification"
                ),
                to_attr="equivalence_list",
            ),
        )
    )


def rule_spec(rule: PackagingRule) -> RuleSpec:
    """The audit's view of a rule loaded by rules_loaded."""
    by_major = defaultdict(list)
    for group in rule.group_list:
        by_major[group.major_id].append(_group_spec(group))
    return RuleSpec(
        units_required=rule.units_required,
        core=_codes(rule.core_list),
        groups=tuple(by_major[None]),
        imported_electives_limit=rule.imported_electives_limit,
        majors=tuple(
            MajorSpec(
                name=major.name, core=_codes(major.core_list), groups=tuple(by_major[major.pk])
            )
            for major in rule.major_list
        ),
        equivalences={
            e.superseded_unit.code: e.unit.code for e in rule.equivalence_list if e.is_equivalent
        },
    )


def rule_specs(qualification_ids) -> dict[int, RuleSpec]:
    """Audit specs keyed by qualification id; qualifications without rules are left out."""
    return {rule.qualification_id: rule_spec(rule) for rule in rules_loaded(qualification_ids)}


def rule_for_page(qualification: Course) -> PackagingRule | None:
    return rules_loaded([qualification.pk]).first()


def achieved_codes(learner_ids, jurisdiction: str | None = None) -> dict[int, set[str]]:
    """Each learner's achieved unit codes across all their course enrolments, in one query.

    Achieved means an outcome the organisation's jurisdiction counts as achieved (the
    OutcomeCode table says which: national 20, 51, 60 and legacy 53; WA 01, 04, 06, 09, ...).
    """
    jurisdiction = jurisdiction or Organisation.load().jurisdiction
    rows = (
        UnitEnrolment.objects.achieved(jurisdiction)
        .filter(course_enrolment__learner_id__in=list(learner_ids))
        .values_list("course_enrolment__learner_id", "unit__code")
    )
    achieved: dict[int, set[str]] = defaultdict(set)
    for learner_id, code in rows:
        achieved[learner_id].add(code)
    return achieved


def qualification_list(*, search: str = "") -> QuerySet[Course]:
    """Qualifications with their rule (if any) and how many enrolments are in each state."""
    statuses = QualificationStatus
    courses = (
        Course.objects.filter(course_type=CourseType.QUALIFICATION)
        .select_related("packaging_rule", "superseded_by")
        .annotate(
            enrolment_count=Count("qualification_enrolments", distinct=True),
            ready_count=Count(
                "qualification_enrolments",
                filter=Q(qualification_enrolments__status=statuses.READY),
                distinct=True,
            ),
            major_count=Count("packaging_rule__majors", distinct=True),
        )
    )
    if search:
        courses = courses.filter(Q(code__icontains=search) | Q(title__icontains=search))
    return courses.order_by("code")


def enrolments_base() -> QuerySet[QualificationEnrolment]:
    return QualificationEnrolment.objects.select_related(
        "learner", "qualification", "major", "superseded_qualification"
    )


def qualification_enrolments(
    *, qualification: Course, status: str = "", outcome: str = "", search: str = ""
) -> QuerySet[QualificationEnrolment]:
    enrolments = enrolments_base().filter(qualification=qualification)
    if status:
        enrolments = enrolments.filter(status=status)
    if outcome == "not_audited":
        enrolments = enrolments.filter(audited_at__isnull=True)
    elif outcome:
        enrolments = enrolments.filter(audit_outcome=outcome)
    search = search.strip()
    if search:
        enrolments = enrolments.filter(
            name_search_q(search, prefix="learner__") | Q(learner__client_id__iexact=search)
        )
    return enrolments.order_by("learner__family_name", "learner__given_name", "id")


def qualification_enrolments_selected(*, qualification: Course, ids) -> list:
    return list(
        enrolments_base()
        .filter(qualification=qualification, pk__in=list(ids))
        .order_by("learner__family_name", "learner__given_name", "id")
    )


def learner_qualification_enrolments(*, learner: Learner) -> QuerySet[QualificationEnrolment]:
    return enrolments_base().filter(learner=learner).order_by("-created_at", "-id")


def status_counts(*, qualification: Course) -> list[dict]:
    counts = dict(
        QualificationEnrolment.objects.filter(qualification=qualification)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [
        {"status": status.value, "label": status.label, "count": counts.get(status.value, 0)}
        for status in QualificationStatus
    ]


def qualifications_with_rules() -> QuerySet[Course]:
    return Course.objects.filter(
        course_type=CourseType.QUALIFICATION, packaging_rule__isnull=False
    ).order_by("code")


@dataclass(frozen=True)
class CredentialSource:
    """What a credential from a qualification enrolment shows: qualification, major, units."""

    qualification: Course
    major: str | None
    units: list[dict]


def credential_sources(enrolment_ids) -> dict[int, CredentialSource]:
    """For the documents of credentials from these qualification enrolments, in three queries."""
    enrolment_ids = {pk for pk in enrolment_ids if pk}
    if not enrolment_ids:
        return {}
    enrolments = list(
        QualificationEnrolment.objects.filter(pk__in=enrolment_ids).select_related(
            "qualification", "major"
        )
    )
    units = credential_units(enrolments)
    return {
        e.pk: CredentialSource(
            qualification=e.qualification,
            major=e.major.name if e.major else None,
            units=units[e.pk],
        )
        for e in enrolments
    }


def credential_units(enrolments) -> dict[int, list[dict]]:
    """The units a record of results lists for each qualification enrolment.

    Those the last audit counted towards the qualification, as the learner achieved them (a
    superseded unit credited as equivalent is shown as itself).
    """
    enrolments = list(enrolments)
    wanted = {
        e.pk: set(e.audit_explanation.get("counted_units", []))
        for e in enrolments
        if isinstance(e.audit_explanation, dict)
    }
    rows = (
        UnitEnrolment.objects.achieved()
        .filter(course_enrolment__learner_id__in={e.learner_id for e in enrolments})
        .select_related("unit", "outcome", "course_enrolment")
        .order_by("unit__code", "-end_date", "-id")
    )
    by_learner = defaultdict(dict)
    for ue in rows:
        # The most recent achievement of a unit, when a learner achieved it more than once.
        by_learner[ue.course_enrolment.learner_id].setdefault(ue.unit.code, ue)
    units: dict[int, list[dict]] = {}
    for enrolment in enrolments:
        achieved = by_learner.get(enrolment.learner_id, {})
        units[enrolment.pk] = [
            {
                "code": ue.unit.code,
                "title": ue.unit.title,
                "outcome": ue.outcome.code,
                "outcome_label": ue.outcome.description,
                "nominal_hours": ue.unit.nominal_hours,
                "is_vet": ue.unit.is_vet,
            }
            for code, ue in sorted(achieved.items())
            if code in wanted.get(enrolment.pk, ())
        ]
    return units


def qualification_enrolments_commenced(enrolments) -> dict[int, date | None]:
    """When each qualification enrolment's training began, in two queries.

    A qualification enrolment records no start of its own: it began when the learner's first
    course enrolment in the qualification commenced or, when its units come from other
    courses, when the first unit its audit counted started. None when neither is recorded.
    """
    enrolments = list(enrolments)
    if not enrolments:
        return {}
    starts: dict[tuple[int, int], date] = {}
    rows = (
        CourseEnrolment.objects.filter(
            learner_id__in={e.learner_id for e in enrolments},
            offer__course_id__in={e.qualification_id for e in enrolments},
        )
        .annotate(began=Coalesce("commencement_date", "offer__start_date"))
        .values_list("learner_id", "offer__course_id", "began")
    )
    for learner_id, course_id, began in rows:
        key = (learner_id, course_id)
        starts[key] = min(began, starts.get(key, began))
    counted = {
        e.pk: set(e.audit_explanation.get("counted_units", []))
        for e in enrolments
        if isinstance(e.audit_explanation, dict)
    }
    unit_starts: dict[tuple[int, str], date] = {}
    waiting = [e for e in enrolments if (e.learner_id, e.qualification_id) not in starts]
    if waiting:
        unit_rows = UnitEnrolment.objects.filter(
            course_enrolment__learner_id__in={e.learner_id for e in waiting},
            unit__code__in=set().union(*(counted.get(e.pk, set()) for e in waiting)),
            start_date__isnull=False,
        ).values_list("course_enrolment__learner_id", "unit__code", "start_date")
        for learner_id, code, start in unit_rows:
            key = (learner_id, code)
            unit_starts[key] = min(start, unit_starts.get(key, start))
    commenced = {}
    for enrolment in enrolments:
        began = starts.get((enrolment.learner_id, enrolment.qualification_id))
        if began is None:
            unit_dates = [
                unit_starts[(enrolment.learner_id, code)]
                for code in counted.get(enrolment.pk, ())
                if (enrolment.learner_id, code) in unit_starts
            ]
            began = min(unit_dates, default=None)
        commenced[enrolment.pk] = began
    return commenced


def reaudit_count(qualification: Course) -> int:
    """How many enrolments a change to the qualification's rules audits again (all but
    withdrawn ones, as qualification_enrolments_audit_qualification does)."""
    return (
        QualificationEnrolment.objects.filter(qualification=qualification)
        .exclude(status=QualificationStatus.WITHDRAWN)
        .count()
    )


def _units_words(count: int) -> str:
    return f"{count} unit" if count == 1 else f"{count} units"


def _groups_words(groups) -> list[str]:
    words = []
    for group in groups:
        label = f"Group {group.key}" + (f" ({group.name})" if group.name else "")
        if group.at_least:
            words.append(f"at least {group.at_least} from {label}")
        else:
            words.append(f"any from {label}")
    return words


def rule_in_words(rule: PackagingRule) -> str:
    """The rule as the audit reads it now, in one or two sentences, from its current core
    units, groups and majors (a page prepared with rule_for_page)."""
    core = len(rule.core_list)
    electives = max(0, rule.units_required - core)
    text = f"{_units_words(rule.units_required)} in all: {core} core and {electives} elective"
    own = [group for group in rule.group_list if group.major_id is None]
    parts = _groups_words(own)
    if rule.imported_electives_limit:
        parts.append(f"up to {rule.imported_electives_limit} from elsewhere")
    if parts:
        text += " (" + "; ".join(parts) + ")"
    text += "."
    for major in rule.major_list:
        groups = [group for group in rule.group_list if group.major_id == major.pk]
        extra = []
        if major.core_list:
            extra.append(f"{_units_words(len(major.core_list))} of its own core")
        extra += _groups_words(groups)
        text += f" Major {major.name}: " + ("; ".join(extra) if extra else "no extra units") + "."
    return text
