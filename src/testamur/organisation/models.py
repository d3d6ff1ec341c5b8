"""The RTO this deployment serves (one per deployment) and its signatories."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from testamur.core.postcodes import POSTCODE_NOT_FOUR_DIGITS, postcode_problem
from testamur.core.storage import STORED_NAME_LENGTH, UnguessableName

TIME_ZONE_CHOICES = sorted(
    (tz, tz) for tz in zoneinfo.available_timezones() if tz.startswith("Australia/")
)


class Jurisdiction(models.TextChoices):
    NATIONAL = "national", "National (all states except WA)"
    WA = "wa", "Western Australia"


class UsiGate(models.TextChoices):
    BLOCK = "block", "Block issue until the USI is verified or exempt"
    WARN = "warn", "Warn, but allow issue"


class AustralianState(models.TextChoices):
    NSW = "NSW", "New South Wales"
    VIC = "VIC", "Victoria"
    QLD = "QLD", "Queensland"
    SA = "SA", "South Australia"
    WA = "WA", "Western Australia"
    TAS = "TAS", "Tasmania"
    NT = "NT", "Northern Territory"
    ACT = "ACT", "Australian Capital Territory"
    OTHER = "OTH", "Other Australian territory"
    OVERSEAS = "OVS", "Overseas"


rto_code_validator = RegexValidator(
    r"^\d{4,5}$", "An RTO code (TOID) is 4 or 5 digits, e.g. 41234."
)
abn_validator = RegexValidator(r"^\d{11}$", "An ABN is 11 digits (spaces are removed).")
prefix_validator = RegexValidator(
    r"^[A-Z0-9-]{0,10}$", "Use up to 10 capital letters, digits or dashes, e.g. TM-."
)
postcode_validator = RegexValidator(r"^\d{4}$", "A postcode is 4 digits.")


class Organisation(models.Model):
    legal_name = models.CharField("legal name", max_length=100, blank=True)
    trading_name = models.CharField("trading name", max_length=100, blank=True)
    rto_code = models.CharField(
        "RTO code (TOID)", max_length=10, blank=True, validators=[rto_code_validator]
    )
    abn = models.CharField("ABN", max_length=11, blank=True, validators=[abn_validator])
    address_line = models.CharField("street address", max_length=100, blank=True)
    suburb = models.CharField(max_length=50, blank=True)
    state = models.CharField(max_length=3, choices=AustralianState.choices, blank=True)
    postcode = models.CharField(max_length=4, blank=True, validators=[postcode_validator])
    email = models.EmailField("contact email", blank=True)
    phone = models.CharField(max_length=20, blank=True)
    website = models.URLField(blank=True)
    logo = models.FileField(
        upload_to=UnguessableName("organisation"), max_length=STORED_NAME_LENGTH, blank=True
    )
    # The official Nationally Recognised Training and AQF artwork. Until the RTO uploads them,
    # documents carry the built-in placeholders: fine for previews, never issued (rule 4).
    nrt_logo = models.FileField(
        "NRT logo",
        upload_to=UnguessableName("organisation"),
        max_length=STORED_NAME_LENGTH,
        blank=True,
    )
    aqf_logo = models.FileField(
        "AQF logo",
        upload_to=UnguessableName("organisation"),
        max_length=STORED_NAME_LENGTH,
        blank=True,
    )
    jurisdiction = models.CharField(
        max_length=10, choices=Jurisdiction.choices, default=Jurisdiction.NATIONAL
    )
    time_zone = models.CharField(
        max_length=40, choices=TIME_ZONE_CHOICES, default="Australia/Sydney"
    )
    credential_number_prefix = models.CharField(
        max_length=10, default="TM-", blank=True, validators=[prefix_validator]
    )
    credential_number_digits = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(4), MaxValueValidator(12)]
    )
    usi_gate = models.CharField(max_length=10, choices=UsiGate.choices, default=UsiGate.BLOCK)
    default_issuing_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Course enrolment status values (training.EnrolmentStatus); empty turns the rule off.
    learner_inactive_statuses = models.JSONField(
        "set learners inactive when all their enrolments are", default=list, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="organisation_singleton")
        ]

    def __str__(self) -> str:
        return self.display_name

    def clean(self):
        # The 4-digit format is the field's own validator; this adds postcode-state agreement.
        problem = postcode_problem(self.postcode, self.state)
        if problem and problem != POSTCODE_NOT_FOUR_DIGITS:
            raise ValidationError({"postcode": problem})

    @property
    def display_name(self) -> str:
        return self.trading_name or self.legal_name or "Your RTO"

    def credential_number(self, sequence: int = 1) -> str:
        """The credential number for a value of the sequence (1 gives Settings' example)."""
        return f"{self.credential_number_prefix}{sequence:0{self.credential_number_digits}d}"

    @classmethod
    def load(cls) -> "Organisation":
        organisation, _ = cls.objects.get_or_create(id=1)
        return organisation


class Signatory(models.Model):
    name = models.CharField(max_length=100)
    title = models.CharField("position title", max_length=100)
    signature = models.FileField(
        "signature image",
        upload_to=UnguessableName("signatures"),
        max_length=STORED_NAME_LENGTH,
        blank=True,
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "signatories"

    def __str__(self) -> str:
        return f"{self.name}, {self.title}"


class SigningKey(models.Model):
    """The certificate and key that sign issued credentials (PDF certification signatures).

    The PKCS#12 passphrase is stored encrypted with a key derived from SECRET_KEY; a
    deployment that changes SECRET_KEY uploads its key again.
    """

    pkcs12 = models.BinaryField()
    passphrase_encrypted = models.BinaryField()
    subject = models.CharField(max_length=200)
    issuer = models.CharField(max_length=200, blank=True)
    not_before = models.DateTimeField("valid from", null=True, blank=True)
    not_after = models.DateTimeField("valid until")
    fingerprint_sha256 = models.CharField("SHA-256 fingerprint", max_length=64, blank=True)
    is_self_signed = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="one_active_signing_key",
            )
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def fingerprint_display(self) -> str:
        """AB:CD:… as certificate viewers show it."""
        value = self.fingerprint_sha256.upper()
        return ":".join(value[i : i + 2] for i in range(0, len(value), 2))
