"""Packaging rules, majors, unit equivalences and qualification enrolments.

A qualification is a training.Course of type qualification. Its packaging rule says which units
make it up; the audit (audit.py) checks a learner's achieved units against the rule for every
major, and the qualification enrolment keeps the outcome and its explanation.
"""

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from testamur.learners.models import Learner
from testamur.training.models import Course, Unit

group_key_validator = RegexValidator(
    r"^[A-Za-z0-9]{1,10}$", "A group key is up to 10 letters or digits, e.g. A."
)


class QualificationStatus(models.TextChoices):
    NOT_YET_ACHIEVED = "not_yet_achieved", "Not Yet Achieved"
    READY = "ready", "Ready to be Requested"
    GENERATING = "generating", "Generating Credential"
    AWAITING_ISSUE = "awaiting_issue", "Awaiting Issue"
    ISSUED = "issued", "Credential Issued"
    FAILED = "failed", "Credential Failed to Generate"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Statuses an audit may change; later ones follow the enrolment's credentials instead.
OPEN_STATUSES = (QualificationStatus.NOT_YET_ACHIEVED, QualificationStatus.READY)


class AuditOutcome(models.TextChoices):
    NO_MAJORS = "no_majors", "No Majors Achieved"
    ASSIGNED_MAJOR = "assigned_major", "Assigned Major Achieved"
    OTHER_MAJORS = "other_majors", "Other Majors Achieved"
    ALL_MAJORS = "all_majors", "All Majors Achieved"


# Outcomes that let the learner receive the qualification with the major they are assigned.
PASSING_OUTCOMES = (AuditOutcome.ASSIGNED_MAJOR, AuditOutcome.ALL_MAJORS)


class PackagingRule(models.Model):
    """What a qualification needs: a number of units, its core units and elective groups."""

    qualification = models.OneToOneField(
        Course, on_delete=models.PROTECT, related_name="packaging_rule"
    )
    units_required = models.PositiveSmallIntegerField(
        "total units required", validators=[MinValueValidator(1)]
    )
    imported_electives_limit = models.PositiveSmallIntegerField(
        "electives from elsewhere (most)",
        default=0,
        help_text=(
            "How many electives may come from outside the listed groups: elsewhere in this or "
            "another training package, or an accredited course."
        ),
    )
    core_units = models.ManyToManyField(Unit, blank=True, related_name="+")
    description = models.TextField("packaging rules in words", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["qualification__code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(units_required__gte=1), name="packaging_rule_needs_units"
            )
        ]

    def __str__(self) -> str:
        return f"Packaging rules of {self.qualification.code}"


class Major(models.Model):
    """A specialisation: the qualification's rule plus its own core units and groups."""

    rule = models.ForeignKey(PackagingRule, on_delete=models.CASCADE, related_name="majors")
    name = models.CharField(max_length=100)
    core_units = models.ManyToManyField(Unit, blank=True, related_name="+")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "name"], name="major_name_unique_in_rule")
        ]

    def __str__(self) -> str:
        return self.name


class ElectiveGroup(models.Model):
    """Listed electives, of which at least `at_least` must be achieved.

    A group without a major belongs to the qualification; a group with one is that major's.
    """

    rule = models.ForeignKey(PackagingRule, on_delete=models.CASCADE, related_name="groups")
    major = models.ForeignKey(
        Major, null=True, blank=True, on_delete=models.CASCADE, related_name="groups"
    )
    key = models.CharField(max_length=10, validators=[group_key_validator])
    name = models.CharField(max_length=100)
    at_least = models.PositiveSmallIntegerField("choose at least", default=0)
    units = models.ManyToManyField(Unit, related_name="+")

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "key"],
                condition=Q(major__isnull=True),
                name="group_key_unique_in_rule",
            ),
            models.UniqueConstraint(
                fields=["major", "key"],
                condition=Q(major__isnull=False),
                name="group_key_unique_in_major",
            ),
        ]

    def __str__(self) -> str:
        return f"Group {self.key} {self.name}"


class UnitEquivalence(models.Model):
    """A line of the mapping from a superseded qualification: its unit counts as ours, or not."""

    rule = models.ForeignKey(PackagingRule, on_delete=models.CASCADE, related_name="equivalences")
    superseded_qualification = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+")
    superseded_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    is_equivalent = models.BooleanField(
        "equivalent",
        default=True,
        help_text="Only equivalent units count in the audit; others are kept for the record.",
    )

    class Meta:
        ordering = ["superseded_unit__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "superseded_unit"], name="one_mapping_per_superseded_unit"
            ),
            models.CheckConstraint(
                condition=~Q(unit=F("superseded_unit")), name="equivalence_maps_another_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.superseded_unit.code} → {self.unit.code}"


class QualificationEnrolment(models.Model):
    learner = models.ForeignKey(
        Learner, on_delete=models.PROTECT, related_name="qualification_enrolments"
    )
    qualification = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="qualification_enrolments"
    )
    major = models.ForeignKey(
        Major,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrolments",
        verbose_name="assigned major",
    )
    status = models.CharField(
        max_length=20,
        choices=QualificationStatus.choices,
        default=QualificationStatus.NOT_YET_ACHIEVED,
    )
    audit_outcome = models.CharField(
        "audit outcome", max_length=20, choices=AuditOutcome.choices, blank=True
    )
    audit_summary = models.CharField("audit summary", max_length=500, blank=True)
    audit_explanation = models.JSONField("audit explanation", default=dict, blank=True)
    audited_at = models.DateTimeField("audited", null=True, blank=True)
    superseded_qualification = models.ForeignKey(
        Course,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="transitioned from",
    )
    transitioned_on = models.DateField("transitioned on", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["learner__family_name", "learner__given_name", "id"]
        permissions = [("audit_qualificationenrolment", "Can audit qualification enrolments")]
        indexes = [models.Index(fields=["qualification", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "qualification"],
                condition=~Q(status="withdrawn"),
                name="one_open_qualification_enrolment",
            ),
            models.CheckConstraint(
                condition=Q(status__in=QualificationStatus.values),
                name="qualification_enrolment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(audit_outcome__in=["", *AuditOutcome.values]),
                name="qualification_enrolment_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(audited_at__isnull=True, audit_outcome="")
                | (Q(audited_at__isnull=False) & ~Q(audit_outcome="")),
                name="qualification_enrolment_audit_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | Q(audit_outcome__in=PASSING_OUTCOMES),
                name="qualification_enrolment_ready_needs_passing_audit",
            ),
            models.CheckConstraint(
                condition=Q(superseded_qualification__isnull=True, transitioned_on__isnull=True)
                | Q(superseded_qualification__isnull=False, transitioned_on__isnull=False),
                name="qualification_enrolment_transition_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(superseded_qualification=F("qualification")),
                name="qualification_enrolment_not_transitioned_from_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner.full_name} in {self.qualification.code}"

    @property
    def audit_passed(self) -> bool:
        return self.audit_outcome in PASSING_OUTCOMES
