"""Credential types and statuses, templates, their versions and assets."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from testamur.core.storage import STORED_NAME_LENGTH, UnguessableName


class CredentialType(models.TextChoices):
    TESTAMUR = "testamur", "Testamur"
    RECORD_OF_RESULTS = "record_of_results", "Record of Results"
    STATEMENT_OF_ATTAINMENT = "statement_of_attainment", "Statement of Attainment"
    TRANSCRIPT = "transcript", "Transcript"
    LETTER = "letter", "Letter"
    OTHER = "other", "Other"


class CredentialStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    GENERATING = "generating", "Generating"
    GENERATED = "generated", "Generated (awaiting issue)"
    ISSUED = "issued", "Issued"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


class CredentialTemplate(models.Model):
    name = models.CharField(max_length=100, unique=True)
    credential_type = models.CharField("type", max_length=30, choices=CredentialType.choices)
    description = models.CharField(max_length=200, blank=True)
    is_builtin = models.BooleanField("built-in", default=False)
    is_available = models.BooleanField(
        "available for requests",
        default=True,
        help_text="Only available templates with an active version can be chosen for requests.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["credential_type", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def active_version(self) -> "CredentialTemplateVersion | None":
        return self.versions.filter(state=TemplateVersionState.ACTIVE).first()


class TemplateVersionState(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


class CredentialTemplateVersion(models.Model):
    """An immutable revision of a template's source. Editing a template makes a new version."""

    template = models.ForeignKey(
        CredentialTemplate, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField()
    source = models.TextField()
    state = models.CharField(
        max_length=10, choices=TemplateVersionState.choices, default=TemplateVersionState.DRAFT
    )
    problems = models.TextField(
        blank=True, help_text="Why this version cannot be activated (compile error, content check)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="template_version_unique"),
            models.UniqueConstraint(
                fields=["template"], condition=Q(state="active"), name="one_active_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template.name} v{self.number}"


class TemplateAsset(models.Model):
    """A file a template version may read: background artwork, logos, fonts."""

    version = models.ForeignKey(
        CredentialTemplateVersion, on_delete=models.PROTECT, related_name="assets"
    )
    name = models.CharField(max_length=100)
    file = models.FileField(
        upload_to=UnguessableName("template-assets"), max_length=STORED_NAME_LENGTH
    )
    sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "name"], name="template_asset_unique")
        ]

    def __str__(self) -> str:
        return self.name
