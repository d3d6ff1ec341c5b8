"""AVETMISS 8.0 import: NAT files → the RTO, locations, courses, units, learners, enrolments.

Every line is checked first (layout, codes, references between files and to what Testamur
already holds, the models' own rules); only when nothing is wrong is anything written, in one
transaction, through the same services the screens use (bulk ones for learners and
enrolments). Blank or not-stated values in the files never clear what Testamur already has.

NAT00120 has no course offer or enrolment of its own, so lines are grouped: consecutive lines
that differ only in the program identifier are one unit enrolment reported under several
programs (a transitioned learner); a learner's lines for the same programs, delivery location
and training-organisation outcome are one course enrolment (a second enrolment when a unit
repeats). Such an enrolment is matched to the learner's existing enrolment in that course at
that location; otherwise it is enrolled in an offer of the course at that location covering its
first start date, or in an offer made for the import (course-location-year).
"""

import re
import zipfile
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from testamur.interchange.avetmiss import records
from testamur.interchange.avetmiss.reading import LineReport, nat_files, nat_records
from testamur.interchange.problems import Problems
from testamur.interchange.spreadsheets.engine import Counts
from testamur.learners.models import Learner, UsiStatus
from testamur.learners.services import (
    USI_TAKEN,
    learner_apply,
    learner_new,
    learner_problems,
    learners_save_many,
)
from testamur.organisation.models import Jurisdiction, Organisation
from testamur.organisation.services import organisation_update
from testamur.training.models import (
    AqfLevel,
    Course,
    CourseEnrolment,
    CourseOffer,
    CourseType,
    DeliveryLocation,
    EnrolmentStatus,
    OutcomeCode,
    Unit,
    UnitEnrolment,
    training_organisation_outcome_for,
)
from testamur.training.outcome_codes import NOT_SET, WITHDRAWN
from testamur.training.services import (
    course_create,
    course_update,
    enrolment_apply,
    enrolment_rule_errors,
    enrolments_save_many,
    location_create,
    location_update,
    offer_create,
    offer_update,
    unit_create,
    unit_enrolment_apply,
    unit_enrolment_rule_errors,
    unit_enrolments_save_many,
    unit_update,
)

OTHER_RTO = "These files are for RTO {toid}, but Testamur is set up for RTO {expected}."
TOID_DIFFERS = "Training organisation identifier {toid} is not the RTO's ({expected})."
ONE_ORGANISATION = "NAT00010 holds one line, for the RTO; line {line} is the first."
REPEATED = "{what} {code} is also on line {line}."
UNKNOWN_LOCATION = "Delivery location {code} is not in NAT00020 nor in Testamur."
UNKNOWN_CLIENT = "Client {code} is not in NAT00080 nor in Testamur."
UNKNOWN_SUBJECT = "Subject {code} is not in NAT00060 nor in Testamur."
UNKNOWN_PROGRAM = "Program {code} is not in NAT00030 nor in Testamur."
UNKNOWN_OUTCOME = "Outcome {code} is not one of the {jurisdiction} outcome codes."
USI_REPEATED = "This USI is also on line {line}, for client {client}."
COMMITMENT_TOO_LONG = (
    "Testamur keeps a commitment ID of up to 10 characters; '{value}' has {length}."
)
NO_ENROLMENT_FOR_COMPLETION = (
    "NAT00120 has no training activity, and Testamur no enrolment, for client {client} in "
    "program {program}."
)

LABELS = {
    "organisation": "Training organisation",
    "locations": "Delivery locations",
    "courses": "Courses",
    "units": "Units",
    "learners": "Learners",
    "offers": "Course offers",
    "enrolments": "Course enrolments",
    "unit_enrolments": "Unit enrolments",
}
# The field naming each record, for the files other files refer to.
FLAWED_KEYS = {
    "NAT00020": "location",
    "NAT00030": "program",
    "NAT00060": "subject",
    "NAT00080": "client",
    "NAT00085": "client",
}
_QUALIFICATION_CODE = re.compile(r"^[A-Z]{3}([1-68])\d{4}$")


@dataclass
class Line:
    file: str
    number: int
    values: dict
    report: LineReport


