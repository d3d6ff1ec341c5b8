"""What one NAT00120 line says about a unit enrolment as at the end of a collection period.

A collection period's file reports what was true at the period's end (NCVER, Total VET
Activity): activity still under way then is continuing (70) with its planned end date;
activity that had not started is "not yet started" (85), which NCVER means for a start date
still to come; activity that ended reports its final outcome. Testamur's "not set" (00) is
never reported. The answer depends only on the unit's dates and the period, so exporting a
finished period again gives the same lines whatever was recorded since: a result recorded
in February for a unit that ran into February stays continuing in last year's file.

For a period that has not finished yet, "the end" is today: its file is an interim one.
Decision record: docs/decisions/0013-avetmiss-collection-period.md.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from testamur.training.outcome_codes import CONTINUING, NOT_SET, NOT_YET_STARTED

ERROR, WARNING = "error", "warning"

ENDED_WITHOUT_OUTCOME = (
    "{unit} ended on {end} but has no final outcome ({outcome}); it is reported as continuing "
    "(70), which NCVER refuses for activity that ended in the period. Record its outcome."
)
DUE_TO_END_IN_PERIOD = (
    "{unit} is continuing (70) but is due to end on {end}, inside the period; record its "
    "outcome before the final submission for the period."
)
NOT_STARTED_BUT_DATES_PASSED = (
    "{unit} is recorded as not yet started (85) but its start date {start} has passed; it is "
    "reported as continuing (70). Record that it started, or move its start date."
)


@dataclass(frozen=True)
class ReportingRules:
    """How a state's reporting differs from the national (NCVER) collection."""

    key: str
    label: str
    # NSW Smart and Skilled reports the whole training plan: units that start after the
    # period are sent as not yet started (85) with their planned dates.
    plan_units_after_period: bool = False


NATIONAL = ReportingRules("national", "National (NCVER Total VET Activity)")
NSW_SMART_AND_SKILLED = ReportingRules(
    "nsw_smart_and_skilled", "NSW Smart and Skilled", plan_units_after_period=True
)
RULE_SETS = {rules.key: rules for rules in (NATIONAL, NSW_SMART_AND_SKILLED)}


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    today: date

    @property
    def as_at(self) -> date:
        """The day the file describes: the period's end, or today while it is still running."""
        return min(self.end, self.today)

    @property
    def finished(self) -> bool:
        return self.end < self.today


@dataclass(frozen=True)
class UnitActivity:
    """What Testamur holds about one unit enrolment (dates are never None here)."""

    unit: str
    start: date
    end: date
    outcome: str
    outcome_is_final: bool
    training_organisation_outcome: str
    hours_attended: Decimal
    commenced: date  # the course enrolment's commencement


@dataclass
class ReportedActivity:
    outcome: str
    training_organisation_outcome: str
    hours_attended: Decimal
    commencing: bool  # the program commenced within the period
    notes: list[tuple[str, str, str, str]] = field(default_factory=list)  # severity, rule, ...

    def note(self, severity: str, rule: str, message: str, field_name: str) -> None:
        self.notes.append((severity, rule, message, field_name))


def _shown(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def activity_as_at(
    activity: UnitActivity, *, period: Period, rules: ReportingRules, jurisdiction: str
) -> ReportedActivity | None:
    """The line to report for the activity as at the period's end, or None for no line."""
    continuing = CONTINUING[jurisdiction]
    not_started = NOT_YET_STARTED[jurisdiction]
    as_at = period.as_at
    left = activity.training_organisation_outcome == "TNC"
    unstarted_codes = (NOT_SET, not_started)
    if left and activity.outcome in unstarted_codes:
        return None  # the learner left before it started: there was no training activity
    if activity.end < period.start:
        return None
    commencing = period.start <= activity.commenced <= period.end

    if activity.start > as_at:
        if activity.start > period.end and (
            not rules.plan_units_after_period or activity.commenced > period.end
        ):
            return None  # starts in a later collection period
        deferred = activity.training_organisation_outcome == "D"
        return ReportedActivity(
            outcome=not_started,
            training_organisation_outcome="D" if deferred else "",
            hours_attended=Decimal(0),
            commencing=commencing,
        )

    # A unit due to end today is still under way today.
    running = activity.end > as_at or (not period.finished and activity.end >= period.today)
    if running:
        reported = ReportedActivity(
            outcome=continuing,
            # Leaving or finishing later had not happened yet at the period's end.
            training_organisation_outcome=(
                "" if activity.outcome_is_final else activity.training_organisation_outcome
            ),
            hours_attended=Decimal(0),
            commencing=commencing,
        )
        if activity.outcome == not_started:
            reported.note(
                WARNING,
                "85-STARTED",
                NOT_STARTED_BUT_DATES_PASSED.format(
                    unit=activity.unit, start=_shown(activity.start)
                ),
                "outcome",
            )
        if not period.finished and activity.end <= period.end:
            reported.note(
                WARNING,
                "3252-DUE",
                DUE_TO_END_IN_PERIOD.format(unit=activity.unit, end=_shown(activity.end)),
                "end_date",
            )
        return reported

    if activity.outcome_is_final:
        return ReportedActivity(
            outcome=activity.outcome,
            training_organisation_outcome=activity.training_organisation_outcome,
            hours_attended=activity.hours_attended,
            commencing=commencing,
        )
    reported = ReportedActivity(
        outcome=continuing,
        training_organisation_outcome=activity.training_organisation_outcome,
        hours_attended=Decimal(0),
        commencing=commencing,
    )
    reported.note(
        ERROR,
        "3252",
        ENDED_WITHOUT_OUTCOME.format(
            unit=activity.unit, end=_shown(activity.end), outcome=activity.outcome
        ),
        "outcome",
    )
    return reported
