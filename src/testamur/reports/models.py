"""What the reports keep: each day's 30-day-clock email to Admins, and background exports."""

from django.conf import settings
from django.db import models

from testamur.core.storage import STORED_NAME_LENGTH, UnguessableName

# Where export files are stored; purged with the run files (credentials/retention.py).
EXPORT_FILES_DIR = "exports"


class DigestStatus(models.TextChoices):
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    NOTHING_DUE = "nothing_due", "Nothing overdue or due this week"
    NO_RECIPIENTS = "no_recipients", "No Admin has an email address"
    FAILED = "failed", "Failed"


class ClockDigest(models.Model):
    """One day's "overdue / due this week" email. One row per day, so it goes out once a day."""

    day = models.DateField(unique=True)
    status = models.CharField(
        max_length=20, choices=DigestStatus.choices, default=DigestStatus.SENDING
    )
    overdue = models.PositiveIntegerField(default=0)
    due_this_week = models.PositiveIntegerField("due this week", default=0)
    recipients = models.TextField(blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"30-day clock email of {self.day:%d/%m/%Y}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


EXPORT_FINISHED = (ExportStatus.DONE, ExportStatus.FAILED)


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", "XLSX"


class RegisterExport(models.Model):
    """One register report download written in the background (register_exports.py).

    The file holds personal data: it is stored under an unguessable name and served only to
    the person who asked for it, and purged with the run files (credentials/retention.py).
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The report's filters as the report page's query string, read back through its form.
    query = models.TextField(blank=True)
    filters_label = models.TextField(blank=True)
    file_format = models.CharField(
        max_length=10, choices=ExportFormat.choices, default=ExportFormat.XLSX
    )
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    error = models.TextField(blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    sheets = models.PositiveIntegerField(default=0)
    file = models.FileField(
        upload_to=UnguessableName(EXPORT_FILES_DIR), max_length=STORED_NAME_LENGTH, blank=True
    )
    filename = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    files_purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="failed") | ~models.Q(error=""),
                name="register_export_failure_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"Register export {self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in EXPORT_FINISHED

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(100 * self.rows_done / self.rows_total))
