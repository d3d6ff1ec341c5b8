"""Editing packaging rules: the rule itself, elective groups, majors, unit equivalences, and
loading a whole rule from a file.

Every change is checked against the whole rule before it commits (a rule that contradicts
itself is refused with the reason, nothing changed; one still missing electives is allowed and
shown as unfinished), then the qualification's enrolments are audited again in the same
transaction so their outcomes never lag the rule. A rule loaded from a file must be complete.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from testamur.core.events import event_record
from testamur.qualifications import selectors
from testamur.qualifications.audit import rule_problems
from testamur.qualifications.models import (
    ElectiveGroup,
    Major,
    PackagingRule,
    UnitEquivalence,
)
from testamur.qualifications.rule_file import RuleFileError, rule_file_read
from testamur.qualifications.services.enrolments import (
    NOT_A_QUALIFICATION,
    AuditTally,
    qualification_enrolments_audit_qualification,
)
from testamur.training.models import Course, Unit

GROUP_KEY_TAKEN = "There is already a group {key} here."
MAJOR_NAME_TAKEN = "There is already a major called {name}."
MAJOR_IN_USE = (
    "{name} is the assigned major of {count} enrolment(s) and cannot be removed. Switch their "
    "major first."
)
MAJOR_OF_ANOTHER_RULE = "{name} is not a major of {qualification}."
NOT_SUPERSEDED_BY = "{old} is not superseded by {new}: set 'Superseded by' on {old} first."
MAPPED_TO_ITSELF = "A unit cannot be mapped to itself."
GROUP_NEEDS_UNITS = "List at least one unit in the group."
MAJORS_IN_USE_FILE = (
    "The file leaves out major(s) {names}, assigned to enrolments: keep them in the file or "
    "switch those enrolments' major first."
)


def _refuse_contradictions(qualification: Course) -> None:
    """A rule may be unfinished while it is built up, never self-contradictory."""
    spec = selectors.rule_specs([qualification.pk])[qualification.pk]
    problems = [problem for problem in rule_problems(spec) if not problem.incomplete]
    if problems:
        raise ValidationError([problem.message for problem in problems])


def _changed(rule: PackagingRule, *, actor, action: str, data: dict) -> AuditTally:
    """Refuse the change if the rule is no longer sound; record it; audit the enrolments."""
    _refuse_contradictions(rule.qualification)
    rule.save(update_fields=["updated_at"])
    event_record(
        actor=actor,
        subject_type="packaging_rule",
        subject_id=rule.pk,
        action=action,
        data={"qualification": rule.qualification.code, **data},
    )
    return qualification_enrolments_audit_qualification(
        actor=actor, qualification=rule.qualification
    )


def _codes(units) -> list[str]:
    return sorted(unit.code for unit in units)


@transaction.atomic
def packaging_rule_save(
    *,
    actor,
    qualification: Course,
    units_required: int,
    imported_electives_limit: int = 0,
    description: str = "",
    core_units=(),
) -> PackagingRule:
    """Create or change a qualification's rule (its totals and core units)."""
    if not qualification.is_qualification:
        raise ValidationError(
            NOT_A_QUALIFICATION.format(
                course=qualification.code, kind=qualification.get_course_type_display().lower()
            )
        )
    rule = PackagingRule.objects.filter(qualification=qualification).first()
    created = rule is None
    rule = rule or PackagingRule(qualification=qualification)
    rule.units_required = units_required
    rule.imported_electives_limit = imported_electives_limit
    rule.description = description
    rule.full_clean()
    rule.save()
    rule.core_units.set(core_units)
    _changed(
        rule,
        actor=actor,
        action="created" if created else "updated",
        data={
            "units_required": units_required,
            "imported_electives_limit": imported_electives_limit,
            "core": _codes(core_units),
        },
    )
    return rule


