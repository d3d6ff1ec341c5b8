"""The qualification audit: a pure function from achieved unit codes and a rule to a result.

No database here. The caller gives the rule as a RuleSpec and the learner's achieved unit codes
(the organisation's achieved outcomes, across all their course enrolments); the result says,
for the qualification and for each major, which requirements are met and what is missing.

Counting: every core unit must be achieved; electives are achieved units that are not core.
Electives listed in the qualification's groups all count; electives from outside the listed
groups ("from elsewhere") count up to the rule's limit. Groups with a minimum need that many of
their own units. A major adds its own core units and groups. An achieved unit of a superseded
qualification counts as the unit it is mapped to when the mapping says it is equivalent.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from testamur.qualifications.models import AuditOutcome

NO_ACHIEVED_UNITS = "no achieved units"
TOTAL_LABEL = "Total units"

# Why a rule cannot be satisfied or is contradictory (checked whenever a rule is saved).
RULE_NEEDS_UNITS = "The total number of units required must be at least 1."
CORE_EXCEEDS_TOTAL = "There are {core} core units but only {total} units in total."
GROUP_ASKS_TOO_MANY = "Group {key} ({name}) asks for at least {at_least} units but lists only {n}."
GROUP_MINIMUMS_EXCEED_ELECTIVES = (
    "The elective groups ask for at least {asked} units, but only {electives} electives make up "
    "the {total} units."
)
ELECTIVES_UNREACHABLE = (
    "{electives} electives are needed but at most {reachable} can count "
    "({listed} listed in the groups and up to {imported} from elsewhere)."
)
UNIT_CORE_AND_ELECTIVE = "{unit} is a core unit and also listed in group {key}."
UNIT_IN_TWO_GROUPS = "{unit} is listed in both group {first} and group {second}."
MAJOR_UNIT_CORE_AND_GROUP = (
    "Major {major}: {unit} is one of its core units and also in group {key}."
)
MAJOR_NEEDS_TOO_MANY = (
    "Major {major} needs at least {needed} electives, but only {electives} electives make up the "
    "{total} units."
)


@dataclass(frozen=True)
class GroupSpec:
    key: str
    name: str
    at_least: int
    units: frozenset[str]


@dataclass(frozen=True)
class MajorSpec:
    name: str
    core: frozenset[str] = frozenset()
    groups: tuple[GroupSpec, ...] = ()


@dataclass(frozen=True)
class RuleSpec:
    units_required: int
    core: frozenset[str] = frozenset()
    groups: tuple[GroupSpec, ...] = ()
    imported_electives_limit: int = 0
    majors: tuple[MajorSpec, ...] = ()
    # Superseded unit code -> the code of the unit it counts as (equivalent mappings only).
    equivalences: Mapping[str, str] = field(default_factory=dict)

    @property
    def electives_required(self) -> int:
        return max(0, self.units_required - len(self.core))

    @property
    def listed(self) -> frozenset[str]:
        return frozenset().union(*(group.units for group in self.groups))


@dataclass(frozen=True)
class RuleProblem:
    message: str
    group: str | None = None  # the group key the problem is about
    major: str | None = None  # the major the problem (or its group) belongs to
    # Not a contradiction, just not finished: more electives must be listed. A rule built up
    # step by step passes through this state; a rule loaded whole must not.
    incomplete: bool = False


def _group_problems(groups, major: str | None) -> list[RuleProblem]:
    problems = []
    seen: dict[str, str] = {}
    for group in groups:
        if group.at_least > len(group.units):
            problems.append(
                RuleProblem(
                    GROUP_ASKS_TOO_MANY.format(
                        key=group.key, name=group.name, at_least=group.at_least, n=len(group.units)
                    ),
                    group=group.key,
                    major=major,
                )
            )
        for unit in sorted(group.units):
            if unit in seen:
                problems.append(
                    RuleProblem(
                        UNIT_IN_TWO_GROUPS.format(unit=unit, first=seen[unit], second=group.key),
                        group=group.key,
                        major=major,
                    )
                )
            else:
                seen[unit] = group.key
    return problems


def rule_problems(rule: RuleSpec) -> list[RuleProblem]:
    """Every reason the rule cannot be met or contradicts itself; empty when it is sound."""
    if rule.units_required < 1:
        return [RuleProblem(RULE_NEEDS_UNITS)]
    problems = []
    if len(rule.core) > rule.units_required:
        problems.append(
            RuleProblem(CORE_EXCEEDS_TOTAL.format(core=len(rule.core), total=rule.units_required))
        )
    problems += _group_problems(rule.groups, None)
    for group in rule.groups:
        for unit in sorted(group.units & rule.core):
            problems.append(
                RuleProblem(
                    UNIT_CORE_AND_ELECTIVE.format(unit=unit, key=group.key), group=group.key
                )
            )
    electives = rule.electives_required
    asked = sum(group.at_least for group in rule.groups)
    if asked > electives:
        problems.append(
            RuleProblem(
                GROUP_MINIMUMS_EXCEED_ELECTIVES.format(
                    asked=asked, electives=electives, total=rule.units_required
                )
            )
        )
    listed = len(rule.listed - rule.core)
    if listed + rule.imported_electives_limit < electives:
        problems.append(
            RuleProblem(
                ELECTIVES_UNREACHABLE.format(
                    electives=electives,
                    reachable=listed + rule.imported_electives_limit,
                    listed=listed,
                    imported=rule.imported_electives_limit,
                ),
                incomplete=True,
            )
        )
    for major in rule.majors:
        problems += _group_problems(major.groups, major.name)
        for group in major.groups:
            for unit in sorted(group.units & major.core):
                problems.append(
                    RuleProblem(
                        MAJOR_UNIT_CORE_AND_GROUP.format(
                            major=major.name, unit=unit, key=group.key
                        ),
                        group=group.key,
                        major=major.name,
                    )
                )
        needed = len(major.core - rule.core) + sum(group.at_least for group in major.groups)
        if needed > electives:
            problems.append(
                RuleProblem(
                    MAJOR_NEEDS_TOO_MANY.format(
                        major=major.name,
                        needed=needed,
                        electives=electives,
                        total=rule.units_required,
                    ),
                    major=major.name,
                )
            )
    return problems


@dataclass(frozen=True)
class Check:
    """One requirement: met or not, how far along, and the units that would complete it.

    `missing` lists the units still to achieve (core) or to choose from (groups, electives);
    `still_needed` is how many of them are needed.
    """

    label: str
    met: bool
    achieved: int
    required: int
    still_needed: int = 0
    missing: tuple[str, ...] = ()
    needs: str = ""  # what is still needed, in words ("" when met)
    note: str = ""

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "met": self.met,
            "achieved": self.achieved,
            "required": self.required,
            "still_needed": self.still_needed,
            "missing": list(self.missing),
            "needs": self.needs,
            "note": self.note,
        }


@dataclass(frozen=True)
class MajorResult:
    name: str
    achieved: bool
    assigned: bool
    checks: tuple[Check, ...]

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "achieved": self.achieved,
            "assigned": self.assigned,
            "requirements": [check.as_dict() for check in self.checks],
        }


@dataclass(frozen=True)
class AuditResult:
    outcome: AuditOutcome
    requirements_met: bool  # the qualification's own requirements, before any major's
    checks: tuple[Check, ...]
    majors: tuple[MajorResult, ...]
    achieved_units: int
    # Unit of this qualification -> the superseded unit the learner achieved for it.
    credited: Mapping[str, str]
    # The achieved units (as the learner achieved them) that make up the qualification.
    counted_units: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.outcome in (AuditOutcome.ASSIGNED_MAJOR, AuditOutcome.ALL_MAJORS)

    @property
    def summary(self) -> str:
        label = AuditOutcome(self.outcome).label
        if not self.achieved_units:
            return f"{label}: {NO_ACHIEVED_UNITS}."
        unmet = [check for check in self.checks if not check.met]
        if not self.majors:
            return f"{label}: {_needs(unmet) if unmet else 'requirements met'}."
        achieved = [major.name for major in self.majors if major.achieved]
        assigned = next((major for major in self.majors if major.assigned), None)
        if self.outcome == AuditOutcome.ALL_MAJORS:
            return f"{label}: {', '.join(achieved)}."
        if self.outcome == AuditOutcome.ASSIGNED_MAJOR:
            return f"{label}: {assigned.name}."
        parts = [f"achieved {', '.join(achieved)}"] if achieved else []
        if assigned is not None:
            unmet += [check for check in assigned.checks if not check.met]
            parts.append(f"assigned major {assigned.name} needs {_needs(unmet)}")
        elif not achieved:
            parts.append(f"needs {_needs(unmet)}" if unmet else "no major is met yet")
        return f"{label}: {'; '.join(parts)}."

    def as_dict(self) -> dict:
        return {
            "outcome": self.outcome.value,
            "summary": self.summary,
            "requirements_met": self.requirements_met,
            "achieved_units": self.achieved_units,
            "requirements": [check.as_dict() for check in self.checks],
            "majors": [major.as_dict() for major in self.majors],
            "credited": dict(self.credited),
            "counted_units": list(self.counted_units),
        }


def _needs(checks) -> str:
    # The total follows from the core and elective counts; naming it again adds nothing.
    return "; ".join(check.needs for check in checks if check.label != TOTAL_LABEL)


def _core_check(label: str, core: frozenset[str], achieved: set[str]) -> Check:
    missing = tuple(sorted(core - achieved))
    return Check(
        label=label,
        met=not missing,
        achieved=len(core) - len(missing),
        required=len(core),
        still_needed=len(missing),
        missing=missing,
        needs=", ".join(missing),
    )


def _group_check(group: GroupSpec, achieved: set[str]) -> Check:
    done = len(group.units & achieved)
    short = max(0, group.at_least - done)
    label = f"Group {group.key} ({group.name})"
    return Check(
        label=label,
        met=short == 0,
        achieved=done,
        required=group.at_least,
        still_needed=short,
        missing=tuple(sorted(group.units - achieved)) if short else (),
        needs=f"{short} more from {label}" if short else "",
    )


def _apply_equivalences(rule: RuleSpec, achieved: set[str]) -> tuple[set[str], dict[str, str]]:
    """Replace achieved superseded units by the units they are equivalent to (each counts once)."""
    credited: dict[str, str] = {}
    for old, new in sorted(rule.equivalences.items()):
        if old in achieved and new not in achieved and new not in credited:
            credited[new] = old
    effective = (achieved - set(credited.values())) | set(credited)
    return effective, credited


def audit(
    rule: RuleSpec, achieved_codes: Iterable[str], *, assigned_major: str | None = None
) -> AuditResult:
    """Check the achieved units against the rule and every major it has."""
    achieved, credited = _apply_equivalences(rule, set(achieved_codes))
    listed = rule.listed - rule.core
    listed_done = listed & achieved
    elsewhere = sorted(achieved - rule.core - listed)
    elsewhere_counted = elsewhere[: rule.imported_electives_limit]
    electives_done = len(listed_done) + len(elsewhere_counted)
    electives_short = max(0, rule.electives_required - electives_done)
    note = ""
    if len(elsewhere) > rule.imported_electives_limit:
        note = (
            f"{len(elsewhere)} achieved from elsewhere; only {rule.imported_electives_limit} "
            f"may count ({', '.join(elsewhere_counted) or 'none'})."
        )
    core_done = len(rule.core & achieved)
    total_short = max(0, rule.units_required - core_done - electives_done)
    checks = [
        _core_check("Core units", rule.core, achieved),
        *(_group_check(group, achieved) for group in rule.groups if group.at_least),
        Check(
            label="Electives",
            met=electives_short == 0,
            achieved=electives_done,
            required=rule.electives_required,
            still_needed=electives_short,
            missing=tuple(sorted(listed - achieved)) if electives_short else (),
            needs=f"{electives_short} more elective{'s' if electives_short > 1 else ''}"
            if electives_short
            else "",
            note=note,
        ),
        Check(
            label=TOTAL_LABEL,
            met=total_short == 0,
            achieved=core_done + electives_done,
            required=rule.units_required,
            still_needed=total_short,
            needs=f"{total_short} more unit{'s' if total_short > 1 else ''}" if total_short else "",
        ),
    ]
    requirements_met = all(check.met for check in checks)
    counted = (rule.core & achieved) | listed_done | set(elsewhere_counted)

    majors = []
    for major in rule.majors:
        major_checks = (
            _core_check(f"{major.name} core units", major.core, achieved),
            *(_group_check(group, achieved) for group in major.groups),
        )
        met = requirements_met and all(check.met for check in major_checks)
        if met:
            counted |= (major.core | frozenset().union(*(g.units for g in major.groups))) & achieved
        majors.append(
            MajorResult(
                name=major.name,
                achieved=met,
                assigned=major.name == assigned_major,
                checks=major_checks,
            )
        )
    return AuditResult(
        outcome=_outcome(requirements_met, majors, assigned_major),
        requirements_met=requirements_met,
        checks=tuple(checks),
        majors=tuple(majors),
        achieved_units=len(achieved),
        credited=credited,
        counted_units=tuple(sorted(credited.get(code, code) for code in counted & achieved)),
    )


def _outcome(requirements_met: bool, majors: list[MajorResult], assigned: str | None):
    if not majors:
        # A qualification without majors is its own single, assigned specialisation.
        return AuditOutcome.ALL_MAJORS if requirements_met else AuditOutcome.NO_MAJORS
    achieved = {major.name for major in majors if major.achieved}
    if len(achieved) == len(majors):
        return AuditOutcome.ALL_MAJORS
    if assigned in achieved:
        return AuditOutcome.ASSIGNED_MAJOR
    if achieved:
        return AuditOutcome.OTHER_MAJORS
    return AuditOutcome.NO_MAJORS
