"""Units, courses, course offers, course and unit enrolments, and the outcome code table."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from testamur.core.postcodes import postcode_problem
from testamur.learners.models import Learner
from testamur.organisation.models import AustralianState, Jurisdiction

unit_code_validator = RegexValidator(
    r"^[A-Z0-9]{3,12}$", "A unit code is 3–12 capital letters and digits, e.g. BSBWHS411."
)
course_code_validator = RegexValidator(
    r"^[A-Z0-9]{3,10}$", "A course code is 3–10 capital letters and digits, e.g. BSB40120."
)
offer_code_validator = RegexValidator(
    r"^[A-Za-z0-9_.-]{1,30}$",
    "An offer code is up to 30 letters, digits, dots, dashes or underscores.",
)


class OutcomeCode(models.Model):
    """A national or WA outcome code. Which codes count as achieved is data, not template logic."""

    jurisdiction = models.CharField(max_length=10, choices=Jurisdiction.choices)
    code = models.CharField(max_length=3)
    description = models.CharField(max_length=120)
    is_achieved = models.BooleanField("counts as achieved", default=False)
    is_final = models.BooleanField("final outcome", default=True)
    is_current = models.BooleanField("in current use", default=True)

    class Meta:
        ordering = ["jurisdiction", "code"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "code"], name="outcome_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class Unit(models.Model):
    code = models.CharField(max_length=12, unique=True, validators=[unit_code_validator])
    title = models.CharField(max_length=100)
    nominal_hours = models.PositiveIntegerField("nominal hours", default=0)
    field_of_education = models.CharField("field of education", max_length=6, blank=True)
    is_vet = models.BooleanField("VET unit", default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def training_package(self) -> str:
        """The training package a unit belongs to: the letters its code starts with (BSB, CHC)."""
        return self.code[:3]


class CourseType(models.TextChoices):
    QUALIFICATION = "qualification", "Qualification"
    SKILL_SET = "skill_set", "Skill set"
    ACCREDITED = "accredited", "Accredited course"
    NON_ACCREDITED = "non_accredited", "Non-accredited course"


class AqfLevel(models.IntegerChoices):
    CERT_I = 1, "Certificate I"
    CERT_II = 2, "Certificate II"
    CERT_III = 3, "Certificate III"
    CERT_IV = 4, "Certificate IV"
    DIPLOMA = 5, "Diploma"
    ADVANCED_DIPLOMA = 6, "Advanced Diploma"
    GRADUATE_CERTIFICATE = 8, "Graduate Certificate"
    GRADUATE_DIPLOMA = 9, "Graduate Diploma"


class Course(models.Model):
    code = models.CharField(max_length=10, unique=True, validators=[course_code_validator])
    title = models.CharField(max_length=100)
    course_type = models.CharField(
        "type", max_length=20, choices=CourseType.choices, default=CourseType.QUALIFICATION
    )
    aqf_level = models.PositiveSmallIntegerField(
        "AQF level", choices=AqfLevel.choices, null=True, blank=True
    )
    nominal_hours = models.PositiveIntegerField("nominal hours", default=0)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )
    units = models.ManyToManyField(Unit, blank=True, related_name="courses")
    is_active = models.BooleanField("current", default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(superseded_by=F("id")), name="course_not_superseded_by_itself"
            ),
            models.CheckConstraint(
                condition=Q(aqf_level__isnull=True) | Q(course_type="qualification"),
                name="course_aqf_level_only_for_qualifications",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_qualification(self) -> bool:
        return self.course_type == CourseType.QUALIFICATION


class DeliveryLocation(models.Model):
    code = models.CharField("location ID", max_length=10, unique=True)
    name = models.CharField(max_length=100)
    suburb = models.CharField(max_length=50)
    state = models.CharField(max_length=3, choices=AustralianState.choices)
    postcode = models.CharField(max_length=4)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        problem = postcode_problem(self.postcode, self.state)
        if problem:
            raise ValidationError({"postcode": problem})


class CourseOffer(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="offers")
    code = models.CharField(max_length=30, unique=True, validators=[offer_code_validator])
    start_date = models.DateField("start date")
    end_date = models.DateField("end date")
    location = models.ForeignKey(
        DeliveryLocation, null=True, blank=True, on_delete=models.PROTECT, related_name="offers"
    )
    trainer = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-start_date", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="offer_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.course.code})"


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    COMPLETION_PENDING = "completion_pending", "Completion Pending"
    WITHDRAWN = "withdrawn", "Withdrawn"
    CANCELLED_NO_PENALTY = "cancelled_no_penalty", "Cancelled (no penalty)"
    CANCELLED_PENALTY = "cancelled_penalty", "Cancelled (penalty)"
    DEFERRED = "deferred", "Deferred"
    PARTIAL_ATTENDANCE = "partial_attendance", "Partial Attendance"


# Statuses that report "Training Not Completed" / "Deferral" as the training-organisation outcome.
TNC_STATUSES = (
    EnrolmentStatus.WITHDRAWN,
    EnrolmentStatus.CANCELLED_NO_PENALTY,
    EnrolmentStatus.CANCELLED_PENALTY,
    EnrolmentStatus.PARTIAL_ATTENDANCE,
)
COMPLETION_STATUSES = (EnrolmentStatus.COMPLETED, EnrolmentStatus.COMPLETION_PENDING)
# The 30-day clock (reports/clock.py) starts at these: Completed, and Partial Attendance (a
# Statement of Attainment is owed for the units achieved). Completion Pending waits for fees to
# be paid: the clock starts when the enrolment is marked Completed.
CLOCK_STATUSES = (EnrolmentStatus.COMPLETED, EnrolmentStatus.PARTIAL_ATTENDANCE)
# A completion the clock waits on: no credential issued from it, nor the qualification marked
# issued. The clock's list and its kept counts by completion date (training/counts.py) read it.
CLOCK_WAITING = Q(
    status__in=CLOCK_STATUSES,
    completion_date__isnull=False,
    qual_issued=False,
    credential_issued=False,
)


class TrainingOrganisationOutcome(models.TextChoices):
    """AVETMISS NAT00120 positions 112–114, derived from the course enrolment's status."""

    NONE = "", "—"
    TNC = "TNC", "TNC (Training Not Completed)"
    DEFERRAL = "D", "D (Deferral)"


