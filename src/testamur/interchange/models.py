"""Imports of what an RTO already has (spreadsheets, AVETMISS NAT files), one job per upload.

A job keeps the uploaded file, the column mapping, its progress, counts and the problems it
found, so the person who started it (or anyone with the import permission) can come back to
its report.
"""

from django.conf import settings
from django.db import models

from testamur.core.storage import STORED_NAME_LENGTH, UnguessableName


class ImportKind(models.TextChoices):
    LEARNERS = "learners", "Learners"
    COURSE_ENROLMENTS = "course_enrolments", "Course enrolments"
    UNIT_ENROLMENTS = "unit_enrolments", "Unit enrolments (results)"
    AVETMISS = "avetmiss", "AVETMISS NAT files"


SPREADSHEET_KINDS = (ImportKind.LEARNERS, ImportKind.COURSE_ENROLMENTS, ImportKind.UNIT_ENROLMENTS)


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded"
    MAPPING = "mapping", "Columns to match"
    QUEUED = "queued", "Waiting to start"
    CHECKING = "checking", "Checking"
    INVALID = "invalid", "Problems found: nothing imported"
    CHECKED = "checked", "Checked: ready to import"
    IMPORTING = "importing", "Importing"
    IMPORTED = "imported", "Imported"
    FAILED = "failed", "Failed: nothing imported"


RUNNING_STATUSES = (ImportStatus.QUEUED, ImportStatus.CHECKING, ImportStatus.IMPORTING)


class ImportJob(models.Model):
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    status = models.CharField(
        max_length=20, choices=ImportStatus.choices, default=ImportStatus.MAPPING
    )
    file = models.FileField(upload_to=UnguessableName("imports"), max_length=STORED_NAME_LENGTH)
    original_name = models.CharField("file name", max_length=255)
    file_format = models.CharField(max_length=10)  # csv, xlsx or nat (a zip of NAT files)
    encoding = models.CharField(max_length=20, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    headers = models.JSONField(default=list, blank=True)
    # Field name → column header (spreadsheets only).
    mapping = models.JSONField(default=dict, blank=True)
    # A dry run checks every row and changes nothing; the import itself is a second step.
    dry_run = models.BooleanField("dry run", default=True)
    progress = models.PositiveSmallIntegerField(default=0)
    rows_read = models.PositiveIntegerField(default=0)
    # What was (or, after a dry run, would be) written: {label: {created, updated, unchanged}}.
    summary = models.JSONField(default=dict, blank=True)
    # The first problems found (capped), each {file, row, column, message}, and how many in all.
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("import_data", "Can import learners, enrolments and AVETMISS files"),
            ("export_avetmiss", "Can export AVETMISS files"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="import_job_progress_percent"
            )
        ]

    def __str__(self) -> str:
        return f"Import {self.pk}: {self.original_name}"

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES

    @property
    def is_avetmiss(self) -> bool:
        return self.kind == ImportKind.AVETMISS

    @property
    def errors_not_shown(self) -> int:
        return max(0, self.error_count - len(self.errors))

    def totals(self) -> dict[str, int]:
        totals = {"created": 0, "updated": 0, "unchanged": 0}
        for counts in self.summary.values():
            for name in totals:
                totals[name] += counts.get(name, 0)
        return totals


class ImportMapping(models.Model):
    """The columns last matched for a kind of import, offered again for the next file."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices, unique=True)
    columns = models.JSONField(default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Last columns for {self.get_kind_display()}"
