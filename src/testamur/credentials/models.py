"""Credentials, their templates and generation runs.

A credential is never deleted once it has left the Requested state (DESIGN.md rule 1); the
service layer, the admin site and database triggers all refuse it.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from testamur.core.storage import STORED_NAME_LENGTH, UnguessableName
from testamur.learners.models import Learner
from testamur.training.models import Course, CourseEnrolment


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


def new_verification_code() -> str:
    """128 random bits, URL-safe: the code printed (as a QR code) on the issued document."""
    return secrets.token_urlsafe(16)


class Credential(models.Model):
    credential_type = models.CharField("type", max_length=30, choices=CredentialType.choices)
    template = models.ForeignKey(
        CredentialTemplate, on_delete=models.PROTECT, related_name="credentials"
    )
    template_version = models.ForeignKey(
        CredentialTemplateVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credentials",
        help_text="The version the stored document was rendered with.",
    )
    learner = models.ForeignKey(Learner, on_delete=models.PROTECT, related_name="credentials")
    course_enrolment = models.ForeignKey(
        CourseEnrolment, null=True, blank=True, on_delete=models.PROTECT, related_name="credentials"
    )
    qualification_enrolment = models.ForeignKey(
        "qualifications.QualificationEnrolment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credentials",
    )
    # The course or qualification of whichever enrolment it came from, kept on the credential
    # so the register and its reports group and filter by course with one index.
    course = models.ForeignKey(
        Course, null=True, blank=True, on_delete=models.PROTECT, related_name="credentials"
    )
    number = models.CharField(
        "credential number", max_length=30, null=True, blank=True, unique=True
    )
    credential_date = models.DateField("credential date")
    issuing_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=CredentialStatus.choices, default=CredentialStatus.REQUESTED
    )
    status_reason = models.TextField("status reason", blank=True)
    failure_message = models.TextField(blank=True)
    final_qualification = models.BooleanField("final qualification", default=False)
    issued_on = models.DateField("issued date", null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    verification_code = models.CharField(max_length=32, null=True, blank=True, unique=True)
    # While an issuer renders and signs, others leave the credential alone until this passes.
    issue_claimed_until = models.DateTimeField(null=True, blank=True)
    # The generated, unsigned draft shown by Preview; replaced by each regeneration.
    draft = models.FileField(
        upload_to=UnguessableName("credentials/drafts"), max_length=STORED_NAME_LENGTH, blank=True
    )
    # The issued, signed and certified document. Written once, never overwritten.
    document = models.FileField(
        upload_to=UnguessableName("credentials/issued"), max_length=STORED_NAME_LENGTH, blank=True
    )
    document_sha256 = models.CharField(max_length=64, blank=True)
    # Bumped on every change so a page acting on an old copy is refused (stale page).
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("request_credential", "Can request and preview credentials"),
            ("issue_credential", "Can issue credentials"),
            ("cancel_credential", "Can cancel and re-issue credentials"),
            ("email_credential", "Can email issued credentials to learners"),
        ]
        # The register and its reports page through a million rows by these keys (keyset).
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="credential_register_order"),
            models.Index(fields=["status", "-created_at", "-id"], name="credential_status_order"),
            models.Index(fields=["credential_date"]),
            models.Index(fields=["issued_on"], name="credential_issued_on"),
            models.Index(fields=["course", "id"], name="credential_course_order"),
            # The 30-day clock asks, per completed enrolment, "is anything issued yet?".
            models.Index(
                fields=["course_enrolment"],
                condition=Q(status="issued"),
                name="credential_issued_enrolment",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="issued")
                | (Q(number__isnull=False) & Q(issued_on__isnull=False) & ~Q(document="")),
                name="issued_credential_has_number_date_document",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(status_reason=""),
                name="cancelled_credential_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(replaces__isnull=True) | ~Q(replaces=models.F("id")),
                name="credential_does_not_replace_itself",
            ),
            models.CheckConstraint(
                condition=Q(course_enrolment__isnull=True)
                | Q(qualification_enrolment__isnull=True),
                name="credential_from_one_enrolment",
            ),
            # A qualification enrolment has one live testamur and one live record of results.
            models.UniqueConstraint(
                fields=["qualification_enrolment", "credential_type"],
                condition=Q(qualification_enrolment__isnull=False) & ~Q(status="cancelled"),
                name="one_live_credential_per_qualification_enrolment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_credential_type_display()} {self.number or '(no number yet)'}"

    @property
    def is_deletable(self) -> bool:
        return self.status == CredentialStatus.REQUESTED and not self.number

    @property
    def replacement(self) -> "Credential | None":
        try:
            return self.replaced_by
        except Credential.DoesNotExist:
            return None

    @property
    def is_reissuable(self) -> bool:
        """Issued, or issued and since cancelled without a replacement yet (rule 2)."""
        if self.status == CredentialStatus.ISSUED:
            return True
        was_issued = self.issued_on is not None and bool(self.number)
        return self.status == CredentialStatus.CANCELLED and was_issued and not self.replacement

    @property
    def course_offer(self):
        return self.course_enrolment.offer if self.course_enrolment_id else None


class RunKind(models.TextChoices):
    GENERATE = "generate", "Generate"
    PREVIEW = "preview", "Merge documents"
    REGENERATE = "regenerate", "Regenerate"
    ISSUE = "issue", "Issue"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    FINALISING = "finalising", "Building files"
    COMPLETED = "completed", "Completed"
    COMPLETED_WITH_ERRORS = "completed_with_errors", "Completed with errors"
    FAILED = "failed", "Failed"


FINISHED_RUN_STATUSES = (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERRORS, RunStatus.FAILED)


class GenerationRun(models.Model):
    """One batch of Preview / Merge / Regenerate / Issue work, processed in the background."""

    kind = models.CharField(max_length=20, choices=RunKind.choices)
    status = models.CharField(max_length=30, choices=RunStatus.choices, default=RunStatus.QUEUED)
    options = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(default=0)
    done_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    combined_pdf = models.FileField(
        upload_to=UnguessableName("runs"), max_length=STORED_NAME_LENGTH, blank=True
    )
    mail_merge = models.FileField(
        upload_to=UnguessableName("runs"), max_length=STORED_NAME_LENGTH, blank=True
    )
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    files_purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} run {self.pk}"

    @property
    def processed(self) -> int:
        return self.done_count + self.failed_count + self.skipped_count

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.processed / self.total)

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_RUN_STATUSES


class RunItemStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class RunItem(models.Model):
    run = models.ForeignKey(GenerationRun, on_delete=models.CASCADE, related_name="items")
    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="run_items")
    position = models.PositiveIntegerField()
    chunk = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=RunItemStatus.choices, default=RunItemStatus.PENDING
    )
    message = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="run_item_position_unique"),
            models.UniqueConstraint(fields=["run", "credential"], name="run_item_once_per_run"),
        ]
        indexes = [models.Index(fields=["run", "chunk", "status"])]

    def __str__(self) -> str:
        return f"{self.run} #{self.position}"


class EmailStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class CredentialEmail(models.Model):
    """One send of an issued credential to its learner: queued, then sent, failed or skipped.

    Rows are never changed once finished; sending again (a retry) adds a new row.
    """

    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="emails")
    to = models.EmailField(blank=True)
    status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    # Why it failed or was skipped, as the mail server or the check said it.
    error = models.TextField(blank=True)
    subject = models.CharField(max_length=255, blank=True)
    message_id = models.CharField("message ID", max_length=255, blank=True)
    # The fingerprint of the attached file: the signed document, never a print version.
    document_sha256 = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    attempted_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "-requested_at"], name="credential_email_status")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | (~Q(message_id="") & Q(sent_at__isnull=False)),
                name="credential_email_sent_has_message_id",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["failed", "skipped"]) | ~Q(error=""),
                name="credential_email_failure_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Email of {self.credential} to {self.to or '(no address)'}"


DEFAULT_EMAIL_SUBJECT = "Your {credential_type} {credential_number} from {rto_name}"
DEFAULT_EMAIL_BODY = """Dear {learner_given_name},

Please find attached your {credential_type} {credential_number}
for {course}, issued on {issued_date}.

The attached PDF is digitally signed by {rto_name} (RTO code {rto_code}).
Any change to the file breaks the signature, so keep the original.
Anyone can check it at {verification_url}

If any detail is wrong, reply to this email and we will correct it.

Kind regards,
{rto_name}
{rto_email} {rto_phone}
"""


class CredentialEmailTemplate(models.Model):
    """The subject and body of the email that carries an issued credential (one per RTO)."""

    subject = models.CharField(max_length=200, default=DEFAULT_EMAIL_SUBJECT)
    body = models.TextField(default=DEFAULT_EMAIL_BODY)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="credential_email_template_singleton")
        ]

    def __str__(self) -> str:
        return "Credential email template"

    @classmethod
    def load(cls) -> "CredentialEmailTemplate":
        template, _ = cls.objects.get_or_create(id=1)
        return template
