"""Importing unit enrolments (results): dates, hours and outcome of a unit in an enrolment.

Matched on learner × offer code × unit code; the course enrolment must exist already.
"""

from decimal import Decimal

from testamur.interchange.problems import Problems
from testamur.interchange.spreadsheets import columns as c
from testamur.interchange.spreadsheets.engine import ParsedRow, record_problems
from testamur.interchange.spreadsheets.lookups import LEARNER_COLUMNS, LearnerLookup
from testamur.organisation.models import Jurisdiction, Organisation
from testamur.organisation.selectors import organisation_today
from testamur.training.models import (
    CourseEnrolment,
    CourseOffer,
    DeliveryMode,
    OutcomeCode,
    Unit,
    UnitEnrolment,
    training_organisation_outcome_for,
)
from testamur.training.services import (
    unit_enrolment_apply,
    unit_enrolment_rule_errors,
    unit_enrolments_save_many,
)

OFFER_UNKNOWN = "No course offer has code {code}. Import the course enrolments first."
NOT_ENROLLED = "This learner is not enrolled in offer {offer}. Import the course enrolments first."
UNIT_UNKNOWN = "No unit has code {code}. Add it under Units (or import a NAT00060 file)."
OUTCOME_UNKNOWN = (
    "'{code}' is not one of the {jurisdiction} outcome codes (see Units › Outcome codes)."
)
OUTCOME_REQUIRED = "Give the outcome code of a unit enrolment that is new."
UNIT_REPEATED = "{unit} for this learner in {offer} is also on row {row}."

COLUMNS = (
    *LEARNER_COLUMNS,
    c.Column(
        "offer_code",
        "Offer code",
        c.text(30),
        required=True,
        aliases=("course offer", "offer", "class code", "intake"),
    ),
    c.Column(
        "unit_code",
        "Unit code",
        c.text(12),
        required=True,
        aliases=("unit", "subject", "subject identifier", "unit of competency"),
    ),
    c.Column("start_date", "Start date", c.a_date, aliases=("activity start date",)),
    c.Column("end_date", "End date", c.a_date, aliases=("activity end date",)),
    c.Column("scheduled_hours", "Scheduled hours", c.hours),
    c.Column("actual_hours", "Actual hours", c.hours, aliases=("hours attended",)),
    c.Column(
        "outcome",
        "Outcome code",
        c.text(3),
        aliases=("outcome", "result", "outcome identifier national", "national outcome"),
    ),
    c.Column(
        "delivery_mode",
        "Delivery mode",
        c.choice(
            DeliveryMode.choices,
            classroom="I",
            internal="I",
            online="E",
            external="E",
            workplace="W",
            rpl="N",
            credit_transfer="N",
        ),
        aliases=("predominant delivery mode",),
    ),
)


