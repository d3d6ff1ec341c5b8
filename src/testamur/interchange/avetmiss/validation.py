"""Validation of the NAT files about to be exported, line by line, before anyone downloads them.

Every line written is read back with the same reader an import uses and checked against
NCVER's rules as far as they are published: each field's format, the code lists, the links
between files, and the date and outcome rules. Each finding names the file, line, field and
rule in plain words and links to the record to fix. Errors stop the download unless an Admin
overrides them with a reason; warnings only inform. The rules and their sources:
docs/decisions/0013-avetmiss-collection-period.md. The report itself (Finding,
ValidationReport, Context, RULES) is in findings and re-exported here.
"""

from datetime import date

from testamur.interchange.avetmiss import layouts, records
from testamur.interchange.avetmiss.collection import ERROR, WARNING, Period
from testamur.interchange.avetmiss.findings import (
    FINDINGS_KEPT,
    RULES,
    Context,
    Finding,
    ValidationReport,
)
from testamur.interchange.avetmiss.fixed_width import UNKNOWN_DATE, Field, Layout, parse_line
from testamur.learners.usi import usi_problem

__all__ = ["FINDINGS_KEPT", "RULES", "Context", "Finding", "LineChecks", "ValidationReport"]

NOT_IN_LIST = "'{value}' is not in the AVETMISS {list} list."
USI_MISSING = (
    "No USI is recorded for this learner (nor an exemption); NCVER asks for one for every "
    "client, and without it the training is not on the learner's authenticated transcript."
)
USI_INVALID = "The USI is not valid: {problem}"
END_BEFORE_START = "The activity ends ({end}) before it starts ({start})."
OUTCOME_NOT_SET = "Outcome 00 (not set) cannot be reported; record the outcome."
NOT_IN_FILE = "{what} {code} is not in {file}."
REPORTED_TWICE = "{what} is also on line {line}."
PRIOR_FLAG_WITHOUT_RECORDS = (
    "The prior educational achievement flag is Y but no achievement is recorded; add the "
    "achievements, or answer No."
)
RECORDS_WITHOUT_FLAG = "{file} has records for client {client}, whose {flag} flag is not Y."
DISABILITY_FLAG_WITHOUT_RECORDS = "The disability flag is Y but NAT00090 has no record."
DOB_IN_FUTURE = "The date of birth is in the future."
COMPLETED_OUTSIDE_PERIOD = "The program was completed on {day}, outside the period."

NO_CONTEXT = Context()  # a finding about no record in particular


def field_named(layout: Layout, name: str) -> Field:
    return next(f for f in layout.fields if f.name == name)