def _check_major(rule: PackagingRule, major: Major | None) -> None:
    if major is not None and major.rule_id != rule.pk:
        raise ValidationError(
            {
                "major": MAJOR_OF_ANOTHER_RULE.format(
                    name=major.name, qualification=rule.qualification.code
                )
            }
        )


@transaction.atomic
def elective_group_save(
    *,
    actor,
    rule: PackagingRule,
    key: str,
    name: str,
    at_least: int,
    units,
    major: Major | None = None,
    group: ElectiveGroup | None = None,
) -> ElectiveGroup:
    """Add a group (no `group`) or change one; a group with a major belongs to that major."""
    _check_major(rule, major)
    units = list(units)
    errors = {}
    if not units:
        errors["units"] = GROUP_NEEDS_UNITS
    siblings = ElectiveGroup.objects.filter(rule=rule, major=major, key=key)
    if group is not None:
        siblings = siblings.exclude(pk=group.pk)
    if siblings.exists():
        errors["key"] = GROUP_KEY_TAKEN.format(key=key)
    if errors:
        raise ValidationError(errors)
    created = group is None
    group = group or ElectiveGroup(rule=rule)
    group.major, group.key, group.name, group.at_least = major, key, name, at_least
    group.full_clean(validate_constraints=False)
    group.save()
    group.units.set(units)
    _changed(
        rule,
        actor=actor,
        action="group_added" if created else "group_changed",
        data={
            "group": key,
            "major": major.name if major else "",
            "at_least": at_least,
            "units": _codes(units),
        },
    )
    return group


@transaction.atomic
def elective_group_delete(*, actor, group: ElectiveGroup) -> None:
    rule = group.rule
    data = {"group": group.key, "major": group.major.name if group.major else ""}
    group.delete()
    _changed(rule, actor=actor, action="group_removed", data=data)


@transaction.atomic
def major_save(
    *, actor, rule: PackagingRule, name: str, core_units=(), major: Major | None = None
) -> Major:
    """Add a major (no `major`) or change one's name and core units."""
    _check_major(rule, major)
    taken = Major.objects.filter(rule=rule, name__iexact=name)
    if major is not None:
        taken = taken.exclude(pk=major.pk)
    if taken.exists():
        raise ValidationError({"name": MAJOR_NAME_TAKEN.format(name=name)})
    created = major is None
    major = major or Major(rule=rule)
    major.name = name
    major.full_clean(validate_constraints=False)
    major.save()
    major.core_units.set(core_units)
    _changed(
        rule,
        actor=actor,
        action="major_added" if created else "major_changed",
        data={"major": name, "core": _codes(core_units)},
    )
    return major


@transaction.atomic
def major_delete(*, actor, major: Major) -> None:
    assigned = major.enrolments.count()
    if assigned:
        raise ValidationError(MAJOR_IN_USE.format(name=major.name, count=assigned))
    rule = major.rule
    name = major.name
    major.delete()
    _changed(rule, actor=actor, action="major_removed", data={"major": name})


def _check_superseded(rule: PackagingRule, superseded_qualification: Course) -> None:
    if superseded_qualification.superseded_by_id != rule.qualification_id:
        raise ValidationError(
            {
                "superseded_qualification": NOT_SUPERSEDED_BY.format(
                    old=superseded_qualification.code, new=rule.qualification.code
                )
            }
        )


