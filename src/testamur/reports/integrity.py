"""Emails to Owners about the register's integrity: each signed checkpoint, and any problem a
verification finds. A checkpoint in the Owners' mailboxes is a copy outside the database and
outside the server, which nobody who can only reach one of them can change.

Followers of core's signals (connected in apps.py); a failed send is recorded, never raised.
"""

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from testamur.accounts.models import User
from testamur.accounts.roles import Role
from testamur.core.checkpoints import Checkpoint
from testamur.core.events import event_record
from testamur.core.models import EventLogVerification
from testamur.credentials.emailing import from_address
from testamur.organisation.models import Organisation

CHECKPOINT_SUBJECT = "Event log checkpoint: {events} events ({rto})"
PROBLEMS_SUBJECT = "Register integrity: {count} problem(s) found ({rto})"
CHECKPOINT_BODY = """Event log checkpoint of {rto}, {at}.

The event log held {events} events; the newest (event {last_event_id}) has the hash
{head_hash}

The attached file is this checkpoint, signed with the server's event log key
(public key {public_key}, key id {key_id}).

Keep this email: it is a copy of the checkpoint outside the database and the server. If
the log is ever cut short or rebuilt, it will no longer agree with this checkpoint. To check,
save the attachment into a folder on the server and run
    manage.py verify_event_log --checkpoints <that folder>
"""
PROBLEMS_BODY = """A check of the register of {rto} found {count} problem(s), {at}:

{problems}

{summary}

Records in the register or its event log were changed without going through Testamur.
Settings > Register integrity shows this check; the problems name what disagrees.
"""
EMAIL_SENT = "sent"
EMAIL_NO_RECIPIENTS = "no_recipients"
EMAIL_FAILED = "failed"


def owner_recipients() -> list[str]:
    """Active Owners with an email address."""
    users = (
        User.objects.filter(is_active=True, groups__name=Role.OWNER.value)
        .exclude(email="")
        .distinct()
    )
    return sorted({user.email for user in users})


def _send(message: EmailMessage) -> tuple[str, str]:
    if not message.to:
        return EMAIL_NO_RECIPIENTS, ""
    try:
        message.send()
    except Exception as exc:  # the mail server's refusal is recorded, not raised
        return EMAIL_FAILED, f"{type(exc).__name__}: {exc}"[:1000]
    return EMAIL_SENT, ""


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%d/%m/%Y %H:%M}"


def checkpoint_email_owners(sender, checkpoint: Checkpoint, **kwargs) -> str:
    """Email a new checkpoint (the signed file attached) to the Owners; record the outcome."""
    organisation = Organisation.load()
    recipients = owner_recipients()
    message = EmailMessage(
        subject=CHECKPOINT_SUBJECT.format(
            events=f"{checkpoint.events:,}", rto=organisation.display_name
        ),
        body=CHECKPOINT_BODY.format(
            rto=organisation.display_name,
            at=_when(checkpoint.at),
            events=f"{checkpoint.events:,}",
            last_event_id=checkpoint.last_event_id,
            head_hash=checkpoint.head_hash,
            public_key=checkpoint.public_key,
            key_id=checkpoint.key_id,
        ),
        from_email=from_address(organisation),
        to=recipients,
    )
    message.attach(checkpoint.path.name, checkpoint.to_json(), "application/json")
    status, error = _send(message)
    with transaction.atomic():
        event_record(
            actor=None,
            subject_type="event_log_checkpoint",
            subject_id=checkpoint.path.name[:50],
            action="checkpoint_emailed",
            to_state=status,
            reason=error,
            data={
                "events": checkpoint.events,
                "head_hash": checkpoint.head_hash,
                "recipients": recipients,
            },
        )
    return status


def verification_email_owners(sender, verification: EventLogVerification, **kwargs) -> str:
    """Email the Owners when a verification finds problems (an intact one sends nothing)."""
    if not verification.problem_count:
        return ""
    organisation = Organisation.load()
    message = EmailMessage(
        subject=PROBLEMS_SUBJECT.format(
            count=verification.problem_count, rto=organisation.display_name
        ),
        body=PROBLEMS_BODY.format(
            rto=organisation.display_name,
            count=verification.problem_count,
            at=_when(verification.finished_at or timezone.now()),
            problems="\n".join(f"- {problem}" for problem in verification.problems),
            summary=verification.summary,
        ),
        from_email=from_address(organisation),
        to=owner_recipients(),
    )
    status, _ = _send(message)
    return status
