"""AVETMISS 8.0 export for a date range: the eight NAT files, zipped.

Training activity (NAT00120) is every unit enrolment whose dates overlap the range; program
completions (NAT00130) are enrolments completed in the range. The other files hold exactly
the clients, subjects, programs and locations those two refer to, so the set is consistent.
Rows are read with iterators and lines streamed into the zip, so memory stays flat. Lines come
in an order that depends only on what the files say (never on database ids), so exporting the
same data twice gives the same bytes.
"""

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, F, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from testamur.credentials.models import Credential, CredentialStatus
from testamur.interchange.avetmiss import layouts, records
from testamur.interchange.avetmiss.fixed_width import FieldTooLong
from testamur.interchange.problems import Problems
from testamur.learners.models import Learner, UsiStatus
from testamur.organisation.models import Organisation
from testamur.training.models import (
    Course,
    CourseEnrolment,
    DeliveryLocation,
    EnrolmentStatus,
    Unit,
    UnitEnrolment,
)

NO_RTO_CODE = "Set the RTO code (TOID) under Settings before exporting AVETMISS files."
# Zip files cannot date their contents outside these years; no AVETMISS period does either.
FIRST_YEAR, LAST_YEAR = 1980, 2107
DATES_OUT_OF_RANGE = f"Choose dates from 01/01/{FIRST_YEAR} to 31/12/{LAST_YEAR}."
DATES_REVERSED = "The end of the period must be on or after its start."
NO_LOCATION = "Offer {offer} has no delivery location; set one so its training can be reported."
NO_DATES = "{unit} for learner {client} in {offer} has no {which} date."
OUTCOME_TOO_LONG = (
    "Outcome {code} ({unit}, learner {client}) does not fit the 2-character national outcome."
)
PROGRAM_NOT_A_COURSE = (
    "Program identifier {code} (learner {client}) is not a course in Testamur; add the course so "
    "NAT00030 can name it."
)
VALUE_TOO_LARGE = "{what}: {problem}."
NOTHING_IN_RANGE = "No training activity or completion falls between {start} and {end}."

LINE_END = "\r\n"


@dataclass
class ExportResult:
    lines: dict[str, int] = field(default_factory=dict)  # file → number of lines
    problems: Problems = field(default_factory=Problems)


class _References:
    def __init__(self):
        self.learners: set[int] = set()
        self.units: set[int] = set()
        self.locations: set[int] = set()
        self.programs: dict[str, str] = {}  # code → a client that refers to it (for messages)


def _activities(date_from: date, date_to: date):
    first_start = (
        UnitEnrolment.objects.filter(course_enrolment=OuterRef("course_enrolment"))
        .values("course_enrolment")
        .annotate(first=Min("start_date"))
        .values("first")
    )
    return (
        UnitEnrolment.objects.filter(
            Q(start_date__lte=date_to) | Q(start_date__isnull=True),
            Q(end_date__gte=date_from) | Q(end_date__isnull=True),
        )
        .annotate(
            commenced=Coalesce(F("course_enrolment__commencement_date"), Subquery(first_start))
        )
        .order_by(
            "course_enrolment__learner__client_id",
            "course_enrolment__offer__course__code",
            "course_enrolment__offer__location__code",
            "commenced",
            "training_organisation_outcome",
            "course_enrolment_id",
            "start_date",
            "end_date",
            "unit__code",
        )
        .values(
            "commenced",
            "start_date",
            "end_date",
            "delivery_mode",
            "training_organisation_outcome",
            "actual_hours",
            "scheduled_hours",
            "unit_id",
            client_id=F("course_enrolment__learner__client_id"),
            learner_id=F("course_enrolment__learner_id"),
            usi_status=F("course_enrolment__learner__usi_status"),
            course_code=F("course_enrolment__offer__course__code"),
            offer_code=F("course_enrolment__offer__code"),
            location_id=F("course_enrolment__offer__location_id"),
            location_code=F("course_enrolment__offer__location__code"),
            program_1=F("course_enrolment__program_id_1"),
            program_2=F("course_enrolment__program_id_2"),
            program_3=F("course_enrolment__program_id_3"),
            commitment_id=F("course_enrolment__commitment_id"),
            unit_code=F("unit__code"),
            outcome_code=F("outcome__code"),
        )
        .iterator(chunk_size=2000)
    )


