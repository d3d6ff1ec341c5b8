"""The credential and the rules that freeze what an issued one says.

A credential is never deleted once it has left the Requested state (DESIGN.md rule 1); the
service layer, the admin site and database triggers all refuse it.
"""

import secrets
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, models
from django.db.models import Q

from testamur.core.storage import STORED_NAME_LENGTH, UnguessableName
from testamur.credentials.models.templates import (
    CredentialStatus,
    CredentialTemplate,
    CredentialTemplateVersion,
    CredentialType,
)
from testamur.learners.models import Learner
from testamur.training.models import Course, CourseEnrolment

if TYPE_CHECKING:
    from testamur.credentials.models.issuance import CredentialIssuance


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
    # The course offer of the course enrolment it came from, set at request and never changed
    # (a frozen fact, like the course): the report by course offer filters and groups with one
    # index. None for a credential from a qualification enrolment.
    offer = models.ForeignKey(
        "training.CourseOffer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credentials",
        db_index=False,  # credential_offer_order below serves it
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
            models.Index(fields=["course", "id"], name="credential_course_order"),
            # The report by course offer for a period: the period's rows and their offers
            # from the index alone; one offer's rows in order.
            models.Index(fields=["issued_on", "offer", "id"], name="credential_issued_offer"),
            models.Index(fields=["credential_date", "offer", "id"], name="credential_date_offer"),
            models.Index(fields=["offer", "id"], name="credential_offer_order"),
            # The dashboard asks, per learner with an unverified USI, "anything on the way?"
            # (the statuses of selectors.register.IN_PROGRESS).
            models.Index(
                fields=["learner"],
                condition=Q(status__in=["requested", "generating", "generated", "failed"]),
                name="credential_waiting_learner",
            ),
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
        from testamur.credentials.models.issuance import CredentialIssuance

        try:
            record = self.issuance
        except CredentialIssuance.DoesNotExist:
            return None
        return record if record.is_complete else None
