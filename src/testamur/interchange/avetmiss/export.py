"""AVETMISS 8.0 export for a collection period: the ten NAT files, zipped, and their validation.

Training activity (NAT00120) is every unit enrolment with activity in the period, reported as
at the period's end (collection.activity_as_at); program completions (NAT00130) are
enrolments completed in it. The other files hold exactly the clients, subjects, programs and
locations those two refer to, so the set is consistent. Every line is validated as it is
written (validation.LineChecks). Rows are read with iterators and lines streamed into the
zip, so memory stays flat. Lines come in an order that depends only on what the files say
(never on database ids), so exporting the same data twice gives the same bytes.
"""

import zipfile
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, F, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from testamur.credentials.models import CredentialIssuance, CredentialStatus
from testamur.interchange.avetmiss import layouts, records
from testamur.interchange.avetmiss.collection import (
    ERROR,
    NATIONAL,
    Period,
    ReportingRules,
    UnitActivity,
    activity_as_at,
)
from testamur.interchange.avetmiss.fixed_width import FieldTooLong
from testamur.interchange.avetmiss.validation import (
    Context,
    Finding,
    LineChecks,
    ValidationReport,
)
from testamur.interchange.problems import Problems
from testamur.learners import models as learner_models
from testamur.learners.models import Learner, UsiStatus
from testamur.organisation.models import Organisation
from testamur.training.models import (
    Course,
    CourseEnrolment,
    DeliveryLocation,
    EnrolmentStatus,
    OutcomeCode,
    Unit,
    UnitEnrolment,
)
from testamur.training.outcome_codes import NOT_SET

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
    # Problems that leave nothing to export (no RTO code, an empty period).
    problems: Problems = field(default_factory=Problems)
    report: ValidationReport = field(default_factory=ValidationReport)
    # Why the files were not handed over although they were made (errors, no override).
    refused: str = ""


class _References:
    def __init__(self):
        self.learners: set[int] = set()
        self.units: set[int] = set()
        self.locations: set[int] = set()
        self.programs: dict[str, str] = {}  # code → a client that refers to it (for messages)


def _activities(period: Period, rules: ReportingRules):
    first_start = (
        UnitEnrolment.objects.filter(course_enrolment=OuterRef("course_enrolment"))
        .values("course_enrolment")
        .annotate(first=Min("start_date"))
        .values("first")
    )
    in_period = Q(end_date__gte=period.start) | Q(end_date__isnull=True)
    if not rules.plan_units_after_period:
        in_period &= Q(start_date__lte=period.end) | Q(start_date__isnull=True)
    return (
        UnitEnrolment.objects.filter(in_period)
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
            "course_enrolment_id",
            client_id=F("course_enrolment__learner__client_id"),
            learner_id=F("course_enrolment__learner_id"),
            usi_status=F("course_enrolment__learner__usi_status"),
            course_code=F("course_enrolment__offer__course__code"),
            offer_id=F("course_enrolment__offer_id"),
            offer_code=F("course_enrolment__offer__code"),
            location_id=F("course_enrolment__offer__location_id"),
            location_code=F("course_enrolment__offer__location__code"),
            program_1=F("course_enrolment__program_id_1"),
            program_2=F("course_enrolment__program_id_2"),
            program_3=F("course_enrolment__program_id_3"),
            commitment_id=F("course_enrolment__commitment_id"),
            unit_code=F("unit__code"),
            outcome_code=F("outcome__code"),
            outcome_is_final=F("outcome__is_final"),
        )
        .iterator(chunk_size=2000)
    )


def _issued_credential() -> Exists:
    """The issuance record of a live testamur issued as the enrolment's final qualification
    (from the course enrolment or a qualification enrolment): what was issued, as issued."""
    return Exists(
        CredentialIssuance.objects.filter(
            qualification_enrolment_flagged=OuterRef("pk"),
            credential__status=CredentialStatus.ISSUED,
        ).exclude(document_sha256="")
    )


def nat00130_issued_flags(enrolment_ids) -> dict[int, bool]:
    """The issued flag NAT00130 reports for these course enrolments (verify_register)."""
    rows = (
        CourseEnrolment.objects.filter(pk__in=list(enrolment_ids))
        .annotate(credential_issued=_issued_credential())
        .values_list("pk", "qual_issued", "credential_issued")
    )
    return {pk: qual_issued or issued for pk, qual_issued, issued in rows}


