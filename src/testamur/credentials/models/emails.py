"""Emails that carry issued credentials, and their template."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from testamur.credentials.models.credential import Credential


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