def _nat00120(toid, date_from, date_to, refs: _References, problems: Problems) -> Iterator[str]:
    for row in _activities(date_from, date_to):
        where = {"unit": row["unit_code"], "client": row["client_id"], "offer": row["offer_code"]}
        if row["location_code"] is None:
            problems.add(NO_LOCATION.format(offer=row["offer_code"]), file="NAT00120")
            continue
        missing = [w for w in ("start", "end") if row[f"{w}_date"] is None]
        if missing:
            problems.add(NO_DATES.format(which=missing[0], **where), file="NAT00120")
            continue
        if len(row["outcome_code"]) > 2:
            problems.add(
                OUTCOME_TOO_LONG.format(code=row["outcome_code"], **where), file="NAT00120"
            )
            continue
        programs = [p for p in (row["program_1"], row["program_2"], row["program_3"]) if p]
        commenced = row["commenced"] or row["start_date"]
        values = {
            "toid": toid,
            "location": row["location_code"],
            "client_id": row["client_id"],
            "subject": row["unit_code"],
            "start_date": row["start_date"],
            "end_date": row["end_date"],
            "delivery_mode": row["delivery_mode"],
            "outcome": row["outcome_code"],
            "funding_national": (
                records.FUNDING_INTERNATIONAL_FEE_FOR_SERVICE
                if row["usi_status"] == UsiStatus.EXEMPTION_INTOFF
                else records.FUNDING_DOMESTIC_FEE_FOR_SERVICE
            ),
            "commencing": records.COMMENCING if commenced >= date_from else records.CONTINUING,
            "outcome_training_organisation": row["training_organisation_outcome"],
            "commitment_id": row["commitment_id"],
            "hours_attended": row["actual_hours"],
            "scheduled_hours": row["scheduled_hours"],
        }
        refs.learners.add(row["learner_id"])
        refs.units.add(row["unit_id"])
        refs.locations.add(row["location_id"])
        for program in programs or [row["course_code"]]:
            refs.programs.setdefault(program, row["client_id"])
            try:
                yield records.nat00120_line(program=program, **values)
            except FieldTooLong as exc:
                problems.add(
                    VALUE_TOO_LARGE.format(what=row["unit_code"], problem=exc), file="NAT00120"
                )


def _nat00130(toid, date_from, date_to, refs: _References) -> Iterator[str]:
    issued_credential = Credential.objects.filter(
        course_enrolment=OuterRef("pk"),
        final_qualification=True,
        status=CredentialStatus.ISSUED,
    )
    completions = (
        CourseEnrolment.objects.filter(
            status=EnrolmentStatus.COMPLETED, completion_date__range=(date_from, date_to)
        )
        .annotate(credential_issued=Exists(issued_credential))
        .order_by("learner__client_id", "offer__course__code", "completion_date", "pk")
        .values(
            "learner_id",
            "completion_date",
            "qual_issued",
            "credential_issued",
            client_id=F("learner__client_id"),
            course=F("offer__course__code"),
        )
    )
    for row in completions.iterator(chunk_size=2000):
        refs.learners.add(row["learner_id"])
        refs.programs.setdefault(row["course"], row["client_id"])
        yield records.nat00130_line(
            toid=toid,
            program=row["course"],
            client_id=row["client_id"],
            completed_on=row["completion_date"],
            issued=row["qual_issued"] or row["credential_issued"],
        )


def _nat00010(organisation: Organisation) -> Iterator[str]:
    yield records.nat00010_line(
        toid=organisation.rto_code,
        name=organisation.legal_name or organisation.trading_name,
        address_line=organisation.address_line,
        suburb=organisation.suburb,
        postcode=organisation.postcode,
        state=organisation.state,
        phone=organisation.phone,
        email=organisation.email,
    )