class _Export:
    """One export: writes the files, validates each line, and collects what they refer to."""

    def __init__(self, *, organisation, period: Period, rules: ReportingRules, result):
        self.organisation = organisation
        self.toid = organisation.rto_code
        self.jurisdiction = organisation.jurisdiction
        self.period, self.rules, self.result = period, rules, result
        self.refs = _References()
        self.checks = LineChecks(result.report, period=period, code_lists=_code_lists())

    def problem(self, message: str, *, file: str, rule: str, context: Context) -> None:
        self.result.report.add(
            Finding(ERROR, rule, message, file=file, record=context.record, link=context.link)
        )

    # Training activity and completions

    def nat00120(self) -> Iterator[tuple[str, Context]]:
        for row in _activities(self.period, self.rules):
            where = {
                "unit": row["unit_code"],
                "client": row["client_id"],
                "offer": row["offer_code"],
            }
            context = Context(
                f"{row['client_id']} in {row['offer_code']}, {row['unit_code']}",
                reverse("training:enrolment_detail", args=[row["course_enrolment_id"]]),
            )
            if row["location_code"] is None:
                self.problem(
                    NO_LOCATION.format(offer=row["offer_code"]),
                    file="NAT00120",
                    rule="LOCATION",
                    context=Context(
                        f"Offer {row['offer_code']}",
                        reverse("training:offer_edit", args=[row["offer_id"]]),
                    ),
                )
                continue
            missing = [w for w in ("start", "end") if row[f"{w}_date"] is None]
            if missing:
                message = NO_DATES.format(which=missing[0], **where)
                self.problem(message, file="NAT00120", rule="DATES", context=context)
                continue
            reported = activity_as_at(
                UnitActivity(
                    unit=row["unit_code"],
                    start=row["start_date"],
                    end=row["end_date"],
                    outcome=row["outcome_code"],
                    outcome_is_final=row["outcome_is_final"],
                    training_organisation_outcome=row["training_organisation_outcome"],
                    hours_attended=row["actual_hours"],
                    commenced=row["commenced"] or row["start_date"],
                ),
                period=self.period,
                rules=self.rules,
                jurisdiction=self.jurisdiction,
            )
            if reported is None:
                continue
            if len(reported.outcome) > 2:
                message = OUTCOME_TOO_LONG.format(code=reported.outcome, **where)
                self.problem(message, file="NAT00120", rule="TOO-LONG", context=context)
                continue
            values = {
                "toid": self.toid,
                "location": row["location_code"],
                "client_id": row["client_id"],
                "subject": row["unit_code"],
                "start_date": row["start_date"],
                "end_date": row["end_date"],
                "delivery_mode": row["delivery_mode"],
                "outcome": reported.outcome,
                "funding_national": (
                    records.FUNDING_INTERNATIONAL_FEE_FOR_SERVICE
                    if row["usi_status"] == UsiStatus.EXEMPTION_INTOFF
                    else records.FUNDING_DOMESTIC_FEE_FOR_SERVICE
                ),
                "commencing": records.COMMENCING if reported.commencing else records.CONTINUING,
                "outcome_training_organisation": reported.training_organisation_outcome,
                "commitment_id": row["commitment_id"],
                "hours_attended": reported.hours_attended,
                "scheduled_hours": row["scheduled_hours"],
            }
            programs = [p for p in (row["program_1"], row["program_2"], row["program_3"]) if p]
            first_line = True
            for program in programs or [row["course_code"]]:
                try:
                    line = records.nat00120_line(program=program, **values)
                except FieldTooLong as exc:
                    message = VALUE_TOO_LARGE.format(what=row["unit_code"], problem=exc)
                    self.problem(message, file="NAT00120", rule="TOO-LONG", context=context)
                    break
                self.refs.programs.setdefault(program, row["client_id"])
                yield line, context
                if first_line:
                    for severity, rule, message, field_name in reported.notes:
                        self.checks.finding(
                            severity,
                            rule,
                            message,
                            layout=layouts.NAT00120,
                            line=self.result.lines["NAT00120"],
                            field_name=field_name,
                            context=context,
                        )
                    first_line = False
                self.refs.learners.add(row["learner_id"])
                self.refs.units.add(row["unit_id"])
                self.refs.locations.add(row["location_id"])

    def nat00130(self) -> Iterator[tuple[str, Context]]:
        completions = (
            CourseEnrolment.objects.filter(
                status=EnrolmentStatus.COMPLETED,
                completion_date__range=(self.period.start, self.period.end),
            )
            .annotate(credential_issued=_issued_credential())
            .order_by("learner__client_id", "offer__course__code", "completion_date", "pk")
            .values(
                "pk",
                "learner_id",
                "completion_date",
                "qual_issued",
                "credential_issued",
                client_id=F("learner__client_id"),
                course=F("offer__course__code"),
            )
        )
        for row in completions.iterator(chunk_size=2000):
            self.refs.learners.add(row["learner_id"])
            self.refs.programs.setdefault(row["course"], row["client_id"])
            context = Context(
                f"{row['client_id']} completing {row['course']}",
                reverse("training:enrolment_detail", args=[row["pk"]]),
            )
            line = records.nat00130_line(
                toid=self.toid,
                program=row["course"],
                client_id=row["client_id"],
                completed_on=row["completion_date"],
                issued=row["qual_issued"] or row["credential_issued"],
            )
            yield line, context

    # The records they refer to

    def nat00010(self) -> Iterator[tuple[str, Context]]:
        organisation = self.organisation
        yield (
            records.nat00010_line(
                toid=organisation.rto_code,
                name=organisation.legal_name or organisation.trading_name,
                address_line=organisation.address_line,
                suburb=organisation.suburb,
                postcode=organisation.postcode,
                state=organisation.state,
                phone=organisation.phone,
                email=organisation.email,
            ),
            Context("The RTO", reverse("organisation:settings")),
        )

    def nat00020(self) -> Iterator[tuple[str, Context]]:
        for location in DeliveryLocation.objects.filter(pk__in=self.refs.locations).order_by(
            "code"
        ):
            context = Context(
                f"Location {location.code}",
                reverse("training:location_edit", args=[location.pk]),
            )
            yield (
                records.nat00020_line(
                    toid=self.toid,
                    code=location.code,
                    name=location.name,
                    postcode=location.postcode,
                    state=location.state,
                    suburb=location.suburb,
                ),
                context,
            )

    def nat00030(self) -> Iterator[tuple[str, Context]]:
        refs = self.refs
        courses = Course.objects.in_bulk(list(refs.programs), field_name="code")
        for code in sorted(refs.programs):
            course = courses.get(code)
            if course is None:
                self.problem(
                    PROGRAM_NOT_A_COURSE.format(code=code, client=refs.programs[code]),
                    file="NAT00030",
                    rule="PROGRAM",
                    context=Context(f"Program {code}", reverse("training:course_create")),
                )
                continue
            context = Context(f"Course {code}", reverse("training:course_detail", args=[course.pk]))
            try:
                line = records.nat00030_line(
                    code=course.code, title=course.title, nominal_hours=course.nominal_hours
                )
            except FieldTooLong as exc:
                message = VALUE_TOO_LARGE.format(what=code, problem=exc)
                self.problem(message, file="NAT00030", rule="TOO-LONG", context=context)
                continue
            yield line, context

    def nat00060(self) -> Iterator[tuple[str, Context]]:
        for unit in Unit.objects.filter(pk__in=self.refs.units).order_by("code"):
            context = Context(f"Unit {unit.code}", reverse("training:unit_edit", args=[unit.pk]))
            try:
                line = records.nat00060_line(
                    code=unit.code,
                    title=unit.title,
                    field_of_education=unit.field_of_education,
                    is_vet=unit.is_vet,
                    nominal_hours=unit.nominal_hours,
                )
            except FieldTooLong as exc:
                message = VALUE_TOO_LARGE.format(what=unit.code, problem=exc)
                self.problem(message, file="NAT00060", rule="TOO-LONG", context=context)
                continue
            yield line, context

    def _learners(self, *related):
        ids = sorted(self.refs.learners)
        for start in range(0, len(ids), 2000):
            chunk = Learner.objects.filter(pk__in=ids[start : start + 2000]).order_by("client_id")
            yield from chunk.prefetch_related(*related)

    @staticmethod
    def _context(learner: Learner) -> Context:
        return Context(
            f"Learner {learner.client_id} ({learner.full_name})",
            reverse("learners:detail", args=[learner.pk]),
        )

    def nat00080(self) -> Iterator[tuple[str, Context]]:
        for learner in self._learners():
            yield (
                records.nat00080_line(
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
                    address=_address(learner),
                    school_level=learner.school_level_id or "",
                    indigenous_status=learner.indigenous_status_id or "",
                    language=learner.language_id or "",
                    labour_force_status=learner.labour_force_status_id or "",
                    country_of_birth=learner.country_of_birth_id or "",
                    disability=learner.disability,
                    prior_education=learner.prior_education,
                    at_school=learner.at_school,
                    survey_contact=records.survey_contact_status(
                        learner.survey_contact_status,
                        state=learner.state,
                        date_of_birth=learner.date_of_birth,
                        as_at=self.period.as_at,
                    ),
                ),
                self._context(learner),
            )

    def nat00085(self) -> Iterator[tuple[str, Context]]:
        for learner in self._learners():
            yield (
                records.nat00085_line(
                    client_id=learner.client_id,
                    title=learner.title,
                    given_name=learner.given_name,
                    family_name=learner.family_name,
                    address=_address(learner),
                    po_box=learner.postal_delivery_box,
                    suburb=learner.suburb,
                    postcode=learner.postcode,
                    state=learner.state,
                    phone=learner.phone,
                    email=learner.email,
                ),
                self._context(learner),
            )

    def nat00090(self) -> Iterator[tuple[str, Context]]:
        for learner in self._learners("disability_types"):
            if learner.disability != learner_models.YesNo.YES:
                continue
            types = sorted(t.code for t in learner.disability_types.all())
            for code in types or [records.DISABILITY_NOT_SPECIFIED]:
                line = records.nat00090_line(client_id=learner.client_id, disability_type=code)
                yield line, self._context(learner)

    def nat00100(self) -> Iterator[tuple[str, Context]]:
        for learner in self._learners("prior_educations"):
            if learner.prior_education != learner_models.YesNo.YES:
                continue
            for code in sorted(p.achievement_id for p in learner.prior_educations.all()):
                line = records.nat00100_line(client_id=learner.client_id, prior_education=code)
                yield line, self._context(learner)


def _address(learner: Learner) -> dict[str, str]:
    return {
        "building": learner.address_building,
        "unit": learner.address_unit,
        "street_number": learner.address_street_number,
        "street_name": learner.address_street_name,
    }


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
