"""Generation runs, their items and chunks, and the workers that process them."""

from django.conf import settings
from django.db import models

from testamur.core.storage import STORED_NAME_LENGTH, UnguessableName
from testamur.credentials.models.credential import Credential


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
