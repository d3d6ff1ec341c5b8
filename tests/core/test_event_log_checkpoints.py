"""Signed checkpoints anchor the event log outside the database; verify_event_log compares the
log with every checkpoint, so a log cut short or rebuilt with recomputed hashes is caught."""

import json
import stat
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from testamur.accounts.roles import Role
from testamur.core.checkpoints import checkpoint_latest
from testamur.core.events import GENESIS, event_log_verify, event_record
from testamur.core.models import Event, EventChainHead, EventLogVerification
from testamur.core.tasks import event_log_daily, event_log_daily_schedule
from testamur.reports.integrity import CHECKPOINT_SUBJECT
from tests.tampering import sql_past_the_guards

pytestmark = pytest.mark.django_db

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _record(n: int) -> list[Event]:
    return [
        event_record(actor=None, subject_type="learner", subject_id=i, action="updated")
        for i in range(n)
    ]


def _checkpoint() -> dict:
    call_command("event_log_checkpoint")
    latest = checkpoint_latest()
    return json.loads(latest.path.read_text())


def _verify(*args) -> str:
    """verify_event_log's complaint (CommandError text); fails the test if it finds none."""
    with pytest.raises(CommandError) as failed:
        call_command("verify_event_log", *args)
    return str(failed.value)


def _rewrite_and_rechain(event_id: int, reason: str) -> None:
    """What someone who can write the database (and switch triggers off) can do without the
    key: change an event, recompute every later hash, and move the chain head to match."""
    prev = GENESIS
    for event in Event.objects.order_by("id"):
        if event.id == event_id:
            event.reason = reason
        event.prev_hash = prev
        event.hash = prev = event.compute_hash()
        sql_past_the_guards(
            "UPDATE core_event SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [event.reason, event.prev_hash, event.hash, event.id],
        )
    sql_past_the_guards("UPDATE core_eventchainhead SET last_hash = %s", [prev])


def test_a_checkpoint_is_signed_with_a_key_kept_outside_the_database(settings, capsys):
    events = _record(3)

    call_command("event_log_checkpoint")

    out = capsys.readouterr().out
    files = list(settings.EVENT_LOG_CHECKPOINT_DIR.glob("*.json"))
    assert len(files) == 1
    assert f"Checkpoint written to {files[0]}: 3 events" in out
    checkpoint = json.loads(files[0].read_text())
    assert checkpoint["events"] == 3
    assert checkpoint["head_hash"] == events[-1].hash
    assert checkpoint["last_event_id"] == events[-1].id
    # Anyone holding the public key checks it, with nothing from Testamur.
    signed = {k: v for k, v in checkpoint.items() if k != "signature"}
    message = json.dumps(signed, sort_keys=True, separators=(",", ":")).encode()
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(checkpoint["public_key"]))
    public.verify(bytes.fromhex(checkpoint["signature"]), message)
    # The private key is a file readable by the server's user only, and is kept.
    key_file = settings.EVENT_LOG_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    call_command("event_log_checkpoint")
    keys = {
        json.loads(path.read_text())["public_key"]
        for path in settings.EVENT_LOG_CHECKPOINT_DIR.glob("*.json")
    }
    assert keys == {checkpoint["public_key"]}


def test_each_checkpoint_is_emailed_to_the_owners(make_user, smtp_server):
    make_user(Role.OWNER, email="owner@rto.example")
    make_user(Role.ADMIN, email="admin@rto.example")
    _record(2)

    checkpoint = _checkpoint()

    (mail,) = smtp_server.received
    assert mail.rcpt_tos == ["owner@rto.example"]
    assert checkpoint["events"] == Event.objects.count() - 1  # its email's record came after
    subject = CHECKPOINT_SUBJECT.split("{events}")[0] + f"{checkpoint['events']} events"
    assert mail.message["Subject"].startswith(subject)
    ((_, content_type, data),) = mail.attachments()
    assert content_type == "application/json"
    assert json.loads(data) == checkpoint
    assert checkpoint["head_hash"] in mail.message.get_body().get_content()
    sent = Event.objects.get(action="checkpoint_emailed")
    assert (sent.to_state, sent.data["recipients"]) == ("sent", ["owner@rto.example"])


def test_an_intact_log_agrees_with_every_checkpoint(capsys):
    _record(3)
    _checkpoint()
    _record(2)
    _checkpoint()
    _record(1)

    call_command("verify_event_log")

    out = capsys.readouterr().out
    assert "hash chain intact" in out
    assert "2 signed checkpoint(s)" in out and "the log agrees with each" in out
    assert "Event log intact" in out
    verification = EventLogVerification.objects.get()
    assert (verification.outcome, verification.checkpoints_checked) == ("intact", 2)


def test_a_log_cut_short_is_caught_naming_the_first_missing_event():
    events = _record(5)
    signed = _checkpoint()
    # Remove the newest events and move the head back: the chain itself is consistent again.
    sql_past_the_guards("DELETE FROM core_event WHERE id > %s", [events[2].id])
    sql_past_the_guards(
        "UPDATE core_eventchainhead SET count = 3, last_hash = %s", [events[2].hash]
    )

    complaint = _verify()

    assert "3 events, hash chain intact" not in complaint
    assert (
        f"The log has 3 events but the checkpoint {checkpoint_latest().name}" in complaint
        and f"counted 5 (its newest was event {signed['last_event_id']})" in complaint
        and "event number 4 onward is missing" in complaint
    )


