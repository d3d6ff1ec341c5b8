"""verify_event_log replays the event log against the credential register.

Every flow the product offers leaves the two in agreement. Someone who switches the database's
guards off (a superuser) and changes the register behind Testamur's back is named: each case
here passed as "intact" before the register was replayed.
"""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from testamur.core.events import GENESIS
from testamur.core.models import Event, EventLogVerification
from testamur.credentials.emailing import credential_email_queue
from testamur.credentials.models import Credential, CredentialStatus, RunKind
from testamur.credentials.services import credential_cancel, credential_delete, credential_reissue
from tests.credentials.helpers import completed_offer, generated, issue, requested, run
from tests.factories import course_make, credential_make, enrolment_make, template_make
from tests.tampering import delete_past_the_guards, sql_past_the_guards

pytestmark = pytest.mark.django_db


def _issue(actor, credentials, capture) -> list[Credential]:
    credentials = generated(actor, credentials, capture)
    issue(actor, credentials, capture)
    return [Credential.objects.get(pk=c.pk) for c in credentials]


@pytest.fixture
def register(rto_admin, django_capture_on_commit_callbacks):
    """Two issued Statements of Attainment, the first since cancelled."""
    issued, cancelled = _issue(
        rto_admin, requested(completed_offer(2)), django_capture_on_commit_callbacks
    )
    credential_cancel(actor=rto_admin, credential=cancelled, reason="Wrong name")
    return {"issued": issued, "cancelled": Credential.objects.get(pk=cancelled.pk)}


def _complaint() -> str:
    with pytest.raises(CommandError) as failed:
        call_command("verify_event_log")
    return str(failed.value)


def _event(credential: Credential, action: str) -> Event:
    return Event.objects.get(
        subject_type="credential", subject_id=str(credential.pk), action=action
    )


def test_every_flow_leaves_the_register_agreeing_with_the_log(
    rto_admin, smtp_server, django_capture_on_commit_callbacks, capsys
):
    capture = django_capture_on_commit_callbacks
    first, second, third = _issue(rto_admin, requested(completed_offer(3)), capture)
    credential_cancel(actor=rto_admin, credential=first, reason="Wrong name")
    with capture(execute=True):  # the replacement is generated at once
        replacement = credential_reissue(actor=rto_admin, credential=second, reason="Wrong date")
    _issue(rto_admin, [replacement], capture)
    with capture(execute=True):
        credential_email_queue(actor=rto_admin, credentials=[third])
    run(rto_admin, RunKind.REGENERATE, [credential_make(enrolment_make())], capture)
    credential_delete(actor=rto_admin, credential=credential_make(enrolment_make()))
    assert len(smtp_server.received) == 1

    call_command("verify_event_log")

    out = capsys.readouterr().out
    assert f"{Credential.objects.count()} credentials in the register agree" in out
    assert "Event log intact" in out


def test_un_cancelling_is_caught(register):
    cancelled = register["cancelled"]
    sql_past_the_guards(
        "UPDATE credentials_credential SET status = 'issued' WHERE id = %s", [cancelled.pk]
    )

    complaint = _complaint()

    event = _event(cancelled, "cancel")
    assert (
        f"Credential {cancelled.number} (id {cancelled.pk}) is Issued in the register, but the "
        f"log says cancelled (event {event.id})."
    ) in complaint


# (column, its new value, how the problem names it)
CHANGES = [
    ("credential_type", lambda register: "letter", "credential type"),
    ("course_id", lambda register: course_make().pk, "course"),
    (
        "course_enrolment_id",
        lambda register: register["cancelled"].course_enrolment_id,
        "course enrolment",
    ),
    ("verification_code", lambda register: "forged-code", "verification code"),
    ("document_sha256", lambda register: "f" * 64, "document sha256"),
    ("credential_date", lambda register: "2020-01-01", "credential date"),
    ("issued_on", lambda register: "2020-01-01", "issued on"),
    ("issued_at", lambda register: "2020-01-01 00:00:00+00:00", "issued at"),
    (
        "template_version_id",
        lambda register: template_make().active_version.pk,
        "template version",
    ),
]


