"""The event log is append-only and hash-chained; verify_event_log finds the first broken link."""

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from testamur.core.events import event_log_verify, event_record
from testamur.core.models import Event, EventChainHead
from tests.tampering import sql, sql_past_the_guards


def _record(n: int):
    return [
        event_record(
            actor=None, subject_type="learner", subject_id=i, action="updated", learner_id=i
        )
        for i in range(n)
    ]


def _tamper(sql: str, params: list) -> None:
    """Edit the log behind the application's back, as an attacker with database access would;
    the triggers refuse it, so switch them off first. The chain still catches it."""
    sql_past_the_guards(sql, params)


@pytest.mark.django_db
def test_events_link_to_the_previous_one():
    first, second, third = _record(3)
    assert first.prev_hash == "0" * 64
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert event_log_verify() == (3, None)


@pytest.mark.django_db
def test_intact_log_is_reported_intact(capsys):
    _record(4)
    call_command("verify_event_log")
    assert "4 events verified" in capsys.readouterr().out


@pytest.mark.django_db
def test_modified_event_is_reported_with_its_id():
    events = _record(5)
    _tamper("UPDATE core_event SET reason = %s WHERE id = %s", ["rewritten", events[2].id])
    with pytest.raises(CommandError, match=f"event {events[2].id}: its content does not match"):
        call_command("verify_event_log")


@pytest.mark.django_db
def test_deleted_event_breaks_the_chain_at_the_next_one():
    events = _record(5)
    _tamper("DELETE FROM core_event WHERE id = %s", [events[1].id])
    with pytest.raises(CommandError, match=f"event {events[2].id}: its link"):
        call_command("verify_event_log")


@pytest.mark.django_db
def test_deleted_newest_event_is_noticed():
    events = _record(3)
    _tamper("DELETE FROM core_event WHERE id = %s", [events[-1].id])
    with pytest.raises(CommandError, match="newest events are missing"):
        call_command("verify_event_log")


@pytest.mark.django_db
@pytest.mark.parametrize("operation", ["update", "delete"])
def test_database_refuses_to_rewrite_history(operation):
    (event,) = _record(1)
    with pytest.raises(IntegrityError), transaction.atomic():
        if operation == "update":
            Event.objects.filter(pk=event.pk).update(reason="changed")
        else:
            Event.objects.filter(pk=event.pk).delete()
    assert Event.objects.get(pk=event.pk).reason == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_eventchainhead SET count = 0, last_hash = '{genesis}'",
        "UPDATE core_eventchainhead SET last_hash = '{genesis}'",
        "DELETE FROM core_eventchainhead",
    ],
    ids=["reset", "rehash", "delete"],
)
def test_database_refuses_to_reset_the_chain_head(statement):
    _record(3)
    head = EventChainHead.objects.get()
    with pytest.raises(IntegrityError, match="chain head"), transaction.atomic():
        sql(statement.format(genesis="0" * 64))
    assert EventChainHead.objects.get() == head
    assert (EventChainHead.objects.get().count, event_log_verify()) == (3, (3, None))


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("table", ["core_event", "core_eventchainhead"])
def test_database_refuses_to_truncate_the_log(table):
    _record(2)
    sql("SET CONSTRAINTS ALL IMMEDIATE")  # nothing deferred left from the test's own writes
    refused = pytest.raises(IntegrityError, match=f"TRUNCATE of {table} is not allowed")
    with refused, transaction.atomic():
        sql(f"TRUNCATE {table} CASCADE")
    assert event_log_verify() == (2, None)
