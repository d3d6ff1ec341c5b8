from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from testamur.core.postcodes import postcode_problem
from testamur.core.text import search_text
from testamur.learners.addresses import address_line, address_parts
from testamur.learners.usi import usi_problem
from testamur.organisation.models import AustralianState


def validate_usi(value: str) -> None:
    problem = usi_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_usi")


class UsiStatus(models.TextChoices):
    NOT_SUPPLIED = "not_supplied", "Not supplied"
    NOT_VERIFIED = "not_verified", "Not verified"
    VERIFIED = "verified", "Verified"
    EXEMPTION_INDIV = "exemption_indiv", "Exemption: individual (INDIV)"
    EXEMPTION_INTOFF = "exemption_intoff", "Exemption: international offshore (INTOFF)"


EXEMPT_STATUSES = (UsiStatus.EXEMPTION_INDIV, UsiStatus.EXEMPTION_INTOFF)


# Neither a verified USI nor an exemption: the learner's credentials wait (rule 3).
USI_NOT_CLEARED = (UsiStatus.NOT_SUPPLIED, UsiStatus.NOT_VERIFIED)


def usi_not_cleared() -> Q:
    """Learners whose USI is not cleared (USI_NOT_CLEARED). The one place this filter is
    written; learner_counts() reads the same statuses from the kept counts."""
    return Q(usi_status__in=USI_NOT_CLEARED)


client_id_validator = RegexValidator(
    r"^[A-Za-z0-9-]{1,10}$", "A learner ID is 1–10 letters, digits or dashes."
)


