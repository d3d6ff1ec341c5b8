"""The validation report of an AVETMISS export: findings, their rules in plain words, counts.

Each finding names the file, line, field and rule and links to the record to fix (Context).
The checks that make findings are validation.LineChecks.
"""

from collections import Counter
from dataclasses import dataclass, field

from testamur.interchange.avetmiss.collection import ERROR, WARNING

FINDINGS_KEPT = 2000

# Rule → what it checks, as a person reads it. Numbers are NCVER's validation error numbers
# where one is known; the others are named after the field.
RULES = {
    "FORMAT": "Field format (length, number, date)",
    "CODE": "Value is in the AVETMISS code list",
    "USI": "Unique student identifier reported and valid",
    "3216": "Activity end date on or after its start date",
    "3252": "Continuing (70) only for activity ending after the period",
    "3252-DUE": "Continuing (70) activity due to end inside the period",
    "85-STARTED": "Not yet started (85) only before the activity's start date",
    "00": "Outcome 00 is not a national outcome",
    "DATES": "Training activity has start and end dates",
    "LOCATION": "Training activity has a delivery location",
    "PROGRAM": "Every program reported is a course",
    "LINK": "Every reference is found in its file",
    "DUPLICATE": "No record reported twice",
    "400": "Prior educational achievement flag Y with at least one NAT00100 record",
    "DISABILITY": "Disability flag Y with at least one NAT00090 record",
    "DOB": "Date of birth not in the future",
    "COMPLETION": "Program completion date inside the period",
    "TOO-LONG": "Value fits its field",
}


@dataclass(frozen=True)
class Finding:
    severity: str
    rule: str
    message: str
    file: str = ""
    line: int | None = None
    field: str = ""  # the field's label and positions
    record: str = ""  # what the line is about, e.g. "Learner C001"
    link: str = ""  # the page where it is fixed

    @property
    def rule_title(self) -> str:
        return RULES.get(self.rule, self.rule)

    def as_dict(self) -> dict:
        return {
            "severity": self.severity,
            "rule": self.rule,
            "rule_title": self.rule_title,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "record": self.record,
            "link": self.link,
        }


@dataclass
class ValidationReport:
    limit: int = FINDINGS_KEPT
    findings: list[Finding] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)  # severity → how many
    by_rule: Counter = field(default_factory=Counter)  # (severity, rule) → how many

    def add(self, finding: Finding) -> None:
        self.counts[finding.severity] += 1
        self.by_rule[(finding.severity, finding.rule)] += 1
        if len(self.findings) < self.limit:
            self.findings.append(finding)

    @property
    def errors(self) -> int:
        return self.counts[ERROR]

    @property
    def warnings(self) -> int:
        return self.counts[WARNING]

    @property
    def total(self) -> int:
        return self.errors + self.warnings

    def rule_summary(self) -> list[dict]:
        return [
            {"severity": severity, "rule": rule, "title": RULES.get(rule, rule), "count": count}
            for (severity, rule), count in sorted(self.by_rule.items())
        ]

    def ordered(self) -> list[Finding]:
        """Errors first, then by file and line."""
        return sorted(
            self.findings,
            key=lambda f: (f.severity != ERROR, f.file, f.line or 0, f.rule),
        )


@dataclass(frozen=True)
class Context:
    """Where a line came from: the record a person opens to fix it."""

    record: str = ""
    link: str = ""