class LineChecks:
    """Checks each line as it is written, and the links between files once all are written."""

    def __init__(self, report: ValidationReport, *, period: Period, code_lists: dict[str, set]):
        self.report = report
        self.period = period
        self.code_lists = code_lists
        self.keys: dict[str, dict] = {}  # file → key → line number
        self.client_flags: dict[str, tuple[str, str, int, Context]] = {}
        self.clients_90: dict[str, Context] = {}
        self.clients_100: dict[str, Context] = {}
        self.references: list[tuple[str, str, str, int, Context, str]] = []

    def finding(
        self,
        severity: str,
        rule: str,
        message: str,
        *,
        layout: Layout | None = None,
        line: int | None = None,
        field_name: str = "",
        context: Context = NO_CONTEXT,
    ) -> None:
        where = ""
        if layout is not None and field_name:
            where = field_named(layout, field_name).where
        self.report.add(
            Finding(
                severity,
                rule,
                message,
                file=layout.file if layout else "",
                line=line,
                field=where,
                record=context.record,
                link=context.link,
            )
        )

    def check(self, layout: Layout, number: int, line: str, context: Context) -> None:
        def format_problem(message, field_obj=None):
            self.finding(
                ERROR,
                "FORMAT",
                message,
                layout=layout,
                line=number,
                field_name=field_obj.name if isinstance(field_obj, Field) else field_obj or "",
                context=context,
            )

        fields = parse_line(layout, line, format_problem)
        if fields is None:
            return
        check = getattr(self, f"_check_{layout.file.lower()}", None)
        if check:
            check(layout, number, fields, context)

    # One file at a time

    def _code(self, layout, number, context, fields, name, list_name, not_stated=True) -> None:
        value = fields[name]
        if not_stated and value and set(value) == {"@"}:
            return
        if value not in self.code_lists[list_name]:
            self.finding(
                ERROR,
                "CODE",
                NOT_IN_LIST.format(value=value, list=list_name.replace("_", " ")),
                layout=layout,
                line=number,
                field_name=name,
                context=context,
            )

    def _unique(self, layout, number, context, key, what) -> bool:
        seen = self.keys.setdefault(layout.file, {})
        if key in seen:
            self.finding(
                ERROR,
                "DUPLICATE",
                REPORTED_TWICE.format(what=what, line=seen[key]),
                layout=layout,
                line=number,
                context=context,
            )
            return False
        seen[key] = number
        return True

    def _check_nat00020(self, layout, number, fields, context) -> None:
        self._unique(layout, number, context, fields["location"], f"Location {fields['location']}")

    def _check_nat00030(self, layout, number, fields, context) -> None:
        self._unique(layout, number, context, fields["program"], f"Program {fields['program']}")

    def _check_nat00060(self, layout, number, fields, context) -> None:
        self._unique(layout, number, context, fields["subject"], f"Subject {fields['subject']}")

    def _check_nat00080(self, layout, number, fields, context) -> None:
        client = fields["client"]
        self._unique(layout, number, context, client, f"Client {client}")
        for name, list_name in (
            ("school_level", "school_level"),
            ("indigenous_status", "indigenous_status"),
            ("language", "language"),
            ("labour_force", "labour_force_status"),
            ("country_of_birth", "country"),
        ):
            self._code(layout, number, context, fields, name, list_name)
        checks = {
            "gender": records.GENDERS,
            "disability_flag": (*records.FLAGS, "@"),
            "prior_education_flag": (*records.FLAGS, "@"),
            "at_school_flag": (*records.FLAGS, "@"),
            "survey_contact_status": records.SURVEY_CONTACT_STATUSES,
        }
        for name, allowed in checks.items():
            if fields[name] not in allowed:
                self.finding(
                    ERROR,
                    "CODE",
                    NOT_IN_LIST.format(value=fields[name], list=name.replace("_", " ")),
                    layout=layout,
                    line=number,
                    field_name=name,
                    context=context,
                )
        usi = fields["usi"]
        if not usi:
            # NCVER checks every USI with the Registrar after submission; a missing one is
            # flagged there, it does not stop the files being accepted.
            self.finding(
                WARNING,
                "USI",
                USI_MISSING,
                layout=layout,
                line=number,
                field_name="usi",
                context=context,
            )
        elif usi not in records.EXEMPTIONS and usi_problem(usi):
            self.finding(
                ERROR,
                "USI",
                USI_INVALID.format(problem=usi_problem(usi)),
                layout=layout,
                line=number,
                field_name="usi",
                context=context,
            )
        born = fields["date_of_birth"]
        if born not in (None, UNKNOWN_DATE) and born > self.period.today:
            self.finding(
                ERROR,
                "DOB",
                DOB_IN_FUTURE,
                layout=layout,
                line=number,
                field_name="date_of_birth",
                context=context,
            )
        self.client_flags[client] = (
            fields["disability_flag"],
            fields["prior_education_flag"],
            number,
            context,
        )

    def _check_nat00085(self, layout, number, fields, context) -> None:
        self._unique(layout, number, context, fields["client"], f"Client {fields['client']}")
        self.references.append(
            ("NAT00080", "Client", fields["client"], number, context, layout.file)
        )

    def _check_nat00090(self, layout, number, fields, context) -> None:
        client = fields["client"]
        self._unique(
            layout,
            number,
            context,
            (client, fields["disability_type"]),
            f"Disability type {fields['disability_type']} of client {client}",
        )
        self._code(layout, number, context, fields, "disability_type", "disability_type", False)
        self.clients_90.setdefault(client, context)
        self.references.append(("NAT00080", "Client", client, number, context, layout.file))

    def _check_nat00100(self, layout, number, fields, context) -> None:
        client = fields["client"]
        self._unique(
            layout,
            number,
            context,
            (client, fields["prior_education"]),
            f"Achievement {fields['prior_education']} of client {client}",
        )
        self._code(
            layout,
            number,
            context,
            fields,
            "prior_education",
            "prior_education_type",
            False,
        )
        self.clients_100.setdefault(client, context)
        self.references.append(("NAT00080", "Client", client, number, context, layout.file))

    def _check_nat00120(self, layout, number, fields, context) -> None:
        start, end = fields["start_date"], fields["end_date"]
        if isinstance(start, date) and isinstance(end, date) and end < start:
            self.finding(
                ERROR,
                "3216",
                END_BEFORE_START.format(
                    end=end.strftime("%d/%m/%Y"), start=start.strftime("%d/%m/%Y")
                ),
                layout=layout,
                line=number,
                field_name="end_date",
                context=context,
            )
        if fields["outcome"] == "00":
            self.finding(
                ERROR,
                "00",
                OUTCOME_NOT_SET,
                layout=layout,
                line=number,
                field_name="outcome",
                context=context,
            )
        elif fields["outcome"] not in self.code_lists["outcome"]:
            self._code(layout, number, context, fields, "outcome", "outcome", False)
        self._unique(
            layout,
            number,
            context,
            (fields["client"], fields["subject"], fields["program"], fields["start_date"]),
            f"Client {fields['client']}'s activity in {fields['subject']} ({fields['program']})",
        )
        for file, what, name in (
            ("NAT00020", "Delivery location", "location"),
            ("NAT00080", "Client", "client"),
            ("NAT00060", "Subject", "subject"),
            ("NAT00030", "Program", "program"),
        ):
            self.references.append((file, what, fields[name], number, context, layout.file))

    def _check_nat00130(self, layout, number, fields, context) -> None:
        completed = fields["completed_on"]
        if isinstance(completed, date) and not (self.period.start <= completed <= self.period.end):
            self.finding(
                ERROR,
                "COMPLETION",
                COMPLETED_OUTSIDE_PERIOD.format(day=completed.strftime("%d/%m/%Y")),
                layout=layout,
                line=number,
                field_name="completed_on",
                context=context,
            )
        for file, what, name in (
            ("NAT00080", "Client", "client"),
            ("NAT00030", "Program", "program"),
        ):
            self.references.append((file, what, fields[name], number, context, layout.file))

    # Across files, once every file is written

    def finish(self) -> None:
        for file, what, code, number, context, from_file in self.references:
            if code not in self.keys.get(file, {}):
                layout = next(x for x in layouts.LAYOUTS if x.file == from_file)
                self.finding(
                    ERROR,
                    "LINK",
                    NOT_IN_FILE.format(what=what, code=code, file=file),
                    layout=layout,
                    line=number,
                    context=context,
                )
        for client, (disability, prior, number, context) in self.client_flags.items():
            if prior == "Y" and client not in self.clients_100:
                self.finding(
                    ERROR,
                    "400",
                    PRIOR_FLAG_WITHOUT_RECORDS,
                    layout=layouts.NAT00080,
                    line=number,
                    field_name="prior_education_flag",
                    context=context,
                )
            if disability == "Y" and client not in self.clients_90:
                self.finding(
                    ERROR,
                    "DISABILITY",
                    DISABILITY_FLAG_WITHOUT_RECORDS,
                    layout=layouts.NAT00080,
                    line=number,
                    field_name="disability_flag",
                    context=context,
                )
        for layout, clients, flag_index, flag in (
            (layouts.NAT00090, self.clients_90, 0, "disability"),
            (layouts.NAT00100, self.clients_100, 1, "prior educational achievement"),
        ):
            for client, context in clients.items():
                flags = self.client_flags.get(client)
                if flags and flags[flag_index] != "Y":
                    self.finding(
                        ERROR,
                        "400" if flag_index else "DISABILITY",
                        RECORDS_WITHOUT_FLAG.format(file=layout.file, client=client, flag=flag),
                        layout=layout,
                        context=context,
                    )
