"""Digital credentials: the signing key, each credential's status-list entry and stored VC,
the status lists, and the learner portal's one-time sign-in links.

Kept beside credentials.Credential (one-to-one) so the credentials app's tables stay as they are.
"""

import uuid

from django.db import models
from django.db.models import Q

from testamur.credentials.models import Credential
from testamur.learners.models import Learner

# 131,072 entries = 16 KB uncompressed: the minimum the Bitstring Status List spec asks for,
# so that one credential's index cannot be singled out from the list's size.
STATUS_LIST_LENGTH = 131_072


class VcSigningKey(models.Model):
    """The Ed25519 key that signs verifiable credentials (Data Integrity, eddsa-rdfc-2022).

    The private key is stored encrypted with a key derived from SECRET_KEY, as the PDF
    signing key's passphrase is; only the public key is ever published.
    """

    private_key_encrypted = models.BinaryField()
    public_key_multibase = models.CharField(max_length=60, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_vc_signing_key"
            )
        ]

    def __str__(self) -> str:
        return self.public_key_multibase


class StatusPurpose(models.TextChoices):
    REVOCATION = "revocation", "Revocation"


class StatusList(models.Model):
    """One Bitstring Status List. `version` moves on every change; the signed list is rebuilt
    from the database when a request finds it older than that."""

    purpose = models.CharField(
        max_length=20, choices=StatusPurpose.choices, default=StatusPurpose.REVOCATION
    )
    number = models.PositiveIntegerField()
    version = models.PositiveIntegerField(default=1)
    signed_version = models.PositiveIntegerField(default=0)
    signed = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["purpose", "number"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "number"], name="status_list_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} list {self.number}"


class DigitalCredential(models.Model):
    """A credential's verifiable credential: its status-list place and the signed JSON.

    The signed VC is built once, from the credential's issuance record (the facts its document
    was rendered with), like the signed PDF, and served unchanged afterwards.
    """

    credential = models.OneToOneField(
        Credential, on_delete=models.PROTECT, related_name="digital_credential"
    )
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="entries")
    status_index = models.PositiveIntegerField()
    signed = models.JSONField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["status_list", "status_index"], name="status_index_unique_in_list"
            ),
            models.CheckConstraint(
                condition=Q(status_index__lt=STATUS_LIST_LENGTH), name="status_index_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Digital credential for {self.credential}"


class PortalLink(models.Model):
    """A one-time sign-in link emailed to a learner. Only a hash of its token is kept."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="portal_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["learner", "-created_at"])]

    def __str__(self) -> str:
        return f"Portal link for {self.learner} ({self.created_at:%d/%m/%Y %H:%M})"
