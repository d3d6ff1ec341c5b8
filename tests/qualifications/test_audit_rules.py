"""The audit engine on its own: properties that hold for any sound packaging rule.

No database: rules are drawn by hypothesis, learners' achieved units are sets of codes.
"""

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from testamur.qualifications.audit import (
    ELECTIVES_UNREACHABLE,
    GROUP_ASKS_TOO_MANY,
    NO_ACHIEVED_UNITS,
    GroupSpec,
    MajorSpec,
    RuleSpec,
    audit,
    rule_problems,
)
from testamur.qualifications.models import AuditOutcome

POOL = [f"UNT{n:03d}" for n in range(40)]
OUTSIDE = [f"OUT{n:03d}" for n in range(6)]  # units no rule lists: "from elsewhere"


@st.composite
def rules(draw):
    """A sound rule: core units, disjoint elective groups, majors needing listed units."""
    units = draw(st.permutations(POOL))
    n_core = draw(st.integers(0, 6))
    core, rest = units[:n_core], units[n_core:]
    groups, start = [], 0
    for index in range(draw(st.integers(0, 3))):
        size = draw(st.integers(1, 6))
        members = rest[start : start + size]
        start += size
        if members:
            groups.append(
                GroupSpec(
                    key=chr(ord("A") + index),
                    name=f"Group {index}",
                    at_least=draw(st.integers(0, len(members))),
                    units=frozenset(members),
                )
            )
    listed = [code for group in groups for code in group.units]
    imported = draw(st.integers(0, 3))
    asked = sum(group.at_least for group in groups)
    electives = draw(st.integers(asked, max(asked, len(listed) + imported)))
    majors = []
    for index in range(draw(st.integers(0, 3))):
        most = min(3, electives)
        major_core = (
            draw(st.lists(st.sampled_from(listed), max_size=most, unique=True)) if listed else []
        )
        majors.append(MajorSpec(name=f"Major {index}", core=frozenset(major_core)))
    rule = RuleSpec(
        units_required=max(1, n_core + electives),
        core=frozenset(core),
        groups=tuple(groups),
        imported_electives_limit=imported,
        majors=tuple(majors),
    )
    assume(not rule_problems(rule))
    return rule


def achieved_sets(rule):
    everything = sorted(
        rule.core | rule.listed | frozenset().union(*(m.core for m in rule.majors)) | set(OUTSIDE)
    )
    return st.sets(st.sampled_from(everything))


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_achieving_more_units_never_loses_a_major(data):
    rule = data.draw(rules())
    smaller = data.draw(achieved_sets(rule))
    larger = smaller | data.draw(achieved_sets(rule))
    before, after = audit(rule, smaller), audit(rule, larger)
    assert not before.requirements_met or after.requirements_met
    for was, now in zip(before.majors, after.majors, strict=True):
        assert not was.achieved or now.achieved


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_every_unit_of_the_rule_achieves_every_major(data):
    rule = data.draw(rules())
    everything = rule.core | rule.listed | frozenset().union(*(m.core for m in rule.majors))
    everything |= set(OUTSIDE[: rule.imported_electives_limit])
    result = audit(rule, everything)
    assert result.outcome == AuditOutcome.ALL_MAJORS
    assert result.passed


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_nothing_achieved_is_no_majors_achieved(data):
    rule = data.draw(rules())
    result = audit(rule, set())
    assert result.outcome == AuditOutcome.NO_MAJORS
    assert NO_ACHIEVED_UNITS in result.summary


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_the_outcome_agrees_with_the_majors_it_explains(data):
    rule = data.draw(rules())
    assume(rule.majors)
    assigned = data.draw(st.sampled_from([m.name for m in rule.majors] + [None]))
    result = audit(rule, data.draw(achieved_sets(rule)), assigned_major=assigned)
    achieved = {m.name for m in result.majors if m.achieved}
    for major in result.majors:
        checks_met = all(check.met for check in major.checks)
        assert major.achieved == (result.requirements_met and checks_met)
    expected = (
        AuditOutcome.ALL_MAJORS
        if len(achieved) == len(rule.majors)
        else AuditOutcome.ASSIGNED_MAJOR
        if assigned in achieved
        else AuditOutcome.OTHER_MAJORS
        if achieved
        else AuditOutcome.NO_MAJORS
    )
    assert result.outcome == expected


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_missing_units_are_never_achieved_ones_and_achieving_them_meets_the_check(data):
    rule = data.draw(rules())
    achieved = data.draw(achieved_sets(rule))
    result = audit(rule, achieved)
    checks = [*result.checks, *(c for m in result.majors for c in m.checks)]
    for check in checks:
        assert not set(check.missing) & achieved
        assert check.met == (check.still_needed == 0)
    # Achieving what the core and group checks list as missing meets those checks.
    missing = {code for check in checks for code in check.missing}
    again = audit(rule, achieved | missing)
    for check in [*again.checks, *(c for m in again.majors for c in m.checks)]:
        if check.label != "Electives" and check.label != "Total units":
            assert check.met, check


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_electives_from_elsewhere_count_only_up_to_the_limit(data):
    rule = data.draw(rules())
    achieved = data.draw(achieved_sets(rule))
    result = audit(rule, achieved)
    electives = next(check for check in result.checks if check.label == "Electives")
    listed_done = len((rule.listed - rule.core) & achieved)
    elsewhere = len(achieved - rule.core - rule.listed)
    assert electives.achieved == listed_done + min(elsewhere, rule.imported_electives_limit)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_an_equivalent_superseded_unit_counts_as_the_unit_it_maps_to(data):
    rule = data.draw(rules())
    assume(rule.core | rule.listed)
    target = data.draw(st.sampled_from(sorted(rule.core | rule.listed)))
    achieved = data.draw(achieved_sets(rule)) - {target}
    mapped = RuleSpec(**{**rule.__dict__, "equivalences": {"OLD001": target}})
    with_old = audit(mapped, achieved | {"OLD001"})
    with_new = audit(rule, achieved | {target})
    assert with_old.outcome == with_new.outcome
    assert with_old.credited == {target: "OLD001"}
    assert ("OLD001" in with_old.counted_units) == (target in with_new.counted_units)


def test_a_group_asking_for_more_units_than_it_lists_is_refused():
    rule = RuleSpec(
        units_required=4,
        core=frozenset({"A1", "A2"}),
        groups=(GroupSpec("X", "Specialist", 3, frozenset({"B1", "B2"})),),
    )
    messages = [problem.message for problem in rule_problems(rule)]
    assert GROUP_ASKS_TOO_MANY.format(key="X", name="Specialist", at_least=3, n=2) in messages


def test_a_rule_without_enough_electives_listed_is_only_unfinished():
    rule = RuleSpec(units_required=6, core=frozenset({"A1", "A2"}))
    problems = rule_problems(rule)
    assert [p.message for p in problems] == [
        ELECTIVES_UNREACHABLE.format(electives=4, reachable=0, listed=0, imported=0)
    ]
    assert problems[0].incomplete