@pytest.mark.parametrize("column,value,named", CHANGES, ids=[c[0] for c in CHANGES])
def test_a_changed_issued_fact_is_caught(register, column, value, named):
    issued = register["issued"]
    sql_past_the_guards(
        f"UPDATE credentials_credential SET {column} = %s WHERE id = %s",  # noqa: S608
        [value(register), issued.pk],
    )

    complaint = _complaint()

    event = _event(issued, "issue")
    assert f"Credential {issued.number} (id {issued.pk}): its {named} is " in complaint
    assert f"in the register, but event {event.id} recorded" in complaint


def test_moving_a_credential_to_another_learner_is_caught(register):
    issued = register["issued"]
    other = register["cancelled"].learner_id
    sql_past_the_guards(
        "UPDATE credentials_credential SET learner_id = %s WHERE id = %s", [other, issued.pk]
    )

    complaint = _complaint()

    assert (
        f"Credential {issued.number} (id {issued.pk}) belongs to learner {other} in the register"
    ) in complaint


def test_a_rewritten_cancellation_reason_is_caught(register):
    cancelled = register["cancelled"]
    sql_past_the_guards(
        "UPDATE credentials_credential SET status_reason = 'Learner asked' WHERE id = %s",
        [cancelled.pk],
    )

    assert "its status reason is Learner asked in the register" in _complaint()


def test_an_issued_credential_deleted_with_the_triggers_off_is_caught(register):
    issued = register["issued"]
    first = Event.objects.filter(subject_type="credential", subject_id=str(issued.pk)).first()
    delete_past_the_guards("credentials_credential", "id = %s", [issued.pk])

    complaint = _complaint()

    assert f"Credential id {issued.pk} is in the log (events {first.id} to " in complaint
    assert "but not in the register, and the log records no deletion" in complaint


def test_an_emptied_register_is_caught(register):
    """TRUNCATE credentials_credential CASCADE with the triggers off (SQLite: DELETE)."""
    if connection.vendor == "postgresql":
        sql_past_the_guards("TRUNCATE credentials_credential CASCADE")
    else:
        delete_past_the_guards("credentials_credential")

    complaint = _complaint()

    for credential in (register["issued"], register["cancelled"]):
        assert f"Credential id {credential.pk} is in the log" in complaint
    assert "0 credentials in the register" in _summary()


def _summary() -> str:
    """What the last verification said it checked (printed before the command gave up)."""
    return EventLogVerification.objects.latest("id").summary


def test_a_credential_added_behind_testamurs_back_is_caught(register):
    copy = Credential.objects.get(pk=register["issued"].pk)
    copy.pk = None
    copy.number, copy.verification_code = "TM-999999", "forged"
    Credential.objects.bulk_create([copy])

    complaint = _complaint()

    assert (
        f"Credential TM-999999 (id {copy.pk}) has no events in the log: it was not made "
        "through Testamur"
    ) in complaint


def test_rewriting_the_register_and_the_log_together_is_caught_by_the_checkpoint(register):
    """Change a credential's date and its issue event alike and recompute every later hash: the
    register and the chain agree again, only the signed checkpoint does not."""
    call_command("event_log_checkpoint")
    issued = register["issued"]
    sql_past_the_guards(
        "UPDATE credentials_credential SET credential_date = '2020-01-01' WHERE id = %s",
        [issued.pk],
    )
    issue_event = _event(issued, "issue")
    prev = GENESIS
    for event in Event.objects.order_by("id"):
        if event.pk == issue_event.pk:
            event.data["facts"]["credential_date"] = "2020-01-01"
        event.prev_hash = prev
        event.hash = prev = event.compute_hash()
        sql_past_the_guards(
            "UPDATE core_event SET data = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [json.dumps(event.data), event.prev_hash, event.hash, event.id],
        )
    sql_past_the_guards("UPDATE core_eventchainhead SET last_hash = %s", [prev])

    complaint = _complaint()

    assert "credentials in the register agree with their events" in _summary()
    assert "disagrees with the checkpoint" in complaint
    assert Credential.objects.get(pk=issued.pk).status == CredentialStatus.ISSUED