def _nat00020(toid: str, refs: _References) -> Iterator[str]:
    for location in DeliveryLocation.objects.filter(pk__in=refs.locations).order_by("code"):
        yield records.nat00020_line(
            toid=toid,
            code=location.code,
            name=location.name,
            postcode=location.postcode,
            state=location.state,
            suburb=location.suburb,
        )


def _nat00030(refs: _References, problems: Problems) -> Iterator[str]:
    courses = Course.objects.in_bulk(list(refs.programs), field_name="code")
    for code in sorted(refs.programs):
        course = courses.get(code)
        if course is None:
            problems.add(
                PROGRAM_NOT_A_COURSE.format(code=code, client=refs.programs[code]), file="NAT00030"
            )
            continue
        try:
            yield records.nat00030_line(
                code=course.code, title=course.title, nominal_hours=course.nominal_hours
            )
        except FieldTooLong as exc:
            problems.add(VALUE_TOO_LARGE.format(what=code, problem=exc), file="NAT00030")


def _nat00060(refs: _References, problems: Problems) -> Iterator[str]:
    for unit in Unit.objects.filter(pk__in=refs.units).order_by("code"):
        try:
            yield records.nat00060_line(
                code=unit.code,
                title=unit.title,
                field_of_education=unit.field_of_education,
                is_vet=unit.is_vet,
                nominal_hours=unit.nominal_hours,
            )
        except FieldTooLong as exc:
            problems.add(VALUE_TOO_LARGE.format(what=unit.code, problem=exc), file="NAT00060")


def _learners(refs: _References):
    ids = sorted(refs.learners)
    for start in range(0, len(ids), 2000):
        yield from Learner.objects.filter(pk__in=ids[start : start + 2000]).order_by("client_id")


def _nat00080(refs: _References) -> Iterator[str]:
    for learner in _learners(refs):
        yield records.nat00080_line(
            client_id=learner.client_id,
            family_name=learner.family_name,
            given_name=learner.given_name,
            middle_names=learner.middle_names,
            gender=learner.gender,
            date_of_birth=learner.date_of_birth,
            postcode=learner.postcode,
            suburb=learner.suburb,
            state=learner.state,
            usi=learner.usi,
            usi_status=learner.usi_status,
            address_line=learner.address_line,
        )


def _nat00085(refs: _References) -> Iterator[str]:
    for learner in _learners(refs):
        yield records.nat00085_line(
            client_id=learner.client_id,
            title=learner.title,
            given_name=learner.given_name,
            family_name=learner.family_name,
            address_line=learner.address_line,
            suburb=learner.suburb,
            postcode=learner.postcode,
            state=learner.state,
            phone=learner.phone,
            email=learner.email,
        )


def avetmiss_files(*, date_from: date, date_to: date, out) -> ExportResult:
    """Write the NAT files for the period into `out` (a binary file) as a zip.

    Check the result's problems: when there are any the zip is incomplete and must not be used.
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
    toid = organisation.rto_code
    refs = _References()
    problems = result.problems
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # A fixed time stamp: the same data always gives the same zip, byte for byte.
        stamp = (date_to.year, date_to.month, date_to.day, 0, 0, 0)

        def write(layout, lines):
            count = 0
            info = zipfile.ZipInfo(layout.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as handle:
                for line in lines:
                    handle.write((line + LINE_END).encode("ascii"))
                    count += 1
            result.lines[layout.file] = count

        # Activity and completions first: they decide which other records are needed.
        write(layouts.NAT00120, _nat00120(toid, date_from, date_to, refs, problems))
        write(layouts.NAT00130, _nat00130(toid, date_from, date_to, refs))
        write(layouts.NAT00010, _nat00010(organisation))
        write(layouts.NAT00020, _nat00020(toid, refs))
        write(layouts.NAT00030, _nat00030(refs, problems))
        write(layouts.NAT00060, _nat00060(refs, problems))
        write(layouts.NAT00080, _nat00080(refs))
        write(layouts.NAT00085, _nat00085(refs))
    if not problems and not result.lines["NAT00120"] and not result.lines["NAT00130"]:
        problems.add(
            NOTHING_IN_RANGE.format(
                start=date_from.strftime("%d/%m/%Y"), end=date_to.strftime("%d/%m/%Y")
            )
        )
    return result