class UnitEnrolmentImport(LearnerLookup):
    label = "Unit enrolments"
    columns = COLUMNS
    key_fields = frozenset({"client_id", "usi", "offer_code", "unit_code"})

    def prepare(self) -> None:
        self.offers = dict(CourseOffer.objects.values_list("code", "pk"))
        self.units = dict(Unit.objects.values_list("code", "pk"))
        self.jurisdiction = Organisation.load().jurisdiction
        self.today = organisation_today()
        self.all_outcomes = OutcomeCode.objects.in_bulk()
        self.outcomes = {
            o.code: o for o in self.all_outcomes.values() if o.jurisdiction == self.jurisdiction
        }
        self.seen: dict[tuple[int, int], int] = {}

    def _resolve(self, row: ParsedRow, problems: Problems):
        learner_id = self.learner_id(row, problems)
        offer_code, unit_code = row.values["offer_code"], row.values["unit_code"]
        offer_id = self.offers.get(offer_code)
        if offer_code and offer_id is None:
            problems.add(
                OFFER_UNKNOWN.format(code=offer_code),
                row=row.number,
                column=self.column("offer_code"),
            )
        unit_id = self.units.get(unit_code)
        if unit_code and unit_id is None:
            problems.add(
                UNIT_UNKNOWN.format(code=unit_code), row=row.number, column=self.column("unit_code")
            )
        if learner_id is None or offer_id is None or unit_id is None:
            return None
        enrolment = self.enrolments.get((learner_id, offer_id))
        if enrolment is None:
            problems.add(
                NOT_ENROLLED.format(offer=offer_code),
                row=row.number,
                column=self.column("offer_code"),
            )
            return None
        key = (enrolment[0], unit_id)
        if key in self.seen:
            problems.add(
                UNIT_REPEATED.format(unit=unit_code, offer=offer_code, row=self.seen[key]),
                row=row.number,
                column=self.column("unit_code"),
            )
            return None
        self.seen[key] = row.number
        stub = CourseEnrolment(pk=enrolment[0], learner_id=learner_id, status=enrolment[1])
        return stub, Unit(pk=unit_id, code=unit_code)

    def _data(self, row: ParsedRow, problems: Problems) -> dict | None:
        data = {}
        for name in ("start_date", "end_date"):
            if name in row.values:
                data[name] = row.values[name]
        for name in ("scheduled_hours", "actual_hours"):
            if name in row.values:
                data[name] = row.values[name] if row.values[name] is not None else Decimal("0")
        if row.values.get("delivery_mode"):
            data["delivery_mode"] = row.values["delivery_mode"]
        code = row.values.get("outcome") or ""
        if code:
            outcome = self.outcomes.get(code) or self.outcomes.get(code.zfill(2))
            if outcome is None:
                problems.add(
                    OUTCOME_UNKNOWN.format(
                        code=code, jurisdiction=Jurisdiction(self.jurisdiction).label
                    ),
                    row=row.number,
                    column=self.column("outcome"),
                )
                return None
            data["outcome"] = outcome
        return data

    def chunk(self, rows: list[ParsedRow], problems: Problems, *, write: bool) -> None:
        self.load_learners(rows)
        codes = {row.values.get("offer_code") for row in rows}
        found = CourseEnrolment.objects.filter(
            learner_id__in={*self.learner_by_client.values(), *self.learner_by_usi.values()},
            offer_id__in={self.offers[code] for code in codes if code in self.offers},
        )
        self.enrolments = {
            (learner_id, offer_id): (pk, status)
            for pk, learner_id, offer_id, status in found.values_list(
                "pk", "learner_id", "offer_id", "status"
            )
        }
        resolved = []
        for row in rows:
            found = self._resolve(row, problems)
            data = self._data(row, problems)
            if found is not None and data is not None:
                resolved.append((row, *found, data))
        existing = {}
        if resolved:
            for unit_enrolment in UnitEnrolment.objects.filter(
                course_enrolment_id__in={e.pk for _, e, _, _ in resolved},
                unit_id__in={u.pk for _, _, u, _ in resolved},
            ):
                unit_enrolment.outcome = self.all_outcomes[unit_enrolment.outcome_id]
                existing[(unit_enrolment.course_enrolment_id, unit_enrolment.unit_id)] = (
                    unit_enrolment
                )
        created, updated = [], []
        for row, enrolment, unit, data in resolved:
            unit_enrolment = existing.get((enrolment.pk, unit.pk))
            if unit_enrolment is None:
                if "outcome" not in data:
                    problems.add(OUTCOME_REQUIRED, row=row.number, column=self.column("outcome"))
                    continue
                unit_enrolment = UnitEnrolment(**data)
                changes = None
            else:
                changes = unit_enrolment_apply(unit_enrolment=unit_enrolment, data=data)
            unit_enrolment.course_enrolment = enrolment
            unit_enrolment.unit = unit
            derived = training_organisation_outcome_for(enrolment.status)
            stale = unit_enrolment.training_organisation_outcome != derived
            unit_enrolment.training_organisation_outcome = derived
            found = self._problems(unit_enrolment)
            if found:
                problems.add_all(found, row=row.number, columns=self.error_columns)
            elif row.failed:
                continue
            elif changes is None:
                created.append(unit_enrolment)
            elif changes or stale:
                updated.append((unit_enrolment, changes))
            else:
                self.counts.unchanged += 1
        self.counts.created += len(created)
        self.counts.updated += len(updated)
        if write and not problems:
            unit_enrolments_save_many(
                actor=self.actor, created=created, updated=updated, reason=self.reason
            )

    def _problems(self, unit_enrolment: UnitEnrolment) -> dict:
        errors = unit_enrolment_rule_errors(
            unit_enrolment,
            jurisdiction=self.jurisdiction,
            outcome=unit_enrolment.outcome,
            today=self.today,
        )
        return record_problems(
            unit_enrolment, errors, exclude=["course_enrolment", "unit", "outcome"]
        )
