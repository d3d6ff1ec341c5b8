"""The append-only, hash-chained event log every state change writes to (DESIGN.md rule 7)."""

import hashlib
import json

from django.conf import settings
from django.db import models


class EventChainHead(models.Model):
    """One row holding the hash of the newest event; locking it serialises appends."""

    last_hash = models.CharField(max_length=64, default="0" * 64)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="event_chain_head_singleton")
        ]

    def __str__(self) -> str:
        return f"{self.count} events, newest {self.last_hash[:12]}"


class Event(models.Model):
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    subject_type = models.CharField(max_length=50)
    subject_id = models.CharField(max_length=50)
    # Denormalised so a learner's whole history is one indexed query.
    learner_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=50)
    from_state = models.CharField(max_length=50, blank=True)
    to_state = models.CharField(max_length=50, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.subject_type} {self.subject_id} {self.action}"

    def canonical_payload(self) -> bytes:
        """The fields the hash covers, serialised the same way on every database."""
        payload = {
            "prev_hash": self.prev_hash,
            "at": self.at.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "subject_type": self.subject_type,
            "subject_id": str(self.subject_id),
            "learner_id": self.learner_id,
            "action": self.action,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "reason": self.reason,
            "data": self.data,
        }
        return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical_payload()).hexdigest()


class NumberSequence(models.Model):
    """A named counter that never hands out the same value twice (credential numbers).

    Values are taken under a row lock in a short transaction of their own, so concurrent
    issuers queue only for that instant, and a value once taken is never returned.
    """

    name = models.CharField(max_length=50, unique=True)
    last_value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_value}"


class VerificationOutcome(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    INTACT = "intact", "Intact"
    PROBLEMS = "problems", "Problems found"
    FAILED = "failed", "Could not finish"


class EventLogVerification(models.Model):
    """One check of the event log, its checkpoints and the register (verify_event_log, the
    daily task or the Settings page), kept so the Owner sees the last result."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=10, choices=VerificationOutcome.choices, default=VerificationOutcome.QUEUED
    )
    events_checked = models.BigIntegerField(default=0)
    checkpoints_checked = models.PositiveIntegerField(default=0)
    checkpoint_dir = models.CharField("checkpoint directory", max_length=500, blank=True)
    # What was checked, one line each ("1,204 events, hash chain intact.").
    summary = models.TextField(blank=True)
    # The first problems found (capped: a wrecked register must not fill the database).
    problems = models.JSONField(default=list, blank=True)
    problem_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at", "-id"]
        permissions = [
            (
                "check_register_integrity",
                "Can check the register's integrity and write event log checkpoints",
            )
        ]

    def __str__(self) -> str:
        return f"Event log check of {self.requested_at:%d/%m/%Y %H:%M}: {self.outcome}"

    @property
    def is_finished(self) -> bool:
        return self.outcome not in (VerificationOutcome.QUEUED, VerificationOutcome.RUNNING)
