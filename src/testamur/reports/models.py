"""What the reports keep: the record of each day's 30-day-clock email to Admins."""

from django.db import models


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