@dataclass
class Activity:
    line: Line
    programs: list[str]

    @property
    def values(self) -> dict:
        return self.line.values


@dataclass
class NewOffer:
    code: str
    course: str
    location: str
    start: date
    end: date
    offer: CourseOffer | None = None


@dataclass
class EnrolmentPlan:
    client_id: str
    programs: list[str]
    location: str
    outcome_to: str
    activities: dict[str, Activity] = field(default_factory=dict)
    completion: Line | None = None
    enrolment: CourseEnrolment | None = None
    existing: bool = False
    changes: dict = field(default_factory=dict)
    was_status: str = ""
    offer: CourseOffer | NewOffer | None = None

    @property
    def course(self) -> str:
        return self.programs[0]

    @property
    def first_start(self) -> date:
        return min(a.values["start_date"] for a in self.activities.values())

    @property
    def last_end(self) -> date:
        return max(a.values["end_date"] for a in self.activities.values())


def course_kind(code: str) -> tuple[str, int | None]:
    """A new course's type and AQF level, read from its national code (BSB40120 → Cert IV)."""
    if "SS" in code[3:6]:
        return CourseType.SKILL_SET, None
    match = _QUALIFICATION_CODE.match(code)
    if match:
        level = int(match[1])
        return CourseType.QUALIFICATION, level if level in AqfLevel.values else None
    return CourseType.ACCREDITED, None


def _changed(instance, data: dict) -> dict:
    """Set the non-blank values of `data`; return {field: [old, new]} for those that differ."""
    changes = {}
    for name, value in data.items():
        if value in ("", None):
            continue
        old = getattr(instance, name)
        if old != value:
            changes[name] = [str(old if old is not None else ""), str(value)]
            setattr(instance, name, value)
    return changes


