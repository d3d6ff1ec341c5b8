"""AVETMISS 8.0 import: NAT files → the RTO, locations, courses, units, learners, enrolments.

Every line is checked first (layout, codes, references between files and to what Testamur
already holds, the models' own rules); only when nothing is wrong is anything written, in one
transaction, through the same services the screens use (bulk ones for learners and
enrolments). Blank or not-stated values in the files never clear what Testamur already has.
How training activity becomes enrolments: see import_enrolments.
"""

import zipfile

from django.db import transaction

from testamur.interchange.avetmiss import records_read
from testamur.interchange.avetmiss.import_checks import (
    FLAWED_KEYS,
    ONE_ORGANISATION,
    REPEATED,
    TOID_DIFFERS,
    Activity,
    Line,
    ReferenceChecks,
)
from testamur.interchange.avetmiss.import_enrolments import EnrolmentPlanning, NewOffer
from testamur.interchange.avetmiss.reading import nat_files, nat_records
from testamur.interchange.problems import Problems
from testamur.interchange.spreadsheets.engine import Counts
from testamur.learners.services import learners_save_many
from testamur.organisation.models import Organisation
from testamur.organisation.selectors import organisation_today
from testamur.organisation.services import organisation_update
from testamur.training.models import Course, CourseOffer, DeliveryLocation, Unit
from testamur.training.services import (
    course_create,
    course_update,
    enrolments_save_many,
    location_create,
    location_update,
    offer_create,
    offer_update,
    unit_create,
    unit_enrolments_save_many,
    unit_update,
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


class AvetmissImport(ReferenceChecks, EnrolmentPlanning):
    """Reads, checks and (when nothing is wrong) writes one set of NAT files."""

    def __init__(self, *, actor, reason: str = ""):
        self.actor, self.reason = actor, reason
        self.problems = Problems()
        self.counts = {key: Counts() for key in LABELS}
        self.ignored: list[str] = []
        self.lines_read = 0
        self.organisation = Organisation.load()
        self.jurisdiction = self.organisation.jurisdiction
        self.today = organisation_today()

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
            "NAT00010": records_read.nat00010_read,
            "NAT00020": records_read.nat00020_read,
            "NAT00030": records_read.nat00030_read,
            "NAT00060": records_read.nat00060_read,
            "NAT00080": records_read.nat00080_read,
            "NAT00085": records_read.nat00085_read,
            "NAT00090": records_read.nat00090_read,
            "NAT00100": records_read.nat00100_read,
            "NAT00120": records_read.nat00120_read,
            "NAT00130": records_read.nat00130_read,
        }
        self.org_line: Line | None = None
        self.locations: dict[str, Line] = {}
        self.programs: dict[str, Line] = {}
        self.subjects: dict[str, Line] = {}
        self.clients: dict[str, Line] = {}
        self.postal: dict[str, Line] = {}
        # client → lines, for the files with several records a client
        self.disabilities: dict[str, list[Line]] = {}
        self.prior_educations: dict[str, list[Line]] = {}
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
                self.lines_read += 1
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
                elif kind in ("NAT00090", "NAT00100"):
                    store = self.disabilities if kind == "NAT00090" else self.prior_educations
                    store.setdefault(values["client_id"], []).append(line)
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
        self._link_units(courses, units)

    def _link_units(self, courses: dict, units: dict) -> None:
        """A unit reported under a course is one the RTO offers in it: add it to the course."""
        reported: dict[str, set[str]] = {}
        for plan in self.plans:
            reported.setdefault(plan.course, set()).update(plan.activities)
        for code, unit_codes in sorted(reported.items()):
            course = Course.objects.get(pk=courses[code].pk)
            offered = set(course.units.values_list("code", flat=True))
            added = sorted(unit_codes - offered)
            if added:
                every = [*course.units.all(), *(units[c] for c in added)]
                course_update(course=course, actor=self.actor, data={"units": every})
