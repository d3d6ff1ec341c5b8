"""What the registry answered for each learner, and bulk verification jobs.

Kept apart from `Learner`: a verification is a record of one request (what was sent, the
answer, who asked, when and the request's id), never edited afterwards. The learner's own USI
status follows the latest answer (services.py).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class VerificationResult(models.TextChoices):
    VERIFIED = "verified", "Verified"
    MISMATCH = "mismatch", "Details do not match"
    INVALID = "invalid", "USI invalid"
    DEACTIVATED = "deactivated", "USI deactivated"
    ERROR = "error", "Not verified: error"


# Answers from the registry that the same details would only get again.
REFUSED_RESULTS = (
    VerificationResult.MISMATCH,
    VerificationResult.INVALID,
    VerificationResult.DEACTIVATED,
)


class MatchResult(models.TextChoices):
    MATCH = "Match", "Matches"
    NO_MATCH = "NoMatch", "Does not match"


class UsiVerification(models.Model):
    learner = models.ForeignKey(
        "learners.Learner", on_delete=models.CASCADE, related_name="usi_verifications"
    )
    job = models.ForeignKey(
        "learners.UsiVerificationJob",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="verifications",
    )
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    environment = models.CharField(max_length=20)
    # The WS-Addressing MessageID of the call, to quote to the registry's help desk.
    request_id = models.CharField("request id", max_length=64, blank=True)
    # What was sent: the answer is about these details, not the learner's later ones.
    usi = models.CharField("USI", max_length=10)
    first_name = models.CharField(max_length=40, blank=True)
    family_name = models.CharField(max_length=40, blank=True)
    single_name = models.CharField(max_length=40, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)

    result = models.CharField(max_length=20, choices=VerificationResult.choices)
    usi_status = models.CharField("registry's USI status", max_length=20, blank=True)
    first_name_match = models.CharField(max_length=7, choices=MatchResult.choices, blank=True)
    family_name_match = models.CharField(max_length=7, choices=MatchResult.choices, blank=True)
    single_name_match = models.CharField(max_length=7, choices=MatchResult.choices, blank=True)
    date_of_birth_match = models.CharField(max_length=7, choices=MatchResult.choices, blank=True)
    error = models.TextField(blank=True)
    # True when the learner's record was updated from this answer (not for errors, nor when the
    # learner's details changed while the request was out).
    applied = models.BooleanField(default=False)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["learner", "-requested_at"], name="usi_verification_latest")
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(result="error") | ~Q(error=""), name="usi_verification_error_has_text"
            ),
            models.CheckConstraint(
                condition=Q(result="error") | ~Q(usi_status=""),
                name="usi_verification_answer_has_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.usi}: {self.get_result_display()} ({self.requested_at:%d/%m/%Y})"

    @property
    def sent_name(self) -> str:
        return self.single_name or f"{self.first_name} {self.family_name}".strip()

    def matches(self) -> list[tuple[str, str]]:
        """(what, Matches / Does not match) for each detail the registry compared."""
        rows = [
            ("First name", self.get_first_name_match_display()),
            ("Family name", self.get_family_name_match_display()),
            ("Single name", self.get_single_name_match_display()),
            ("Date of birth", self.get_date_of_birth_match_display()),
        ]
        return [(label, value) for label, value in rows if value]

    def summary(self) -> str:
        """One line: the result and what did not match."""
        if self.result == VerificationResult.ERROR:
            return self.error
        if self.result == VerificationResult.MISMATCH:
            wrong = [label.lower() for label, value in self.matches() if value != "Matches"]
            return f"{self.get_result_display()}: {', '.join(wrong)}."
        return f"{self.get_result_display()}."


class JobStatus(models.TextChoices):
    PREPARED = "prepared", "Checked: ready to send"
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Sending to the registry"
    COMPLETED = "completed", "Completed"
    COMPLETED_WITH_ERRORS = "completed_with_errors", "Completed with errors"
    FAILED = "failed", "Stopped: nothing more sent"


RUNNING_JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class UsiVerificationJob(models.Model):
    """A bulk verification: the learners to send (after the pre-check) and its progress."""

    source = models.CharField("learners from", max_length=200)
    status = models.CharField(max_length=30, choices=JobStatus.choices, default=JobStatus.PREPARED)
    # Verified learners are sent again only by a re-verification (the schedule, or on request).
    include_verified = models.BooleanField(default=False)
    learner_ids = models.JSONField(default=list, blank=True)
    # Learners the pre-check kept back: [{"learner": id, "name": …, "reason": …}].
    skipped = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=0)  # learner_ids sent so far
    verified_count = models.PositiveIntegerField(default=0)
    not_verified_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verified_count__gte=0) & Q(not_verified_count__gte=0),
                name="usi_job_counts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"USI verification {self.pk}: {self.source}"

    @property
    def total(self) -> int:
        return len(self.learner_ids)

    @property
    def done(self) -> int:
        return self.verified_count + self.not_verified_count + self.error_count

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_JOB_STATUSES