def test_a_log_emptied_and_restarted_is_caught():
    """TRUNCATE core_event plus a reset chain head, then business as usual."""
    _record(4)
    _checkpoint()
    sql_past_the_guards("DELETE FROM core_event")
    sql_past_the_guards("UPDATE core_eventchainhead SET count = 0, last_hash = %s", [GENESIS])
    _record(2)

    complaint = _verify()

    assert "The log has 2 events but the checkpoint" in complaint
    assert "counted 4" in complaint


def test_a_rewritten_and_rechained_log_is_caught_naming_where():
    first = _record(5)
    _checkpoint()  # covers events 1-5 (its email is event 6)
    later = _record(3)
    second = _checkpoint()  # covers events 1-9
    assert second["events"] == 9

    _rewrite_and_rechain(later[0].id, "rewritten")  # event number 7
    assert event_log_verify() == (Event.objects.count(), None)  # the chain alone looks intact

    complaint = _verify()

    assert f"Event {later[-1].id} (number 9 in the log) disagrees with the checkpoint" in complaint
    assert "The log still agrees with the checkpoint" in complaint
    assert "(event number 5), so an event from number 6 to 9 was changed" in complaint
    assert f"Event {first[-1].id} " not in complaint


def test_a_checkpoint_that_was_changed_does_not_verify(settings):
    _record(2)
    _checkpoint()
    path = checkpoint_latest().path
    forged = json.loads(path.read_text())
    forged["events"] = 1
    path.write_text(json.dumps(forged))

    complaint = _verify()

    assert f"{path.name}: its signature does not verify" in complaint


def test_a_checkpoint_signed_with_another_key_counts_only_when_named(settings, tmp_path, capsys):
    _record(2)
    own_key = settings.EVENT_LOG_KEY_FILE
    settings.EVENT_LOG_KEY_FILE = tmp_path / "other-key.pem"
    other = _checkpoint()
    settings.EVENT_LOG_KEY_FILE = own_key

    complaint = _verify()
    assert "its signature does not verify with the checkpoint key" in complaint

    call_command("verify_event_log", "--public-key", other["public_key"])
    assert "1 signed checkpoint(s)" in capsys.readouterr().out


def test_checkpoints_from_another_directory(tmp_path, capsys):
    _record(2)
    _checkpoint()
    kept = tmp_path / "from-the-owners-mailbox"
    kept.mkdir()
    (kept / "saved.json").write_text(checkpoint_latest().path.read_text())

    call_command("verify_event_log", "--checkpoints", str(kept))

    assert f"1 signed checkpoint(s) in {kept}" in capsys.readouterr().out
    with pytest.raises(CommandError, match="is not a directory of checkpoint files"):
        call_command("verify_event_log", "--checkpoints", str(tmp_path / "nowhere"))


def test_no_checkpoint_is_signed_over_a_broken_log(settings):
    events = _record(3)
    sql_past_the_guards("UPDATE core_event SET reason = 'x' WHERE id = %s", [events[1].id])

    with pytest.raises(CommandError, match=f"broken at event {events[1].id}"):
        call_command("event_log_checkpoint")

    assert not list(settings.EVENT_LOG_CHECKPOINT_DIR.glob("*.json"))


def test_no_checkpoint_is_signed_over_a_log_that_left_the_previous_one(settings):
    events = _record(4)
    _checkpoint()
    _rewrite_and_rechain(events[0].id, "rewritten")

    with pytest.raises(CommandError, match="no longer agrees with the previous checkpoint"):
        call_command("event_log_checkpoint")

    assert len(list(settings.EVENT_LOG_CHECKPOINT_DIR.glob("*.json"))) == 1


def test_the_daily_check_queues_itself_a_day_after_the_newest_checkpoint(settings):
    settings.TASKS = DB_TASKS
    now = timezone.now()

    assert event_log_daily_schedule(now=now) == now  # no checkpoint yet: now
    assert event_log_daily_schedule(now=now) is None  # already waiting: not queued twice

    DBTaskResult.objects.all().delete()
    _record(1)
    _checkpoint()
    assert event_log_daily_schedule(now=now) == checkpoint_latest().at + timedelta(days=1)

    # A worker that starts when a check is overdue leaves it a few minutes for queued work.
    DBTaskResult.objects.all().delete()
    later = now + timedelta(days=3)
    wait = timedelta(minutes=10)
    assert event_log_daily_schedule(now=later, after=wait) == later + wait


def test_inline_task_backends_are_not_scheduled():
    assert event_log_daily_schedule() is None


def test_the_daily_task_checks_the_register_and_signs_a_checkpoint():
    _record(2)

    result = event_log_daily.enqueue()  # runs inline with the tests' task backend

    assert result.return_value.startswith("Intact; 2 events signed in event-log-")
    assert EventLogVerification.objects.get().outcome == "intact"
    assert checkpoint_latest().events == 2
    assert EventChainHead.objects.get().count == 3  # and the email's outcome was recorded