class AvetmissImport:
    def __init__(self, *, actor, reason: str = ""):
        self.actor, self.reason = actor, reason
        self.problems = Problems()
        self.counts = {key: Counts() for key in LABELS}
        self.ignored: list[str] = []
        self.organisation = Organisation.load()
        self.jurisdiction = self.organisation.jurisdiction

    @property
    def summary(self) -> dict:
        return {
            LABELS[key]: counts.as_dict()
            for key, counts in self.counts.items()
            if counts.created or counts.updated or counts.unchanged
        }

    def run(self, path, *, write: bool) -> None:
        with zipfile.ZipFile(path) as archive:
            files, self.ignored = nat_files(archive, self.problems)
            if self.problems:
                return
            self._read(archive, files)
        self._check()
        if write and not self.problems:
            with transaction.atomic():
                self._write()

    # Reading every line

    def _read(self, archive, files) -> None:
        readers = {
            "NAT00010": records.nat00010_read,
            "NAT00020": records.nat00020_read,
            "NAT00030": records.nat00030_read,
            "NAT00060": records.nat00060_read,
            "NAT00080": records.nat00080_read,
            "NAT00085": records.nat00085_read,
            "NAT00120": records.nat00120_read,
            "NAT00130": records.nat00130_read,
        }
        self.org_line: Line | None = None
        self.locations: dict[str, Line] = {}
        self.programs: dict[str, Line] = {}
        self.subjects: dict[str, Line] = {}
        self.clients: dict[str, Line] = {}
        self.postal: dict[str, Line] = {}
        self.activities: list[Activity] = []
        self.completions: list[Line] = []
        # Codes on lines with a problem: already reported, so not "unknown" where referred to.
        self.flawed: set[str] = set()
        keyed = {
            "NAT00020": (self.locations, "code", "Delivery location"),
            "NAT00030": (self.programs, "code", "Program"),
            "NAT00060": (self.subjects, "code", "Subject"),
            "NAT00080": (self.clients, "client_id", "Client"),
            "NAT00085": (self.postal, "client_id", "Client"),
        }
        previous_key = None
        for kind in sorted(files):
            nat = files[kind]
            for number, fields, report in nat_records(archive, nat, self.problems):
                before = report.count
                values = readers[kind](fields, report)
                if report.count > before:
                    if kind in FLAWED_KEYS:
                        self.flawed.add(fields[FLAWED_KEYS[kind]])
                    continue
                line = Line(nat.name, number, values, report)
                if kind == "NAT00010":
                    if self.org_line:
                        report(ONE_ORGANISATION.format(line=self.org_line.number))
                    else:
                        self.org_line = line
                elif kind in keyed:
                    store, key, what = keyed[kind]
                    code = values[key]
                    if code in store:
                        report(REPEATED.format(what=what, code=code, line=store[code].number))
                    else:
                        store[code] = line
                elif kind == "NAT00120":
                    key = tuple(v for k, v in sorted(values.items()) if k != "program")
                    if (
                        key == previous_key
                        and values["program"] not in self.activities[-1].programs
                    ):
                        self.activities[-1].programs.append(values["program"])
                    else:
                        self.activities.append(Activity(line, [values["program"]]))
                    previous_key = key
                else:
                    self.completions.append(line)

    # Checking everything

    def _check(self) -> None:
        self.toid = self.organisation.rto_code
        if self.org_line:
            self._check_organisation(self.org_line)
        for lines in (self.locations.values(), self.activities, self.completions):
            for item in lines:
                line = item.line if isinstance(item, Activity) else item
                toid = line.values["toid"]
                if self.toid and toid != self.toid:
                    line.report(TOID_DIFFERS.format(toid=toid, expected=self.toid), "toid")
        self.db_locations = DeliveryLocation.objects.in_bulk(
            {*self.locations, *(a.values["location"] for a in self.activities)},
            field_name="code",
        )
        self.db_courses = Course.objects.in_bulk(
            {
                *self.programs,
                *(p for a in self.activities for p in a.programs),
                *(c.values["program"] for c in self.completions),
            },
            field_name="code",
        )
        self.db_units = Unit.objects.in_bulk(
            {*self.subjects, *(a.values["subject"] for a in self.activities)}, field_name="code"
        )
        self.location_plan = self._check_simple(
            self.locations, self.db_locations, DeliveryLocation, "locations", self._location_data
        )
        self.course_plan = self._check_simple(
            self.programs, self.db_courses, Course, "courses", self._course_data
        )
        self.unit_plan = self._check_simple(
            self.subjects, self.db_units, Unit, "units", self._unit_data
        )
        self._check_learners()
        self._check_activities()
        if not self.problems:
            self._plan_enrolments()

    def _check_organisation(self, line: Line) -> None:
        values = dict(line.values)
        toid = values["rto_code"]
        if self.toid and toid != self.toid:
            line.report(OTHER_RTO.format(toid=toid, expected=self.toid), "toid")
            return
        self.toid = toid
        organisation = Organisation.load()
        self.org_changes = _changed(organisation, values)
        try:
            organisation.full_clean()
        except ValidationError as exc:
            names = {"rto_code": "toid", "legal_name": "name", "address_line": "address_1"}
            for name, messages in exc.message_dict.items():
                for message in messages:
                    line.report(message, names.get(name, name) if name in values else None)
            return
        counts = self.counts["organisation"]
        if self.org_changes:
            counts.updated += 1
        else:
            counts.unchanged += 1

    @staticmethod
    def _location_data(values: dict, existing) -> dict:
        return {k: values[k] for k in ("name", "suburb", "state", "postcode")}

    @staticmethod
    def _course_data(values: dict, existing) -> dict:
        data = {"title": values["title"], "nominal_hours": values["nominal_hours"]}
        if existing is None:
            data["course_type"], data["aqf_level"] = course_kind(values["code"])
        return data

    @staticmethod
    def _unit_data(values: dict, existing) -> dict:
        return {k: values[k] for k in ("title", "field_of_education", "is_vet", "nominal_hours")}

    def _check_simple(self, lines: dict[str, Line], existing: dict, model, key: str, data_for):
        """Locations, courses and units: build each, check it, and plan create or update."""
        plan = []
        fields = {
            "code": "location" if model is DeliveryLocation else "program",
            "title": "name",
        }
        if model is Unit:
            fields["code"] = "subject"
        for code, line in lines.items():
            current = existing.get(code)
            data = {k: v for k, v in data_for(line.values, current).items() if v not in ("", None)}
            if current is None:
                instance = model(code=code, **data)
                changes = None
            else:
                instance = current
                changes = _changed(instance, data)
            try:
                instance.full_clean(exclude=["units", "superseded_by"], validate_unique=False)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    for message in messages:
                        line.report(message, fields.get(name, name))
                continue
            counts = self.counts[key]
            if changes is None:
                counts.created += 1
            elif changes:
                counts.updated += 1
            else:
                counts.unchanged += 1
            plan.append((instance, data, changes))
        return plan

    def _learner_fields(self, client_id: str) -> tuple[dict, Line | None, Line | None]:
        line80, line85 = self.clients.get(client_id), self.postal.get(client_id)
        fields: dict = {}
        if line80:
            v = line80.values
            first = line85.values["given_name"] if line85 else ""
            fields.update(records.names_from_encryption(v["name_for_encryption"], first))
            fields.update(
                {
                    "gender": "" if v["gender"] == "@" else v["gender"],
                    "date_of_birth": v["date_of_birth"],
                    "postcode": v["postcode"],
                    "suburb": v["suburb"],
                    "state": v["state"],
                    "address_line": v["address_line"],
                }
            )
            usi = v["usi"]
            if usi in records.EXEMPTIONS:
                fields["usi"] = None
                fields["usi_status"] = (
                    UsiStatus.EXEMPTION_INDIV if usi == "INDIV" else UsiStatus.EXEMPTION_INTOFF
                )
            elif usi:
                fields["usi"] = usi
        if line85:
            v = line85.values
            fields.update({k: v[k] for k in ("title", "phone", "email")})
            fields.update({"given_name": v["given_name"], "family_name": v["family_name"]})
        return fields, line80, line85

    def _check_learners(self) -> None:
        client_ids = {*self.clients, *self.postal}
        referred = {a.values["client_id"] for a in self.activities}
        referred |= {line.values["client_id"] for line in self.completions}
        self.db_learners = Learner.objects.in_bulk(client_ids | referred, field_name="client_id")
        usis = {
            line.values["usi"]
            for line in self.clients.values()
            if line.values["usi"] and line.values["usi"] not in records.EXEMPTIONS
        }
        usi_owner = dict(Learner.objects.filter(usi__in=usis).values_list("usi", "client_id"))
        usi_line: dict[str, tuple[int, str]] = {}
        self.new_learners: list[Learner] = []
        self.changed_learners: list[tuple[Learner, dict, str]] = []
        counts = self.counts["learners"]
        for client_id in sorted(client_ids):
            fields, line80, line85 = self._learner_fields(client_id)
            learner = self.db_learners.get(client_id)
            if learner is None and line80 is None:
                line85.report(UNKNOWN_CLIENT.format(code=client_id), "client")
                continue
            fields = {k: v for k, v in fields.items() if v not in ("", None) or k == "usi"}
            if "usi" in fields and fields["usi"] is None and "usi_status" not in fields:
                fields.pop("usi")
            if learner is None:
                fields["client_id"] = client_id
                if fields.get("usi") and "usi_status" not in fields:
                    fields["usi_status"] = UsiStatus.NOT_VERIFIED
                learner = learner_new(actor=self.actor, fields=fields)
                changes = None
            else:
                was_status = learner.usi_status
                changes = learner_apply(learner=learner, actor=self.actor, fields=fields)
            found = learner_problems(learner, check_database=False)
            usi = learner.usi
            if usi and "usi" not in found:
                owner = usi_owner.get(usi)
                if usi in usi_line and usi_line[usi][1] != client_id:
                    found["usi"] = [
                        USI_REPEATED.format(line=usi_line[usi][0], client=usi_line[usi][1])
                    ]
                elif owner and owner != client_id:
                    other = Learner.objects.get(client_id=owner)
                    found["usi"] = [USI_TAKEN.format(client_id=owner, name=other.full_name)]
                else:
                    usi_line[usi] = (line80.number if line80 else 0, client_id)
            if found:
                self._learner_problems(found, line80, line85)
                continue
            if changes is None:
                self.new_learners.append(learner)
                counts.created += 1
            elif changes:
                self.changed_learners.append((learner, changes, was_status))
                counts.updated += 1
            else:
                counts.unchanged += 1
            self.db_learners[client_id] = learner

    @staticmethod
    def _learner_problems(found: dict, line80: Line | None, line85: Line | None) -> None:
        in_85 = {"title": "title", "email": "email", "phone": "phone_mobile"}
        if line85:
            in_85.update({"given_name": "first_name", "family_name": "last_name"})
        in_80 = {
            "client_id": "client",
            "given_name": "name_for_encryption",
            "family_name": "name_for_encryption",
            "middle_names": "name_for_encryption",
            "usi_status": "usi",
        }
        for name, messages in found.items():
            for message in messages:
                if name in in_85 and line85:
                    line85.report(message, in_85[name])
                elif line80:
                    field_name = in_80.get(name, name)
                    known = any(f.name == field_name for f in line80.report.nat.layout.fields)
                    line80.report(message, field_name if known else None)
                else:
                    line85.report(message)

    def _known(self, code: str, in_file: dict, in_db: dict) -> bool:
        return code in in_file or code in in_db or code in self.flawed

    def _check_activities(self) -> None:
        self.outcomes = {
            o.code: o for o in OutcomeCode.objects.filter(jurisdiction=self.jurisdiction)
        }
        jurisdiction = Jurisdiction(self.jurisdiction).label
        checks = (
            ("location", self.locations, self.db_locations, UNKNOWN_LOCATION),
            ("subject", self.subjects, self.db_units, UNKNOWN_SUBJECT),
        )
        valid = []
        for activity in self.activities:
            values, report = activity.values, activity.line.report
            before = report.count
            for name, in_file, in_db, message in checks:
                if not self._known(values[name], in_file, in_db):
                    report(message.format(code=values[name]), name)
            for program in activity.programs:
                if not self._known(program, self.programs, self.db_courses):
                    report(UNKNOWN_PROGRAM.format(code=program), "program")
            if not self._known(values["client_id"], self.clients, self.db_learners):
                report(UNKNOWN_CLIENT.format(code=values["client_id"]), "client")
            if values["outcome"] not in self.outcomes:
                report(
                    UNKNOWN_OUTCOME.format(code=values["outcome"], jurisdiction=jurisdiction),
                    "outcome",
                )
            commitment = values["commitment_id"]
            if len(commitment) > 10:
                report(
                    COMMITMENT_TOO_LONG.format(value=commitment, length=len(commitment)),
                    "purchasing_contract",
                )
            if report.count == before:
                valid.append(activity)
        self.activities = valid
        completions = []
        for line in self.completions:
            before = line.report.count
            if not self._known(line.values["client_id"], self.clients, self.db_learners):
                line.report(UNKNOWN_CLIENT.format(code=line.values["client_id"]), "client")
            if not self._known(line.values["program"], self.programs, self.db_courses):
                line.report(UNKNOWN_PROGRAM.format(code=line.values["program"]), "program")
            if line.report.count == before:
                completions.append(line)
        self.completions = completions

    # Grouping training activity into enrolments

    def _plan_enrolments(self) -> None:
        groups: dict[tuple, list[EnrolmentPlan]] = {}
        self.plans: list[EnrolmentPlan] = []
        for activity in self.activities:
            v = activity.values
            key = (
                v["client_id"],
                tuple(activity.programs),
                v["location"],
                v["outcome_training_organisation"],
            )
            buckets = groups.setdefault(key, [])
            plan = next((p for p in buckets if v["subject"] not in p.activities), None)
            if plan is None:
                plan = EnrolmentPlan(v["client_id"], list(activity.programs), v["location"], key[3])
                buckets.append(plan)
                self.plans.append(plan)
            plan.activities[v["subject"]] = activity
        self._load_enrolments()
        for plan in self.plans:
            self._match_enrolment(plan)
        self.completion_only: list[EnrolmentPlan] = []
        for line in self.completions:
            self._place_completion(line)
        self._plan_offers()
        for plan in [*self.plans, *self.completion_only]:
            self._build_enrolment(plan)
        self._build_unit_enrolments()

    def _load_enrolments(self) -> None:
        learner_ids = [learner.pk for learner in self.db_learners.values() if learner.pk]
        self.db_enrolments: dict[tuple, list[CourseEnrolment]] = {}
        found = CourseEnrolment.objects.filter(learner_id__in=learner_ids).select_related(
            "learner", "offer__course", "offer__location"
        )
        for enrolment in found.order_by("offer__start_date", "pk"):
            location = enrolment.offer.location.code if enrolment.offer.location else ""
            key = (enrolment.learner.client_id, enrolment.offer.course.code)
            self.db_enrolments.setdefault((*key, location), []).append(enrolment)
            self.db_enrolments.setdefault(key, []).append(enrolment)
        self.claimed: set[int] = set()

    def _match_enrolment(self, plan: EnrolmentPlan) -> None:
        candidates = [
            e
            for e in self.db_enrolments.get((plan.client_id, plan.course, plan.location), [])
            if e.pk not in self.claimed
        ]
        if not candidates:
            return

        def distance(enrolment):
            same_outcome = enrolment.training_organisation_outcome == plan.outcome_to
            start = enrolment.commencement_date or enrolment.offer.start_date
            return (not same_outcome, abs((start - plan.first_start).days))

        enrolment = min(candidates, key=distance)
        self.claimed.add(enrolment.pk)
        plan.enrolment, plan.existing = enrolment, True

    def _place_completion(self, line: Line) -> None:
        client, program = line.values["client_id"], line.values["program"]
        completed_on = line.values["completed_on"]
        candidates = [
            p
            for p in self.plans
            if p.client_id == client
            and p.course == program
            and p.outcome_to == ""
            and p.completion is None
        ]
        if candidates:
            before = [p for p in candidates if p.last_end <= completed_on]
            plan = max(before or candidates, key=lambda p: p.last_end)
            plan.completion = line
            return
        enrolments = [
            e for e in self.db_enrolments.get((client, program), []) if e.pk not in self.claimed
        ]
        if not enrolments:
            line.report(NO_ENROLMENT_FOR_COMPLETION.format(client=client, program=program))
            return
        enrolment = enrolments[-1]
        self.claimed.add(enrolment.pk)
        plan = EnrolmentPlan(client, [program], "", "", completion=line)
        plan.enrolment, plan.existing = enrolment, True
        self.completion_only.append(plan)

    def _plan_offers(self) -> None:
        """An offer for each new enrolment: one covering its start, else one for the import."""
        offers = CourseOffer.objects.filter(
            course__code__in={p.course for p in self.plans}
        ).select_related("course", "location")
        by_place: dict[tuple[str, str], list[CourseOffer]] = {}
        self.offers_by_code: dict[str, CourseOffer] = {}
        for offer in offers:
            location = offer.location.code if offer.location else ""
            by_place.setdefault((offer.course.code, location), []).append(offer)
        self.new_offers: dict[str, NewOffer] = {}
        self.widened: dict[str, CourseOffer] = {}
        taken = set(CourseOffer.objects.values_list("code", flat=True))
        for plan in self.plans:
            if plan.existing:
                continue
            start, end = plan.first_start, plan.last_end
            place = (plan.course, plan.location)
            covering = [o for o in by_place.get(place, []) if o.start_date <= start <= o.end_date]
            if covering:
                plan.offer = covering[0]
                continue
            code = self._offer_code(plan.course, plan.location, start.year)
            existing = next((o for o in by_place.get(place, []) if o.code == code), None)
            if existing is not None:
                existing.start_date = min(existing.start_date, start)
                existing.end_date = max(existing.end_date, end)
                self.widened[code] = existing
                plan.offer = existing
                continue
            new = self.new_offers.get(code)
            if new is None:
                suffix, unique = 1, code
                while unique in taken:
                    suffix += 1
                    unique = f"{code}-{suffix}"
                new = self.new_offers[code] = NewOffer(
                    unique, plan.course, plan.location, start, end
                )
                taken.add(unique)
            new.start, new.end = min(new.start, start), max(new.end, end)
            plan.offer = new
        self.counts["offers"].created = len(self.new_offers)
        self.counts["offers"].updated = len(self.widened)

    @staticmethod
    def _offer_code(course: str, location: str, year: int) -> str:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "", location)
        return f"{course}-{safe}-{year}"[:30]

    def _status(self, plan: EnrolmentPlan) -> str:
        if plan.outcome_to == "D":
            return EnrolmentStatus.DEFERRED
        if plan.outcome_to == "TNC":
            outcomes = {a.values["outcome"] for a in plan.activities.values()}
            if outcomes <= {NOT_SET}:
                return EnrolmentStatus.CANCELLED_NO_PENALTY
            if WITHDRAWN[self.jurisdiction] in outcomes:
                return EnrolmentStatus.WITHDRAWN
            return EnrolmentStatus.PARTIAL_ATTENDANCE
        return EnrolmentStatus.COMPLETED if plan.completion else EnrolmentStatus.ACTIVE

    def _build_enrolment(self, plan: EnrolmentPlan) -> None:
        data: dict = {}
        extra: dict = {}
        if plan.activities:
            first = next(iter(plan.activities.values())).values
            if first["commitment_id"]:
                data["commitment_id"] = first["commitment_id"]
            if len(plan.programs) > 1:
                for name, code in zip(
                    ("program_id_1", "program_id_2", "program_id_3"), plan.programs, strict=False
                ):
                    data[name] = code
        if plan.completion:
            completion = plan.completion.values
            data["completion_date"] = completion["completed_on"]
            if completion["issued"]:
                extra["qual_issued"] = True
        if plan.existing:
            enrolment = plan.enrolment
            plan.was_status = enrolment.status
            derived = training_organisation_outcome_for(enrolment.status)
            if plan.activities and derived != plan.outcome_to:
                data["status"] = self._status(plan)
            if plan.completion and enrolment.status != EnrolmentStatus.COMPLETED:
                data["status"] = EnrolmentStatus.COMPLETED
            if plan.activities and (
                enrolment.commencement_date is None
                or enrolment.commencement_date > plan.first_start
            ):
                data["commencement_date"] = plan.first_start
            plan.changes = enrolment_apply(enrolment=enrolment, data=data)
            if extra and not enrolment.qual_issued:
                enrolment.qual_issued = True
                enrolment.issued_date = enrolment.issued_date or data["completion_date"]
                plan.changes["qual_issued"] = ["False", "True"]
                plan.changes["issued_date"] = ["", str(enrolment.issued_date)]
        else:
            enrolment = CourseEnrolment(commencement_date=plan.first_start)
            data["status"] = self._status(plan)
            enrolment_apply(enrolment=enrolment, data=data)
            if extra:
                enrolment.qual_issued = True
                enrolment.issued_date = data["completion_date"]
            plan.enrolment = enrolment
        errors = enrolment_rule_errors(enrolment)
        try:
            enrolment.full_clean(
                exclude=["learner", "offer", "transitioned_from", *errors],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
        if errors:
            line = plan.completion or next(iter(plan.activities.values())).line
            for message in errors.values():
                line.report(message)
            return
        counts = self.counts["enrolments"]
        if not plan.existing:
            counts.created += 1
        elif plan.changes:
            counts.updated += 1
        else:
            counts.unchanged += 1

    def _build_unit_enrolments(self) -> None:
        existing_ids = [p.enrolment.pk for p in self.plans if p.existing]
        self.db_unit_enrolments: dict[tuple[int, str], UnitEnrolment] = {}
        for start in range(0, len(existing_ids), 500):
            for unit_enrolment in UnitEnrolment.objects.filter(
                course_enrolment_id__in=existing_ids[start : start + 500]
            ).select_related("unit", "outcome"):
                key = (unit_enrolment.course_enrolment_id, unit_enrolment.unit.code)
                self.db_unit_enrolments[key] = unit_enrolment
        counts = self.counts["unit_enrolments"]
        self.unit_work: list[tuple[EnrolmentPlan, str, UnitEnrolment, dict | None]] = []
        for plan in self.plans:
            derived = training_organisation_outcome_for(plan.enrolment.status)
            for code, activity in plan.activities.items():
                v = activity.values
                data = {
                    "start_date": v["start_date"],
                    "end_date": v["end_date"],
                    "delivery_mode": v["delivery_mode"],
                    "outcome": self.outcomes[v["outcome"]],
                    "actual_hours": v["hours_attended"],
                    "scheduled_hours": v["scheduled_hours"],
                }
                current = (
                    self.db_unit_enrolments.get((plan.enrolment.pk, code))
                    if plan.existing
                    else None
                )
                if current is None:
                    unit_enrolment = UnitEnrolment(**data)
                    changes = None
                else:
                    # The files hold whole hours: keep the half hours Testamur has.
                    for name in ("actual_hours", "scheduled_hours"):
                        if records.whole_hours(getattr(current, name)) == data[name]:
                            del data[name]
                    unit_enrolment = current
                    changes = unit_enrolment_apply(unit_enrolment=current, data=data)
                stale = unit_enrolment.training_organisation_outcome != derived
                unit_enrolment.training_organisation_outcome = derived
                errors = unit_enrolment_rule_errors(
                    unit_enrolment, jurisdiction=self.jurisdiction, outcome=data.get("outcome")
                )
                try:
                    unit_enrolment.full_clean(
                        exclude=["course_enrolment", "unit", "outcome", *errors],
                        validate_unique=False,
                        validate_constraints=False,
                    )
                except ValidationError as exc:
                    errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
                if errors:
                    for message in errors.values():
                        activity.line.report(message)
                    continue
                if changes is None:
                    counts.created += 1
                elif changes or stale:
                    counts.updated += 1
                else:
                    counts.unchanged += 1
                    continue
                self.unit_work.append((plan, code, unit_enrolment, changes))

    # Writing (only when every check passed), in one transaction

    def _write(self) -> None:
        actor, reason = self.actor, self.reason
        if self.org_line and self.org_changes:
            values = self.org_line.values
            organisation_update(actor=actor, **{name: values[name] for name in self.org_changes})
        saved = {}
        for model, plan, create, update in (
            (DeliveryLocation, self.location_plan, location_create, location_update),
            (Course, self.course_plan, course_create, course_update),
            (Unit, self.unit_plan, unit_create, unit_update),
        ):
            for instance, data, changes in plan:
                if changes is None:
                    instance = create(actor=actor, code=instance.code, **data)
                elif changes:
                    keyword = {DeliveryLocation: "location", Course: "course", Unit: "unit"}
                    fresh = model.objects.get(pk=instance.pk)
                    instance = update(actor=actor, data=data, **{keyword[model]: fresh})
                saved[(model, instance.code)] = instance
        locations = {
            **self.db_locations,
            **{c: i for (m, c), i in saved.items() if m is DeliveryLocation},
        }
        courses = {**self.db_courses, **{c: i for (m, c), i in saved.items() if m is Course}}
        units = {**self.db_units, **{c: i for (m, c), i in saved.items() if m is Unit}}

        learners_save_many(
            actor=actor, created=self.new_learners, updated=self.changed_learners, reason=reason
        )
        for new in self.new_offers.values():
            new.offer = offer_create(
                actor=actor,
                course=courses[new.course],
                code=new.code,
                start_date=new.start,
                end_date=new.end,
                location=locations.get(new.location),
            )
        for offer in self.widened.values():
            fresh = CourseOffer.objects.get(pk=offer.pk)
            offer_update(
                offer=fresh,
                actor=actor,
                data={"start_date": offer.start_date, "end_date": offer.end_date},
            )

        created, updated = [], []
        for plan in [*self.plans, *self.completion_only]:
            enrolment = plan.enrolment
            if plan.existing:
                if plan.changes:
                    updated.append((enrolment, plan.changes, plan.was_status))
                continue
            enrolment.learner = self.db_learners[plan.client_id]
            offer = plan.offer
            enrolment.offer = offer.offer if isinstance(offer, NewOffer) else offer
            created.append(enrolment)
        enrolments_save_many(actor=actor, created=created, updated=updated, reason=reason)

        new_units, changed_units = [], []
        for plan, code, unit_enrolment, changes in self.unit_work:
            if changes is None:
                unit_enrolment.course_enrolment = plan.enrolment
                unit_enrolment.unit = units[code]
                new_units.append(unit_enrolment)
            else:
                changed_units.append((unit_enrolment, changes))
        unit_enrolments_save_many(
            actor=actor, created=new_units, updated=changed_units, reason=reason
        )
