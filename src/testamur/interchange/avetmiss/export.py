"""AVETMISS 8.0 export for a collection period: the ten NAT files, zipped, and their validation.

Training activity (NAT00120) is every unit enrolment with activity in the period, reported as
at the period's end (collection.activity_as_at); program completions (NAT00130) are
enrolments completed in it. The other files hold exactly the clients, subjects, programs and
locations those two refer to, so the set is consistent. Every line is validated as it is
written (validation.LineChecks). Rows are read with iterators and lines streamed into the
zip, so memory stays flat. Lines come in an order that depends only on what the files say
(never on database ids), so exporting the same data twice gives the same bytes.

The files are written by export_activity (NAT00120, NAT00130) and export_referenced (the rest);
this module runs an export and holds its messages.
"""

import zipfile
import zoneinfo
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from testamur.interchange.avetmiss import layouts
from testamur.interchange.avetmiss.collection import NATIONAL, Period, ReportingRules
from testamur.interchange.avetmiss.export_activity import (
    NO_DATES,
    NO_LOCATION,
    OUTCOME_TOO_LONG,
    VALUE_TOO_LARGE,
    ActivityFiles,
    _References,
    nat00130_issued_flags,
)
from testamur.interchange.avetmiss.export_referenced import PROGRAM_NOT_A_COURSE, ReferencedFiles
from testamur.interchange.avetmiss.validation import LineChecks, ValidationReport
from testamur.interchange.problems import Problems
from testamur.learners import models as learner_models
from testamur.organisation.models import Organisation
from testamur.training.models import OutcomeCode
from testamur.training.outcome_codes import NOT_SET

__all__ = [
    "DATES_OUT_OF_RANGE",
    "DATES_REVERSED",
    "NOTHING_IN_RANGE",
    "NO_DATES",
    "NO_LOCATION",
    "NO_RTO_CODE",
    "OUTCOME_TOO_LONG",
    "PROGRAM_NOT_A_COURSE",
    "VALUE_TOO_LARGE",
    "ExportResult",
    "avetmiss_files",
    "nat00130_issued_flags",
]

NO_RTO_CODE = "Set the RTO code (TOID) under Settings before exporting AVETMISS files."
# Zip files cannot date their contents outside these years; no AVETMISS period does either.
FIRST_YEAR, LAST_YEAR = 1980, 2107
DATES_OUT_OF_RANGE = f"Choose dates from 01/01/{FIRST_YEAR} to 31/12/{LAST_YEAR}."
DATES_REVERSED = "The end of the period must be on or after its start."
NOTHING_IN_RANGE = "No training activity or completion falls between {start} and {end}."

LINE_END = "\r\n"


@dataclass
class ExportResult:
    lines: dict[str, int] = field(default_factory=dict)  # file → number of lines
    # Problems that leave nothing to export (no RTO code, an empty period).
    problems: Problems = field(default_factory=Problems)
    report: ValidationReport = field(default_factory=ValidationReport)
    # Why the files were not handed over although they were made (errors, no override).
    refused: str = ""


class _Export(ActivityFiles, ReferencedFiles):
    """One export: writes the files, validates each line, and collects what they refer to."""

    def __init__(self, *, organisation, period: Period, rules: ReportingRules, result):
        self.organisation = organisation
        self.toid = organisation.rto_code
        self.jurisdiction = organisation.jurisdiction
        self.period, self.rules, self.result = period, rules, result
        self.refs = _References()
        self.checks = LineChecks(result.report, period=period, code_lists=_code_lists())


def _code_lists() -> dict[str, set]:
    """Current codes of each list the validation checks values against."""
    lists = {
        "school_level": learner_models.SchoolLevel,
        "indigenous_status": learner_models.IndigenousStatus,
        "language": learner_models.Language,
        "labour_force_status": learner_models.LabourForceStatus,
        "country": learner_models.Country,
        "disability_type": learner_models.DisabilityType,
        "prior_education_type": learner_models.PriorEducationType,
    }
    found = {
        name: set(model.objects.filter(is_current=True).values_list("code", flat=True))
        for name, model in lists.items()
    }
    outcomes = OutcomeCode.objects.filter(jurisdiction="national", is_current=True)
    found["outcome"] = set(outcomes.exclude(code=NOT_SET).values_list("code", flat=True))
    return found


def avetmiss_files(
    *,
    date_from: date,
    date_to: date,
    out,
    rules: ReportingRules = NATIONAL,
    today: date | None = None,
) -> ExportResult:
    """Write the NAT files for the period into `out` (a binary file) as a zip, validated.

    With `result.problems` there is nothing to use; with errors in `result.report` the files
    must not be sent to NCVER as they are.
    """
    result = ExportResult()
    organisation = Organisation.load()
    if not organisation.rto_code:
        result.problems.add(NO_RTO_CODE)
        return result
    if date_to < date_from:
        result.problems.add(DATES_REVERSED)
        return result
    if not (date_from.year >= FIRST_YEAR and date_to.year <= LAST_YEAR):
        result.problems.add(DATES_OUT_OF_RANGE)
        return result
    # "Today" is the RTO's, wherever the export runs (a page, a command on another server).
    today = today or timezone.localdate(timezone=zoneinfo.ZoneInfo(organisation.time_zone))
    period = Period(date_from, date_to, today)
    export = _Export(organisation=organisation, period=period, rules=rules, result=result)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # A fixed time stamp: the same data always gives the same zip, byte for byte.
        stamp = (date_to.year, date_to.month, date_to.day, 0, 0, 0)

        def write(layout, lines):
            count = 0
            info = zipfile.ZipInfo(layout.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as handle:
                for line, context in lines:
                    count += 1
                    result.lines[layout.file] = count
                    handle.write((line + LINE_END).encode("ascii"))
                    export.checks.check(layout, count, line, context)
            result.lines[layout.file] = count

        # Activity and completions first: they decide which other records are needed.
        write(layouts.NAT00120, export.nat00120())
        write(layouts.NAT00130, export.nat00130())
        write(layouts.NAT00010, export.nat00010())
        write(layouts.NAT00020, export.nat00020())
        write(layouts.NAT00030, export.nat00030())
        write(layouts.NAT00060, export.nat00060())
        write(layouts.NAT00080, export.nat00080())
        write(layouts.NAT00085, export.nat00085())
        write(layouts.NAT00090, export.nat00090())
        write(layouts.NAT00100, export.nat00100())
    export.checks.finish()
    if not result.report.total and not result.lines["NAT00120"] and not result.lines["NAT00130"]:
        result.problems.add(
            NOTHING_IN_RANGE.format(
                start=date_from.strftime("%d/%m/%Y"), end=date_to.strftime("%d/%m/%Y")
            )
        )
    return result
