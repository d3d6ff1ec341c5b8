"""Emailing issued credentials to learners: queue, send in the background, record every send.

Each send is a CredentialEmail row: queued in the request, then claimed and sent by a
background task a chunk at a time over one SMTP connection. The attachment is the credential's
stored, signed document, checked against the fingerprint taken when it was issued; never the
print version or a draft. A refusal by the mail server (or no server at all) marks the send
failed with the server's words; sending again adds a new row, so nothing is ever lost.
"""

import hashlib
import re
from datetime import timedelta
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from testamur.core.events import EventRecord, event_record_many
from testamur.credentials.documents import verification_url
from testamur.credentials.models import (
    Credential,
    CredentialEmail,
    CredentialEmailTemplate,
    CredentialStatus,
    EmailStatus,
)
from testamur.credentials.services import BulkOutcome, require
from testamur.organisation.models import Organisation

PERM_EMAIL = "credentials.email_credential"
PERM_EMAIL_TEMPLATE = "credentials.change_credentialemailtemplate"
EMAIL_CHUNK = 20
# A send claimed this long ago with no answer was interrupted (its worker stopped).
STALE_SENDING = timedelta(minutes=15)

ONLY_ISSUED_EMAILED = "Only an issued credential can be emailed; this one is {status}."
NO_LEARNER_EMAIL = "The learner has no email address: add one on their page, then send again."
DOCUMENT_MISSING = "The signed document is not stored any more, so there is nothing to attach."
DOCUMENT_CHANGED = (
    "The stored document does not match the fingerprint taken when it was issued, "
    "so it was not sent."
)
NOT_RESENDABLE = "Only a failed or skipped email can be sent again; this one is {status}."
INTERRUPTED = (
    "Interrupted: the background worker stopped before the mail server answered. "
    "It may not have been delivered."
)
SERVER_REFUSED = "The mail server did not accept the message."
UNKNOWN_PLACEHOLDERS = "Unknown placeholder(s) {names}. The placeholders you can use are listed."
SUBJECT_REQUIRED = "Enter a subject."
BODY_REQUIRED = "Enter the text of the email."

# What a template may say, with {name}: each is plain text about the credential being sent.
PLACEHOLDERS = {
    "learner_given_name": "The learner's given name",
    "learner_name": "The learner's name as printed on credentials",
    "credential_type": "Testamur, Statement of Attainment, …",
    "credential_number": "The credential number",
    "course": "Course code and title",
    "issued_date": "The issued date (DD/MM/YYYY)",
    "verification_url": "Where anyone can check the credential",
    "rto_name": "Your RTO's name",
    "rto_code": "Your RTO code",
    "rto_email": "Your RTO's contact email",
    "rto_phone": "Your RTO's phone number",
}
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class NotSendable(Exception):
    """This credential cannot be sent now (the reason is the message)."""


def placeholders_unknown(text: str) -> list[str]:
    return sorted({name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})


def email_text_render(text: str, values: dict[str, str]) -> str:
    """Put the values in for {name}; anything else (other braces included) stays as written.

    Plain substitution, no template language: an RTO's text can never run anything.
    """
    return _PLACEHOLDER.sub(lambda match: values.get(match[1], match[0]), text)


def email_values(credential: Credential, organisation: Organisation) -> dict[str, str]:
    """The placeholders' values: what the credential says as issued (its issuance record)."""
    record = credential.issued_record
    if record is None:
        raise NotSendable(ONLY_ISSUED_EMAILED.format(status=credential.get_status_display()))
    return {
        "learner_given_name": record.learner_given_name,
        "learner_name": record.learner_display_name,
        "credential_type": record.credential_type_label,
        "credential_number": record.number,
        "course": record.course_label,
        "issued_date": f"{record.issued_on:%d/%m/%Y}",
        "verification_url": verification_url(record),
        "rto_name": organisation.display_name,
        "rto_code": organisation.rto_code,
        "rto_email": organisation.email,
        "rto_phone": organisation.phone,
    }


def from_address(organisation: Organisation) -> str:
    """The RTO's own address (with its name), else the deployment's DEFAULT_FROM_EMAIL."""
    if organisation.email:
        return formataddr((organisation.display_name, organisation.email))
    return settings.DEFAULT_FROM_EMAIL


