"""Credentials, their templates and generation runs.

A credential is never deleted once it has left the Requested state (DESIGN.md rule 1); the
service layer, the admin site and database triggers all refuse it.
"""

import secrets
from datetime import UTC, date, datetime

from django.conf import settings
from django.db import IntegrityError, models
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


# What an issued credential says, frozen once it is Issued (rule 9) whatever writes to the
# database: Credential.save() below, triggers on SQLite (credentials/guards.py) and on PostgreSQL
# (migration 0007) refuse a change, and verify_event_log compares them with the issue event.
ISSUED_FACTS = (
    "credential_type",
    "template_id",
    "template_version_id",
    "learner_id",
    "course_id",
    "course_enrolment_id",
    "qualification_enrolment_id",
    "number",
    "verification_code",
    "credential_date",
    "issued_on",
    "issued_at",
    "issued_by_id",
    "issuing_officer_id",
    "final_qualification",
    "document",
    "document_sha256",
    "replaces_id",
)
# Set once (in any state), never changed: the number and QR code printed, the stored document.
SET_ONCE = ("number", "verification_code", "document", "document_sha256")
# How a status came about (reason, who and when cancelled): changed only by a status change.
STATUS_RECORD = ("status_reason", "cancelled_at", "cancelled_by_id")
GUARDED = (*ISSUED_FACTS, "status", *STATUS_RECORD)

DELETE_REFUSED = "Credential {number} is {status}; only a Requested credential may be deleted."
SET_ONCE_CHANGED = "The {field} of credential {number} is set and cannot be changed."
ISSUED_FACT_CHANGED = "The {field} of {status} credential {number} cannot be changed."
ISSUED_ONLY_CANCELLED = "Issued credential {number} can only be cancelled, not made {status}."
CANCELLED_IS_FINAL = "Credential {number} is cancelled, and a cancellation is final."
CANCEL_NEEDS_RECORD = (
    "Cancelling issued credential {number} needs a reason, who cancelled it and when."
)
STATUS_RECORD_CHANGED = "The {field} of {status} credential {number} changes only with its status."


def _empty(value) -> bool:
    return value is None or value == ""


def credential_change_refused(old: dict, new: dict) -> str | None:
    """Why changing a credential row from `old` to `new` (GUARDED columns) is refused, or None.

    The rules the database triggers hold, in Python for the model layer.
    """
    number = old["number"] or "(not numbered)"
    for field in SET_ONCE:
        if not _empty(old[field]) and new[field] != old[field]:
            return SET_ONCE_CHANGED.format(field=field, number=number)
    status = old["status"]
    if status not in (CredentialStatus.ISSUED, CredentialStatus.CANCELLED):
        return None
    if status == CredentialStatus.CANCELLED and new["status"] != status:
        return CANCELLED_IS_FINAL.format(number=number)
    if new["status"] not in (CredentialStatus.ISSUED, CredentialStatus.CANCELLED):
        return ISSUED_ONLY_CANCELLED.format(number=number, status=new["status"])
    cancelling = new["status"] != status
    if cancelling and (
        not (new["status_reason"] or "").strip()
        or new["cancelled_at"] is None
        or new["cancelled_by_id"] is None
    ):
        return CANCEL_NEEDS_RECORD.format(number=number)
    for field in ISSUED_FACTS:
        if new[field] != old[field]:
            return ISSUED_FACT_CHANGED.format(field=field, status=status, number=number)
    if not cancelling:
        for field in STATUS_RECORD:
            if new[field] != old[field]:
                return STATUS_RECORD_CHANGED.format(field=field, status=status, number=number)
    return None


def fact_value(value):
    """A fact as the event log keeps it (JSON): datetimes in UTC to the microsecond."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


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

    def save(self, *args, update_fields=None, **kwargs):
        new = self._guarded_now()
        loaded = getattr(self, "_as_loaded", None)
        if loaded is not None and set(GUARDED) <= loaded.keys():
            old = {name: loaded[name] for name in GUARDED}
            if update_fields is not None:
                saved = {self._meta.get_field(name).attname for name in update_fields}
                new = {name: new[name] if name in saved else old[name] for name in GUARDED}
            refused = credential_change_refused(old, new)
            if refused:
                raise IntegrityError(refused)
        super().save(*args, update_fields=update_fields, **kwargs)
        self._as_loaded = new

    def delete(self, *args, **kwargs):
        if not self.is_deletable:
            raise IntegrityError(
                DELETE_REFUSED.format(
                    number=self.number or "(not numbered)", status=self.get_status_display()
                )
            )
        return super().delete(*args, **kwargs)

    def issued_facts(self) -> dict:
        """ISSUED_FACTS as recorded in the issue event, so the register can be replayed."""
        facts = {name: fact_value(getattr(self, name)) for name in ISSUED_FACTS}
        facts["document"] = self.document.name or ""
        return facts

    @classmethod
    def from_db(cls, db, field_names, values):
        credential = super().from_db(db, field_names, values)
        # What the database holds, so save() can tell what this copy would change.
        credential._as_loaded = {
            name: value for name, value in zip(field_names, values, strict=True)
        }
        return credential

    def _guarded_now(self) -> dict:
        values = {name: getattr(self, name) for name in GUARDED}
        values["document"] = self.document.name or ""
        return values

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

    @property
    def learner_name_as_issued(self) -> str:
        """The learner's name as printed on the issued document; before issue, as it is now."""
        record = self.issued_record
        return record.learner_full_name if record else self.learner.full_name

    @property
    def course_code_as_issued(self) -> str:
        record = self.issued_record
        if record:
            return record.course_code
        return self.course.code if self.course_id else ""

    @property
    def issued_record(self) -> "CredentialIssuance | None":
        """What the credential says as issued (DESIGN.md rule 9); None until it is issued."""
        try:
            record = self.issuance
        except CredentialIssuance.DoesNotExist:
            return None
        return record if record.is_complete else None


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
    # Why a skipped credential was skipped, one entry per reason: {"reason", "fix"} where fix
    # names the page that puts it right (gates.Fix).
    reasons = models.JSONField(default=list, blank=True)
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


class RunChunk(models.Model):
    """One chunk of a run, and who processes it: the row decides ownership (run_chunks.py).

    A worker takes a free chunk (no owner) under a row lock, stamps its own token and then
    heartbeats; a chunk whose heartbeat stops is handed out again by any live worker.
    """

    run = models.ForeignKey(GenerationRun, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    owner = models.CharField(max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    claims = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="run_chunk_number_unique"),
        ]
        indexes = [
            models.Index(
                fields=["heartbeat_at"],
                condition=models.Q(finished_at__isnull=True),
                name="run_chunk_unfinished",
            )
        ]

    def __str__(self) -> str:
        return f"{self.run} chunk {self.number}"


class WorkerHeartbeat(models.Model):
    """A live `run_worker` process: the task rows of one that stops heartbeating are failed."""

    worker_id = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.worker_id


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