def training_organisation_outcome_for(status: str) -> str:
    if status in TNC_STATUSES:
        return TrainingOrganisationOutcome.TNC
    if status == EnrolmentStatus.DEFERRED:
        return TrainingOrganisationOutcome.DEFERRAL
    return TrainingOrganisationOutcome.NONE


class SurveyStatus(models.TextChoices):
    NOT_SENT = "not_sent", "Not sent"
    SENT = "sent", "Sent"
    COMPLETED = "completed", "Completed"


class CourseEnrolment(models.Model):
    learner = models.ForeignKey(Learner, on_delete=models.PROTECT, related_name="course_enrolments")
    offer = models.ForeignKey(CourseOffer, on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(
        max_length=30, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ACTIVE
    )
    status_reason = models.CharField("status reason", max_length=200, blank=True)
    commencement_date = models.DateField("commencement date", null=True, blank=True)
    completion_date = models.DateField(
        "assessment completed",
        null=True,
        blank=True,
        help_text="The date the final assessment was completed; starts the 30-day clock.",
    )
    qual_issued = models.BooleanField("qualification issued", default=False)
    # Kept by the database (credentials/kept_flags.py), never typed: True while a
    # credential requested from this enrolment is Issued. The 30-day clock reads it instead of
    # looking for an issued credential of every completion (docs/decisions/0031).
    credential_issued = models.BooleanField("credential issued", default=False, editable=False)
    parchment_number = models.CharField("parchment number", max_length=30, blank=True)
    issued_date = models.DateField("issued date", null=True, blank=True)
    commitment_id = models.CharField("commitment ID", max_length=10, blank=True)
    commitment_id_cancelled_on = models.DateField(
        "commitment ID cancelled on", null=True, blank=True
    )
    withdrawal_date = models.DateField("withdrawal date", null=True, blank=True)
    # Up to three program identifiers reported for this training activity (AVETMISS allows
    # three when a learner transitions from a superseded qualification).
    program_id_1 = models.CharField(
        "program identifier 1", max_length=10, blank=True, validators=[course_code_validator]
    )
    program_id_2 = models.CharField(
        "program identifier 2", max_length=10, blank=True, validators=[course_code_validator]
    )
    program_id_3 = models.CharField(
        "program identifier 3", max_length=10, blank=True, validators=[course_code_validator]
    )
    transitioned_from = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transitioned_to",
        help_text="The enrolment in the superseded qualification this one replaces.",
    )
    survey_status = models.CharField(
        "completion survey",
        max_length=20,
        choices=SurveyStatus.choices,
        default=SurveyStatus.NOT_SENT,
    )
    survey_link = models.URLField("survey link", blank=True)
    portal_access_disabled = models.BooleanField(
        "learner portal and e-learning access disabled", default=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-offer__start_date", "id"]
        permissions = [("finalise_courseenrolment", "Can finalise course enrolments")]
        constraints = [
            models.UniqueConstraint(fields=["learner", "offer"], name="one_enrolment_per_offer"),
            models.CheckConstraint(
                condition=Q(completion_date__isnull=True)
                | Q(commencement_date__isnull=True)
                | Q(completion_date__gte=F("commencement_date")),
                name="enrolment_completes_after_commencing",
            ),
            models.CheckConstraint(
                condition=Q(qual_issued=False) | Q(issued_date__isnull=False),
                name="enrolment_qual_issued_has_date",
            ),
            models.CheckConstraint(
                condition=Q(withdrawal_date__isnull=True) | Q(status__in=TNC_STATUSES),
                name="enrolment_withdrawal_date_only_when_withdrawn",
            ),
            models.CheckConstraint(
                condition=(Q(program_id_2="") | ~Q(program_id_1=""))
                & (Q(program_id_3="") | ~Q(program_id_2="")),
                name="enrolment_program_ids_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["status"]),
            # The 30-day clock reads the completions of the last year.
            models.Index(fields=["completion_date"], name="enrolment_completion_date"),
            # ... and of those only the ones still waiting for a credential: a small index.
            models.Index(
                fields=["completion_date"],
                condition=Q(status__in=CLOCK_STATUSES, qual_issued=False, credential_issued=False),
                name="enrolment_clock_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner.full_name} in {self.offer.code}"

    @property
    def course(self) -> Course:
        return self.offer.course

    @property
    def training_organisation_outcome(self) -> str:
        """Derived, never typed: TNC for non-completions, D for deferrals (AVETMISS 112–114)."""
        return training_organisation_outcome_for(self.status)

    @property
    def program_ids(self) -> list[str]:
        """The program identifiers to report: those recorded, else the course's own code."""
        recorded = [p for p in (self.program_id_1, self.program_id_2, self.program_id_3) if p]
        return recorded or [self.offer.course.code]


class DeliveryMode(models.TextChoices):
    INTERNAL = "I", "Classroom (internal)"
    EXTERNAL = "E", "Online / remote (external)"
    WORKPLACE = "W", "Workplace"
    NOT_APPLICABLE = "N", "Not applicable (RPL / credit transfer)"


def achieved_q(path: str = "") -> Q:
    """Unit enrolments whose outcome counts as achieved, reached through `path` (e.g.
    "unit_enrolments__" from a course enrolment). The OutcomeCode table says which codes count
    (DESIGN.md §1); this is the one place the filter is written."""
    return Q(**{f"{path}outcome__is_achieved": True})


class UnitEnrolmentQuerySet(models.QuerySet):
    def achieved(self, jurisdiction: str | None = None):
        """Achieved unit enrolments; only those with `jurisdiction`'s outcome codes if given."""
        achieved = self.filter(achieved_q())
        return achieved.filter(outcome__jurisdiction=jurisdiction) if jurisdiction else achieved


class UnitEnrolment(models.Model):
    course_enrolment = models.ForeignKey(
        CourseEnrolment, on_delete=models.PROTECT, related_name="unit_enrolments"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="enrolments")
    start_date = models.DateField("start date", null=True, blank=True)
    end_date = models.DateField("end date", null=True, blank=True)
    scheduled_hours = models.DecimalField(
        "scheduled hours",
        max_digits=6,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    actual_hours = models.DecimalField(
        "actual hours",
        max_digits=6,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    outcome = models.ForeignKey(OutcomeCode, on_delete=models.PROTECT, related_name="+")
    delivery_mode = models.CharField(
        "delivery mode", max_length=1, choices=DeliveryMode.choices, default=DeliveryMode.INTERNAL
    )
    # Stored for reporting, always derived from the course enrolment's status; never typed.
    training_organisation_outcome = models.CharField(
        "outcome – training organisation",
        max_length=3,
        choices=TrainingOrganisationOutcome.choices,
        blank=True,
        editable=False,
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = UnitEnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["unit__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["course_enrolment", "unit"], name="one_unit_enrolment_per_unit"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="unit_enrolment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(actual_hours__gte=0) & Q(scheduled_hours__gte=0),
                name="unit_enrolment_hours_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.code} for {self.course_enrolment}"


class EnrolmentCount(models.Model):
    """How many course enrolments are in each status, kept by the database as enrolments change
    (core/kept_counts.py, training/counts.py): a status's count is the sum of its rows, delta
    rows only ever inserted by triggers, so the dashboard does not count a million enrolments."""

    status = models.CharField(max_length=30)
    n = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["status"], name="enrolment_count_key")]

    def __str__(self) -> str:
        return f"{self.status} {self.n:+d}"


class ClockWaitingCount(models.Model):
    """How many completions on each date wait for a credential (CLOCK_WAITING), kept by the
    database like EnrolmentCount: the 30-day clock's counts sum a few hundred dates instead of
    counting the waiting completions."""

    completion_date = models.DateField()
    n = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["completion_date"], name="clock_waiting_count_key")]

    def __str__(self) -> str:
        return f"{self.completion_date} {self.n:+d}"