def credential_email_template_update(*, actor, subject: str, body: str) -> CredentialEmailTemplate:
    require(actor, PERM_EMAIL_TEMPLATE)
    subject = " ".join((subject or "").split())
    body = (body or "").replace("\r\n", "\n").strip() + "\n"
    errors: dict[str, list[str]] = {}
    if not subject:
        errors["subject"] = [SUBJECT_REQUIRED]
    if not body.strip():
        errors["body"] = [BODY_REQUIRED]
    for field, text in (("subject", subject), ("body", body)):
        unknown = placeholders_unknown(text)
        if unknown:
            names = ", ".join("{" + name + "}" for name in unknown)
            errors.setdefault(field, []).append(UNKNOWN_PLACEHOLDERS.format(names=names))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        CredentialEmailTemplate.load()
        template = CredentialEmailTemplate.objects.select_for_update().get(id=1)
        template.subject = subject
        template.body = body
        template.updated_by = actor
        template.full_clean()
        template.save()
        event_record_many(
            [
                EventRecord(
                    actor=actor,
                    subject_type="credential_email_template",
                    subject_id=template.pk,
                    action="updated",
                )
            ]
        )
    return template


def _label(credential: Credential) -> str:
    return f"{credential.learner.full_name} ({credential.number or 'not numbered'})"


def _event(email: CredentialEmail, credential: Credential, actor=None) -> EventRecord:
    action = {
        EmailStatus.SENT: "emailed",
        EmailStatus.FAILED: "email_failed",
        EmailStatus.SKIPPED: "email_skipped",
    }[email.status]
    return EventRecord(
        actor=actor,
        subject_type="credential",
        subject_id=credential.pk,
        learner_id=credential.learner_id,
        action=action,
        reason=email.error,
        data={"number": credential.number, "to": email.to, "message_id": email.message_id},
    )


def credential_email_queue(*, actor, credentials) -> BulkOutcome:
    """Queue an email to each credential's learner. Only issued credentials are sent; a learner
    without an email address is recorded as skipped, with the reason."""
    require(actor, PERM_EMAIL)
    outcome = BulkOutcome(verb="queued to email")
    queued: list[int] = []
    with transaction.atomic():
        found = (
            Credential.objects.select_related("learner")
            .filter(pk__in=[c.pk for c in credentials])
            .order_by("learner__family_name", "learner__given_name", "id")
        )
        events = []
        for credential in found:
            if credential.status != CredentialStatus.ISSUED:
                status = credential.get_status_display()
                outcome.skipped.append(
                    (_label(credential), ONLY_ISSUED_EMAILED.format(status=status))
                )
                continue
            to = credential.learner.email.strip()
            email = CredentialEmail(credential=credential, to=to, requested_by=actor)
            if not to:
                email.status = EmailStatus.SKIPPED
                email.error = NO_LEARNER_EMAIL
            email.full_clean()
            email.save()
            if email.status == EmailStatus.SKIPPED:
                events.append(_event(email, credential, actor))
                outcome.skipped.append((_label(credential), NO_LEARNER_EMAIL))
            else:
                queued.append(email.pk)
                outcome.done.append(credential)
        event_record_many(events)
        if queued:
            transaction.on_commit(lambda: _enqueue(queued))
    return outcome


def _enqueue(email_ids: list[int]) -> None:
    from testamur.credentials.tasks import send_credential_emails

    for start in range(0, len(email_ids), EMAIL_CHUNK):
        send_credential_emails.enqueue(email_ids[start : start + EMAIL_CHUNK])


def _is_stale(email: CredentialEmail) -> bool:
    attempted = email.attempted_at or email.requested_at
    return email.status == EmailStatus.SENDING and attempted < timezone.now() - STALE_SENDING


def email_resendable(email: CredentialEmail) -> bool:
    return email.status in (EmailStatus.FAILED, EmailStatus.SKIPPED) or _is_stale(email)


def credential_email_resend(*, actor, email: CredentialEmail) -> BulkOutcome:
    """Send a failed or skipped email again (a new send; the old one stays as it was)."""
    require(actor, PERM_EMAIL)
    with transaction.atomic():
        email = CredentialEmail.objects.select_for_update().get(pk=email.pk)
        if _is_stale(email):
            email.status = EmailStatus.FAILED
            email.error = INTERRUPTED
            email.save(update_fields=["status", "error"])
        if email.status not in (EmailStatus.FAILED, EmailStatus.SKIPPED):
            raise ValidationError(NOT_RESENDABLE.format(status=email.get_status_display()))
        return credential_email_queue(actor=actor, credentials=[email.credential])


def emails_unresolved() -> QuerySet[CredentialEmail]:
    """Failed sends with no later send of the same credential: what still needs sending."""
    later = CredentialEmail.objects.filter(credential=OuterRef("credential"), id__gt=OuterRef("id"))
    return CredentialEmail.objects.filter(status=EmailStatus.FAILED).exclude(Exists(later))


