"""Importing course enrolments: a learner in a course offer, matched on learner × offer code.

An offer the file names that does not exist yet is created from the row's offer dates (and
delivery location), so an RTO can bring its intakes across with its enrolments.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError

from testamur.interchange.problems import Problems
from testamur.interchange.spreadsheets import columns as c
from testamur.interchange.spreadsheets.engine import ParsedRow, record_problems
from testamur.interchange.spreadsheets.lookups import LEARNER_COLUMNS, LearnerLookup
from testamur.training.models import (
    Course,
    CourseEnrolment,
    CourseOffer,
    DeliveryLocation,
    EnrolmentStatus,
)
from testamur.training.services import (
    ENROLMENT_FIELDS,
    OFFER_ENDS_BEFORE_START,
    enrolment_apply,
    enrolment_rule_errors,
    enrolments_save_many,
    offer_create,
)

COURSE_UNKNOWN = "No course has code {code}. Add it under Courses (or import a NAT00030 file)."
OFFER_OF_OTHER_COURSE = "Offer {offer} is an offer of {actual}, not of {given}."
OFFER_NEEDS_DATES = (
    "Offer {offer} does not exist yet: give its start and end dates to create it, or add it "
    "under Course offers."
)
OFFER_DIFFERS = "Offer {offer} was given other details on row {row}."
LOCATION_UNKNOWN = "No delivery location has ID {code}. Add it under Delivery locations."
ENROLMENT_REPEATED = "This learner's enrolment in {offer} is also on row {row}."

COLUMNS = (
    *LEARNER_COLUMNS,
    c.Column("course_code", "Course code", c.text(10), required=True, aliases=("course",)),
    c.Column(
        "offer_code",
        "Offer code",
        c.text(30),
        required=True,
        aliases=("course offer", "offer", "class code", "intake"),
    ),
    c.Column("offer_start_date", "Offer start date", c.a_date),
    c.Column("offer_end_date", "Offer end date", c.a_date),
    c.Column(
        "location_code", "Delivery location ID", c.text(10), aliases=("location", "location id")
    ),
    c.Column(
        "status",
        "Status",
        c.choice(EnrolmentStatus.choices, current="active", enrolled="active"),
        aliases=("enrolment status",),
    ),
    c.Column("status_reason", "Status reason", c.text(200)),
    c.Column("commencement_date", "Commencement date", c.a_date, aliases=("start date",)),
    c.Column(
        "completion_date",
        "Assessment completed",
        c.a_date,
        aliases=("completion date", "completed on", "assessment completed date"),
    ),
    c.Column("commitment_id", "Commitment ID", c.text(10)),
    c.Column("program_id_1", "Program identifier 1", c.text(10)),
    c.Column("program_id_2", "Program identifier 2", c.text(10)),
    c.Column("program_id_3", "Program identifier 3", c.text(10)),
)


@dataclass
class NewOffer:
    code: str
    course_id: int
    start: date
    end: date
    location_id: int | None
    row: int
    offer: CourseOffer | None = None


class CourseEnrolmentImport(LearnerLookup):
    label = "Course enrolments"
    columns = COLUMNS
    key_fields = frozenset(
        {"client_id", "usi", "course_code", "offer_code", "offer_start_date", "offer_end_date"}
    )

    def prepare(self) -> None:
        self.courses = dict(Course.objects.values_list("code", "pk"))
        self.course_codes = {pk: code for code, pk in self.courses.items()}
        self.offers = {
            code: (pk, course_id)
            for code, pk, course_id in CourseOffer.objects.values_list("code", "pk", "course_id")
        }
        self.locations = dict(DeliveryLocation.objects.values_list("code", "pk"))
        self.new_offers: dict[str, NewOffer] = {}
        self.seen: dict[tuple, int] = {}

    def _offer(self, row: ParsedRow, course_id: int, problems: Problems):
        """The offer's stub (existing) or its NewOffer (to create); None when invalid."""
        code = row.values["offer_code"]
        column = self.column("offer_code")
        if code in self.offers:
            pk, actual = self.offers[code]
            if actual != course_id:
                problems.add(
                    OFFER_OF_OTHER_COURSE.format(
                        offer=code,
                        actual=self.course_codes[actual],
                        given=self.course_codes[course_id],
                    ),
                    row=row.number,
                    column=self.column("course_code"),
                )
                return None
            return CourseOffer(pk=pk, code=code, course_id=course_id)
        start, end = row.values.get("offer_start_date"), row.values.get("offer_end_date")
        location_code = row.values.get("location_code") or ""
        location_id = self.locations.get(location_code) if location_code else None
        if location_code and location_id is None:
            problems.add(
                LOCATION_UNKNOWN.format(code=location_code),
                row=row.number,
                column=self.column("location_code"),
            )
            return None
        if not start or not end:
            problems.add(OFFER_NEEDS_DATES.format(offer=code), row=row.number, column=column)
            return None
        planned = self.new_offers.get(code)
        if planned is None:
            planned = NewOffer(code, course_id, start, end, location_id, row.number)
            if not self._offer_valid(code, planned, row, problems):
                return None
            self.new_offers[code] = planned
        elif (planned.course_id, planned.start, planned.end, planned.location_id) != (
            course_id,
            start,
            end,
            location_id,
        ):
            problems.add(OFFER_DIFFERS.format(offer=code, row=planned.row), row=row.number)
            return None
        return planned

    def _offer_valid(self, code: str, planned: NewOffer, row, problems: Problems) -> bool:
        offer = CourseOffer(code=code, start_date=planned.start, end_date=planned.end)
        found = {}
        if planned.end < planned.start:
            found["offer_end_date"] = [OFFER_ENDS_BEFORE_START]
        try:
            offer.full_clean(
                exclude=["course", "location", "trainer"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            renamed = {"code": "offer_code", "start_date": "offer_start_date"}
            for field, messages in exc.message_dict.items():
                found.setdefault(renamed.get(field, field), []).extend(messages)
        problems.add_all(found, row=row.number, columns=self.error_columns)
        return not found

    def _data(self, row: ParsedRow) -> dict:
        data = {name: row.values[name] for name in ENROLMENT_FIELDS if name in row.values}
        if not data.get("status"):
            data.pop("status", None)
        return data

    def chunk(self, rows: list[ParsedRow], problems: Problems, *, write: bool) -> None:
        self.load_learners(rows)
        codes = {row.values.get("offer_code") for row in rows}
        found = CourseEnrolment.objects.filter(
            learner_id__in={*self.learner_by_client.values(), *self.learner_by_usi.values()},
            offer_id__in={self.offers[code][0] for code in codes if code in self.offers},
        )
        enrolments = {
            (learner_id, offer_id): pk
            for pk, learner_id, offer_id in found.values_list("pk", "learner_id", "offer_id")
        }
        resolved = []
        for row in rows:
            learner_id = self.learner_id(row, problems)
            course_code = row.values["course_code"]
            course_id = self.courses.get(course_code)
            if course_code and course_id is None:
                problems.add(
                    COURSE_UNKNOWN.format(code=course_code),
                    row=row.number,
                    column=self.column("course_code"),
                )
            if learner_id is None or course_id is None:
                continue
            offer = self._offer(row, course_id, problems)
            if offer is None:
                continue
            offer_code = row.values["offer_code"]
            key = (learner_id, offer_code)
            if key in self.seen:
                problems.add(
                    ENROLMENT_REPEATED.format(offer=offer_code, row=self.seen[key]),
                    row=row.number,
                    column=self.column("offer_code"),
                )
                continue
            self.seen[key] = row.number
            pk = enrolments.get((learner_id, offer.pk)) if isinstance(offer, CourseOffer) else None
            resolved.append((row, learner_id, offer, pk))
        if write:
            self._create_offers(resolved)
        existing = CourseEnrolment.objects.in_bulk([pk for *_, pk in resolved if pk])
        created, updated = [], []
        for row, learner_id, offer, pk in resolved:
            data = self._data(row)
            if isinstance(offer, NewOffer):
                offer = offer.offer or CourseOffer(
                    code=offer.code,
                    course_id=offer.course_id,
                    start_date=offer.start,
                    end_date=offer.end,
                )
            if pk:
                enrolment = existing[pk]
                enrolment.offer = offer
                was_status = enrolment.status
                changes = enrolment_apply(enrolment=enrolment, data=data)
            else:
                enrolment = CourseEnrolment(learner_id=learner_id, offer=offer)
                enrolment_apply(enrolment=enrolment, data=data)
                if enrolment.commencement_date is None:
                    enrolment.commencement_date = offer.start_date
            found = self._problems(enrolment)
            if found:
                problems.add_all(found, row=row.number, columns=self.error_columns)
            elif row.failed:
                continue
            elif not pk:
                created.append(enrolment)
            elif changes:
                updated.append((enrolment, changes, was_status))
            else:
                self.counts.unchanged += 1
        self.counts.created += len(created)
        self.counts.updated += len(updated)
        if write and not problems:
            enrolments_save_many(
                actor=self.actor, created=created, updated=updated, reason=self.reason
            )

    def _problems(self, enrolment: CourseEnrolment) -> dict:
        return record_problems(
            enrolment,
            enrolment_rule_errors(enrolment),
            exclude=["learner", "offer", "transitioned_from"],
        )

    def _create_offers(self, resolved) -> None:
        """Create, through the offer service, the new offers this chunk is the first to need."""
        for _row, _learner, offer, _pk in resolved:
            if not isinstance(offer, NewOffer) or offer.offer is not None:
                continue
            offer.offer = offer_create(
                actor=self.actor,
                course=Course.objects.get(pk=offer.course_id),
                code=offer.code,
                start_date=offer.start,
                end_date=offer.end,
                location=DeliveryLocation.objects.filter(pk=offer.location_id).first(),
            )
            self.offers[offer.code] = (offer.offer.pk, offer.course_id)
