"""AVETMISS export, training activity and completions: the NAT00120 and NAT00130 files.

They decide which clients, subjects, programs and locations the other files hold
(export_referenced); each row they skip is a finding with a link to what to fix.
"""

from collections.abc import Iterator

from django.db.models import Exists, F, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from testamur.credentials.models import CredentialIssuance, CredentialStatus
from testamur.interchange.avetmiss import layouts, records
from testamur.interchange.avetmiss.collection import (
    ERROR,
    Period,
    ReportingRules,
    UnitActivity,
    activity_as_at,
)
from testamur.interchange.avetmiss.fixed_width import FieldTooLong
from testamur.interchange.avetmiss.validation import Context, Finding
from testamur.learners.models import UsiStatus
from testamur.training.models import CourseEnrolment, EnrolmentStatus, UnitEnrolment

NO_LOCATION = "Offer {offer} has no delivery location; set one so its training can be reported."
NO_DATES = "{unit} for learner {client} in {offer} has no {which} date."
OUTCOME_TOO_LONG = (
    "Outcome {code} ({unit}, learner {client}) does not fit the 2-character national outcome."
)
VALUE_TOO_LARGE = "{what}: {problem}."


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
        .annotate(qualification_record_issued=_issued_credential())
        .values_list("pk", "qual_issued", "qualification_record_issued")
    )
    return {pk: qual_issued or issued for pk, qual_issued, issued in rows}


class ActivityFiles:
    """NAT00120 and NAT00130 of one export; the export (export._Export) sets toid,
    jurisdiction, period, rules, result, refs and checks."""

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
            .annotate(qualification_record_issued=_issued_credential())
            .order_by("learner__client_id", "offer__course__code", "completion_date", "pk")
            .values(
                "pk",
                "learner_id",
                "completion_date",
                "qual_issued",
                "qualification_record_issued",
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
                issued=row["qual_issued"] or row["qualification_record_issued"],
            )
            yield line, context