def credential_email_resend_failed(*, actor) -> BulkOutcome:
    """Send again every credential whose last email failed (after the mail server is back)."""
    require(actor, PERM_EMAIL)
    credentials = Credential.objects.filter(
        pk__in=emails_unresolved().values("credential_id")
    ).select_related("learner")
    return credential_email_queue(actor=actor, credentials=list(credentials))


def _claim(email_ids: list[int]) -> list[CredentialEmail]:
    """Take the still-queued sends among `email_ids` for this worker (each is sent once)."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            CredentialEmail.objects.select_for_update(skip_locked=True)
            .filter(pk__in=email_ids, status=EmailStatus.QUEUED)
            .order_by("pk")
        )
        for email in rows:
            email.status = EmailStatus.SENDING
            email.attempted_at = now
        CredentialEmail.objects.bulk_update(rows, ["status", "attempted_at"])
    ids = [email.pk for email in rows]
    return list(
        CredentialEmail.objects.select_related(
            "requested_by", "credential__learner", "credential__issuance"
        )
        .filter(pk__in=ids)
        .order_by("pk")
    )


def _attachment(credential: Credential) -> bytes:
    if credential.status != CredentialStatus.ISSUED:
        raise NotSendable(ONLY_ISSUED_EMAILED.format(status=credential.get_status_display()))
    if not credential.document:
        raise NotSendable(DOCUMENT_MISSING)
    try:
        with credential.document.open("rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise NotSendable(DOCUMENT_MISSING) from exc
    record = credential.issued_record
    if record is None or hashlib.sha256(data).hexdigest() != record.document_sha256:
        raise NotSendable(DOCUMENT_CHANGED)
    return data


def _message(email, template, organisation, sender: str, connection) -> EmailMessage:
    credential = email.credential
    document = _attachment(credential)
    values = email_values(credential, organisation)
    domain = sender.rpartition("@")[2].strip("> ") or "localhost"
    message = EmailMessage(
        subject=" ".join(email_text_render(template.subject, values).split()),
        body=email_text_render(template.body, values),
        from_email=sender,
        to=[email.to],
        reply_to=[organisation.email] if organisation.email else None,
        headers={"Message-ID": make_msgid(domain=domain)},
        connection=connection,
    )
    message.attach(f"{values['credential_number']}.pdf", document, "application/pdf")
    email.subject = message.subject[:255]
    email.message_id = message.extra_headers["Message-ID"]
    email.document_sha256 = hashlib.sha256(document).hexdigest()
    return message


def _finish(email: CredentialEmail, status: str, error: str = "") -> EventRecord:
    email.status = status
    email.error = error[:2000]
    if status == EmailStatus.SENT:
        email.sent_at = timezone.now()
    else:
        email.message_id = ""
    with transaction.atomic():
        email.save()
        record = _event(email, email.credential, email.requested_by)
        event_record_many([record])
    return record


def _server_error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def credential_emails_send(email_ids: list[int]) -> dict[str, int]:
    """Send the queued emails among `email_ids` over one connection. Returns counts by result."""
    claimed = _claim(email_ids)
    counts = {EmailStatus.SENT: 0, EmailStatus.FAILED: 0, EmailStatus.SKIPPED: 0}
    if not claimed:
        return counts
    organisation = Organisation.load()
    template = CredentialEmailTemplate.load()
    sender = from_address(organisation)
    connection = get_connection()
    try:
        connection.open()
    except Exception as exc:  # no mail server: every send in the chunk fails, to be sent again
        for email in claimed:
            _finish(email, EmailStatus.FAILED, _server_error(exc))
            counts[EmailStatus.FAILED] += 1
        return counts
    try:
        for email in claimed:
            try:
                message = _message(email, template, organisation, sender, connection)
            except NotSendable as exc:
                _finish(email, EmailStatus.SKIPPED, str(exc))
                counts[EmailStatus.SKIPPED] += 1
                continue
            try:
                accepted = connection.send_messages([message])
            except Exception as exc:  # the server's refusal is recorded on the send
                _finish(email, EmailStatus.FAILED, _server_error(exc))
                counts[EmailStatus.FAILED] += 1
                connection.close()  # a broken session is not reused for the next message
                continue
            if accepted:
                _finish(email, EmailStatus.SENT)
                counts[EmailStatus.SENT] += 1
            else:
                _finish(email, EmailStatus.FAILED, SERVER_REFUSED)
                counts[EmailStatus.FAILED] += 1
    finally:
        connection.close()
    return counts