@transaction.atomic
def unit_equivalence_save(
    *,
    actor,
    rule: PackagingRule,
    superseded_qualification: Course,
    superseded_unit: Unit,
    unit: Unit,
    is_equivalent: bool = True,
) -> UnitEquivalence:
    """Map a unit of a superseded qualification to one of this rule's (replacing its mapping)."""
    _check_superseded(rule, superseded_qualification)
    if superseded_unit.pk == unit.pk:
        raise ValidationError({"unit": MAPPED_TO_ITSELF})
    mapping = UnitEquivalence.objects.filter(rule=rule, superseded_unit=superseded_unit).first()
    mapping = mapping or UnitEquivalence(rule=rule, superseded_unit=superseded_unit)
    mapping.superseded_qualification = superseded_qualification
    mapping.unit = unit
    mapping.is_equivalent = is_equivalent
    mapping.full_clean(validate_constraints=False)
    mapping.save()
    _changed(
        rule,
        actor=actor,
        action="equivalence_set",
        data={
            "superseded_qualification": superseded_qualification.code,
            "superseded_unit": superseded_unit.code,
            "unit": unit.code,
            "equivalent": is_equivalent,
        },
    )
    return mapping


@transaction.atomic
def unit_equivalence_delete(*, actor, equivalence: UnitEquivalence) -> None:
    rule = equivalence.rule
    data = {"superseded_unit": equivalence.superseded_unit.code, "unit": equivalence.unit.code}
    equivalence.delete()
    _changed(rule, actor=actor, action="equivalence_removed", data=data)


@transaction.atomic
def packaging_rule_load(*, actor, qualification: Course, content: bytes) -> PackagingRule:
    """Replace a qualification's rule with the one in a CSV file (see rule_file.py).

    All or nothing: any bad line raises RuleFileError listing every problem with its line
    number, and nothing changes. Majors keep their identity by name, so enrolments keep them.
    """
    if not qualification.is_qualification:
        raise RuleFileError(
            [
                (
                    0,
                    NOT_A_QUALIFICATION.format(
                        course=qualification.code,
                        kind=qualification.get_course_type_display().lower(),
                    ),
                )
            ]
        )
    data = rule_file_read(
        content,
        qualification=qualification.code,
        known_units=set(Unit.objects.values_list("code", flat=True)),
        superseded={
            code: superseded_by
            for code, superseded_by in Course.objects.values_list("code", "superseded_by__code")
        },
    )
    rule = PackagingRule.objects.filter(qualification=qualification).first()
    created = rule is None
    rule = rule or PackagingRule(qualification=qualification)
    kept = set(data.majors)
    in_use = sorted(
        Major.objects.filter(rule__qualification=qualification, enrolments__isnull=False)
        .exclude(name__in=kept)
        .values_list("name", flat=True)
        .distinct()
    )
    if in_use:
        raise RuleFileError([(0, MAJORS_IN_USE_FILE.format(names=", ".join(in_use)))])
    rule.units_required = data.units_required
    rule.imported_electives_limit = data.imported_electives_limit
    rule.full_clean()
    rule.save()
    units = Unit.objects.in_bulk(field_name="code")
    courses = Course.objects.in_bulk(field_name="code")
    rule.core_units.set([units[code] for code in data.core.get(None, {})])
    rule.groups.all().delete()
    rule.equivalences.all().delete()
    rule.majors.exclude(name__in=kept).delete()
    majors = {}
    for name in data.majors:
        majors[name], _ = Major.objects.get_or_create(rule=rule, name=name)
        majors[name].core_units.set([units[code] for code in data.core.get(name, {})])
    for (owner, key), group_data in data.groups.items():
        group = ElectiveGroup.objects.create(
            rule=rule,
            major=majors.get(owner),
            key=key,
            name=group_data.name,
            at_least=group_data.at_least,
        )
        group.units.set([units[code] for code in group_data.units])
    UnitEquivalence.objects.bulk_create(
        UnitEquivalence(
            rule=rule,
            superseded_qualification=courses[m.superseded_qualification],
            superseded_unit=units[m.superseded_unit],
            unit=units[m.unit],
            is_equivalent=m.is_equivalent,
        )
        for m in data.mappings
    )
    _changed(
        rule,
        actor=actor,
        action="loaded" if created else "replaced_from_file",
        data={
            "units_required": data.units_required,
            "groups": len(data.groups),
            "majors": data.majors,
            "mappings": len(data.mappings),
        },
    )
    return rule