class Gender(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    OTHER = "X", "Non-binary / other"
    NOT_STATED = "@", "Not stated"


class CodeListEntry(models.Model):
    """One code of an AVETMISS code list (one table per list, loaded by learners.code_lists).

    A code NCVER retires stays, marked not current, so the learners who hold it keep it.
    """

    code = models.CharField(max_length=4, primary_key=True)
    label = models.CharField(max_length=120)
    is_current = models.BooleanField("in current use", default=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return self.label


class SchoolLevel(CodeListEntry):
    """Highest school level completed (NAT00080, 2 characters)."""


class IndigenousStatus(CodeListEntry):
    class Meta(CodeListEntry.Meta):
        verbose_name_plural = "Indigenous statuses"


class Language(CodeListEntry):
    """Main language spoken at home: ABS ASCL codes (NAT00080, 4 characters)."""

    class Meta(CodeListEntry.Meta):
        ordering = ["label"]


class EnglishProficiency(CodeListEntry):
    class Meta(CodeListEntry.Meta):
        verbose_name_plural = "English proficiencies"


class LabourForceStatus(CodeListEntry):
    class Meta(CodeListEntry.Meta):
        verbose_name_plural = "labour force statuses"


class Country(CodeListEntry):
    """Country of birth: ABS SACC codes (NAT00080, 4 characters)."""

    class Meta(CodeListEntry.Meta):
        ordering = ["label"]
        verbose_name_plural = "countries"


class DisabilityType(CodeListEntry):
    """NAT00090, 2 characters."""


class PriorEducationType(CodeListEntry):
    """Prior educational achievement (NAT00100, 3 characters)."""


class YesNo(models.TextChoices):
    """An AVETMISS flag; blank is "not stated" (@)."""

    YES = "Y", "Yes"
    NO = "N", "No"


class EmailConsentSource(models.TextChoices):
    """Where a learner agreed to their email identifying them on digital credentials."""

    LEARNER_PORTAL = "learner_portal", "Learner portal"
    ENROLMENT_FORM = "enrolment_form", "Enrolment form"
    STAFF_RECORDED = "staff_recorded", "Recorded by staff"


class Recognition(models.TextChoices):
    """Where a prior educational achievement was gained (NAT00100 recognition identifier)."""

    AUSTRALIAN = "A", "Australian qualification"
    EQUIVALENT = "E", "Australian equivalent"
    INTERNATIONAL = "I", "International"


class SurveyContactStatus(models.TextChoices):
    AVAILABLE = "A", "Available for survey use"
    CORRECTIONAL = "C", "Correctional facility"
    DECEASED = "D", "Deceased"
    EXCLUDED = "E", "Excluded from survey use"
    INVALID_ADDRESS = "I", "Invalid address / itinerant"
    MINOR = "M", "Minor – under 15"
    OVERSEAS = "O", "Overseas"


def _code_list(model, name: str):
    return models.ForeignKey(
        model, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=name
    )


# The name parts the stored search name is made from.
NAME_FIELDS = ("given_name", "middle_names", "family_name", "preferred_name")


def learner_search_name(learner) -> str:
    return search_text(*(getattr(learner, name) for name in NAME_FIELDS))


class LearnerQuerySet(models.QuerySet):
    """Bulk writes keep the search name in step with the name parts, as save() does."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for learner in objs:
            learner.search_name = learner_search_name(learner)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        fields = list(fields)
        if set(fields) & set(NAME_FIELDS):
            for learner in objs:
                learner.search_name = learner_search_name(learner)
            if "search_name" not in fields:
                fields.append("search_name")
        return super().bulk_update(objs, fields, *args, **kwargs)


class Learner(models.Model):
    client_id = models.CharField(
        "learner ID", max_length=10, unique=True, validators=[client_id_validator]
    )
    title = models.CharField(max_length=10, blank=True)
    given_name = models.CharField("given name", max_length=40)
    middle_names = models.CharField("middle names", max_length=60, blank=True)
    family_name = models.CharField("family name", max_length=40)
    preferred_name = models.CharField("preferred name", max_length=40, blank=True)
    # The name parts folded (core/text.py) so searches ignore accents, case, apostrophes and
    # hyphens on SQLite and PostgreSQL alike; written on every save and bulk write.
    search_name = models.CharField(max_length=400, blank=True, editable=False)
    date_of_birth = models.DateField("date of birth", null=True, blank=True)
    gender = models.CharField(max_length=1, choices=Gender.choices, default=Gender.NOT_STATED)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True)
    # The street address as AVETMISS splits it (NAT00080, NAT00085).
    address_building = models.CharField("building or property name", max_length=50, blank=True)
    address_unit = models.CharField("flat or unit", max_length=30, blank=True)
    address_street_number = models.CharField("street number", max_length=15, blank=True)
    address_street_name = models.CharField("street name", max_length=70, blank=True)
    postal_delivery_box = models.CharField(
        "postal delivery box", max_length=22, blank=True, help_text="e.g. PO Box 123"
    )
    suburb = models.CharField(max_length=50, blank=True)
    state = models.CharField(max_length=3, choices=AustralianState.choices, blank=True)
    postcode = models.CharField(max_length=4, blank=True)

    usi = models.CharField(
        "USI", max_length=10, null=True, blank=True, unique=True, validators=[validate_usi]
    )
    usi_status = models.CharField(
        "USI status", max_length=20, choices=UsiStatus.choices, default=UsiStatus.NOT_SUPPLIED
    )
    usi_verified_on = models.DateField("USI verified on", null=True, blank=True)
    usi_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    usi_evidence = models.CharField("verification evidence", max_length=200, blank=True)

    # AVETMISS client details (NAT00080, 00090, 00100); blank means "not stated".
    school_level = _code_list(SchoolLevel, "highest school level completed")
    school_level_year = models.PositiveSmallIntegerField(
        "year highest school level completed", null=True, blank=True
    )
    at_school = models.CharField(
        "still attending secondary school", max_length=1, choices=YesNo.choices, blank=True
    )
    indigenous_status = _code_list(IndigenousStatus, "Indigenous status")
    language = _code_list(Language, "main language spoken at home")
    english_proficiency = _code_list(EnglishProficiency, "proficiency in spoken English")
    country_of_birth = _code_list(Country, "country of birth")
    labour_force_status = _code_list(LabourForceStatus, "labour force status")
    disability = models.CharField(
        "disability, impairment or long-term condition",
        max_length=1,
        choices=YesNo.choices,
        blank=True,
    )
    disability_types = models.ManyToManyField(
        DisabilityType, blank=True, related_name="+", verbose_name="disability types"
    )
    prior_education = models.CharField(
        "prior educational achievement", max_length=1, choices=YesNo.choices, blank=True
    )
    survey_contact_status = models.CharField(
        "survey contact status",
        max_length=1,
        choices=SurveyContactStatus.choices,
        blank=True,
        help_text="Leave blank to report A (available), M for under-15s, O for overseas.",
    )

    # Kept by the database (credentials/kept_flags.py), never typed: True while one of the
    # learner's credentials is on its way (requested to generated). The dashboard reads it.
    credentials_waiting = models.BooleanField("credentials waiting", default=False, editable=False)
    is_active = models.BooleanField("active", default=True)
    privacy_flag = models.BooleanField("privacy flag", default=False)
    special_requirements = models.TextField("special requirements", blank=True)
    # The learner agreed that their email identifies them (as a salted hash) on digital
    # credentials issued from now on: when and where. Withdrawing clears both.
    digital_credential_email_consent_at = models.DateTimeField(
        "email consent for digital credentials given at", null=True, blank=True
    )
    digital_credential_email_consent_source = models.CharField(
        "email consent for digital credentials given through",
        max_length=20,
        choices=EmailConsentSource.choices,
        blank=True,
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LearnerQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        permissions = [("set_active_learner", "Can mark a learner active or inactive")]
        indexes = [
            models.Index(fields=["family_name", "given_name"]),
            models.Index(fields=["email"]),
            # The dashboard asks which learners' unverified USIs hold up credentials.
            models.Index(fields=["usi_status"], name="learner_usi_status"),
            # The dashboard's learners whose credentials wait for their USI, by name.
            models.Index(
                fields=["family_name", "given_name", "id"],
                condition=Q(credentials_waiting=True, usi_status__in=USI_NOT_CLEARED),
                name="learner_usi_waiting",
            ),
        ]
        constraints = [
            # The database keeps the USI and its status consistent, whatever writes the row.
            models.CheckConstraint(
                condition=Q(usi__isnull=False)
                | Q(usi_status__in=["not_supplied", *EXEMPT_STATUSES]),
                name="learner_usi_status_needs_usi",
            ),
            models.CheckConstraint(
                condition=Q(usi__isnull=True)
                | ~Q(usi_status__in=["not_supplied", *EXEMPT_STATUSES]),
                name="learner_usi_absent_when_not_supplied_or_exempt",
            ),
            models.CheckConstraint(
                condition=~Q(usi_status="verified") | Q(usi_verified_on__isnull=False),
                name="learner_verified_usi_has_date",
            ),
            models.CheckConstraint(
                condition=Q(
                    digital_credential_email_consent_at__isnull=True,
                    digital_credential_email_consent_source="",
                )
                | (
                    Q(digital_credential_email_consent_at__isnull=False)
                    & ~Q(digital_credential_email_consent_source="")
                ),
                name="learner_email_consent_has_date_and_source",
            ),
            models.CheckConstraint(
                condition=Q(school_level_year__isnull=True)
                | Q(school_level_year__gte=1900, school_level__isnull=False),
                name="learner_school_year_needs_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.client_id})"

    def save(self, *args, **kwargs):
        self.search_name = learner_search_name(self)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) & set(NAME_FIELDS):
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    @property
    def address_line(self) -> str:
        """The street address as one line, e.g. 'Unit Block, 12/88 George Street'."""
        return address_line(
            self.address_building,
            self.address_unit,
            self.address_street_number,
            self.address_street_name,
        )

    @address_line.setter
    def address_line(self, line: str) -> None:
        parts = address_parts(line)
        self.address_building = parts["building"]
        self.address_unit = parts["unit"]
        self.address_street_number = parts["street_number"]
        self.address_street_name = parts["street_name"]

    @property
    def full_name(self) -> str:
        parts = [self.given_name, self.middle_names, self.family_name]
        return " ".join(p for p in parts if p)

    @property
    def display_name(self) -> str:
        """The name printed on credentials and shown publicly: no middle names, no other data."""
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def digital_credential_email(self) -> str:
        """The email to identify the learner by on a digital credential: only with consent."""
        return self.email if self.digital_credential_email_consent_at else ""

    @property
    def usi_cleared_for_issue(self) -> bool:
        return self.usi_status in (UsiStatus.VERIFIED, *EXEMPT_STATUSES)

    def clean(self):
        errors = {}
        needs_usi = self.usi_status in (UsiStatus.NOT_VERIFIED, UsiStatus.VERIFIED)
        if needs_usi and not self.usi:
            errors["usi"] = "Enter the USI, or set the status to Not supplied or an exemption."
        if not needs_usi and self.usi:
            errors["usi_status"] = (
                "A learner with a USI is Not verified or Verified; clear the USI to record "
                "an exemption."
            )
        if self.usi_status == UsiStatus.VERIFIED and not self.usi_verified_on:
            errors["usi_verified_on"] = "Enter the date the USI was verified."
        problem = postcode_problem(self.postcode, self.state)
        if problem:
            errors["postcode"] = problem
        if errors:
            raise ValidationError(errors)


class PriorEducation(models.Model):
    """One prior educational achievement of a learner (a NAT00100 record)."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="prior_educations")
    achievement = models.ForeignKey(PriorEducationType, on_delete=models.PROTECT, related_name="+")
    recognition = models.CharField(max_length=1, choices=Recognition.choices, blank=True)

    class Meta:
        ordering = ["achievement"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "achievement"], name="prior_education_once_per_type"
            )
        ]

    def __str__(self) -> str:
        if self.recognition:
            return f"{self.achievement} ({self.get_recognition_display()})"
        return str(self.achievement)


# Verification with the USI Registry System keeps its own records (learners/usi_registry/).
from testamur.learners.usi_registry.models import (  # noqa: E402, F401
    UsiVerification,
    UsiVerificationJob,
)


class LearnerCount(models.Model):
    """How many learners are active or not, by USI status, kept by the database as learners
    change (core/kept_counts.py, learners/counts.py): a key's count is the sum of its rows,
    delta rows only ever inserted by triggers, so the dashboard does not count half a million
    learners."""

    is_active = models.BooleanField()
    usi_status = models.CharField(max_length=20)
    n = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["is_active", "usi_status"], name="learner_count_key")]

    def __str__(self) -> str:
        return f"{'active' if self.is_active else 'inactive'} {self.usi_status} {self.n:+d}"
