"""The issuance record: what an issued credential says, frozen (DESIGN.md rule 9)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from testamur.credentials.models.credential import Credential
from testamur.credentials.models.templates import (
    CredentialTemplateVersion,
    CredentialType,
)
from testamur.training.models import CourseEnrolment


class IssuanceFrozen(Exception):
    """A completed issuance record was about to change or be deleted (DESIGN.md rule 9)."""

    def __init__(self, number: str | None):
        super().__init__(
            f"The issuance record of {number or 'this credential'} is complete (its signed "
            "document's fingerprint is recorded) and never changes. Correct by re-issuing."
        )


class IssuanceQuerySet(models.QuerySet):
    """Updates and deletes that would touch a completed record are refused as a whole."""

    def _refuse_completed(self) -> None:
        completed = self.exclude(document_sha256="").values_list("number", flat=True).first()
        if completed is not None:
            raise IssuanceFrozen(completed)

    def update(self, **kwargs):
        self._refuse_completed()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_completed()
        return super().delete()


class CredentialIssuance(models.Model):
    """What an issued credential says, exactly as its document was rendered (DESIGN.md rule 9).

    Frozen with the number (issuing._claim_number_and_freeze); the signed document is rendered
    from these facts alone; the transaction that makes the credential Issued adds the document's
    SHA-256, issued_at and issued_by. Until then a later issue attempt may refresh it (same
    number and code); once the fingerprint is set it never changes (IssuanceQuerySet and save()
    here; the event-log tamper evidence adds a PostgreSQL trigger). The public page, the digital
    credential, reprint, email, the register's "as issued" columns and AVETMISS read this
    record, never live tables.
    """

    credential = models.OneToOneField(Credential, on_delete=models.PROTECT, related_name="issuance")
    number = models.CharField("credential number", max_length=30, unique=True)
    verification_code = models.CharField(max_length=32, unique=True)
    credential_type = models.CharField("type", max_length=30, choices=CredentialType.choices)
    credential_date = models.DateField("credential date")
    # The date printed on the document as its date of issue.
    issued_on = models.DateField("issued date")
    learner_given_name = models.CharField(max_length=100)
    learner_family_name = models.CharField(max_length=100)
    learner_full_name = models.CharField(max_length=300)
    learner_display_name = models.CharField(max_length=200)
    # The learner's email as an identifier on the digital credential: only when they had agreed
    # (Learner.digital_credential_email_consent_at) when the credential was issued.
    learner_email_identifier = models.EmailField(max_length=254, blank=True)
    course_code = models.CharField(max_length=10, blank=True)
    course_title = models.CharField(max_length=100, blank=True)
    course_type = models.CharField(max_length=30, blank=True)
    course_aqf_level = models.PositiveSmallIntegerField(null=True, blank=True)
    course_aqf_level_label = models.CharField(max_length=60, blank=True)
    major = models.CharField(max_length=100, blank=True)
    # [{code, title, outcome, outcome_label, nominal_hours, is_vet}] as listed on the document.
    units = models.JSONField(default=list, blank=True)
    # {legal_name, trading_name, name, rto_code, abn, address, website, email, logo}.
    organisation = models.JSONField(default=dict)
    # [{id, name, title, signature}] as printed (signature: the image's asset name, or None).
    signatories = models.JSONField(default=list, blank=True)
    template_version = models.ForeignKey(
        CredentialTemplateVersion, on_delete=models.PROTECT, related_name="issuances"
    )
    # Issued as the learner's final qualification (testamurs of qualifications only), and the
    # course enrolment whose qualification-issued flag, parchment number and date it set.
    final_qualification = models.BooleanField(default=False)
    qualification_enrolment_flagged = models.ForeignKey(
        CourseEnrolment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issuances_flagged",
    )
    frozen_at = models.DateTimeField()
    document_sha256 = models.CharField("signed document SHA-256", max_length=64, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Made by the migration from the data of that day for credentials issued before records
    # existed: close to, but not proof of, what the document said.
    reconstructed = models.BooleanField(default=False)

    objects = IssuanceQuerySet.as_manager()

    class Meta:
        base_manager_name = "objects"
        indexes = [
            models.Index(fields=["learner_family_name"], name="issuance_family_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(document_sha256="") & Q(issued_at__isnull=True))
                | (~Q(document_sha256="") & Q(issued_at__isnull=False)),
                name="issuance_completed_has_sha256_and_time",
            ),
            models.CheckConstraint(
                condition=Q(final_qualification=True)
                | Q(qualification_enrolment_flagged__isnull=True),
                name="issuance_flags_enrolment_only_as_final",
            ),
        ]

    def __str__(self) -> str:
        return f"Issuance of {self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            completed = (
                type(self)
                .objects.filter(pk=self.pk)
                .exclude(document_sha256="")
                .values_list("number", flat=True)
                .first()
            )
            if completed is not None:
                raise IssuanceFrozen(completed)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if type(self).objects.filter(pk=self.pk).exclude(document_sha256="").exists():
            raise IssuanceFrozen(self.number)
        return super().delete(*args, **kwargs)

    @property
    def is_complete(self) -> bool:
        return bool(self.document_sha256)

    @property
    def course_is_qualification(self) -> bool:
        return self.course_type == "qualification"

    @property
    def course_label(self) -> str:
        return f"{self.course_code} {self.course_title}".strip()

    @property
    def credential_type_label(self) -> str:
        return CredentialType(self.credential_type).label
