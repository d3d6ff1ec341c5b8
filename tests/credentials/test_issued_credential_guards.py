"""What an issued credential says never changes, whatever writes to the database (rules 1, 9).

Raw SQL as a database user would send it: refused by triggers on PostgreSQL and on SQLite.
The same through the model (Credential.save / delete): refused before the database is asked.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from testamur.credentials import models as credential_models
from testamur.credentials.models import ISSUED_FACTS, Credential, CredentialStatus
from tests.factories import credential_make, system_actor
from tests.tampering import sql

pytestmark = pytest.mark.django_db

ISSUED_AT = datetime(2026, 11, 23, 1, 2, 3, 456789, tzinfo=UTC)


def _issued(**extra) -> Credential:
    """An issued credential with every fact set, as the issue run leaves it (the run itself is
    tested in test_issue_credentials; the guards only care about the row)."""
    credential = credential_make()
    actor = system_actor()
    Credential.objects.filter(pk=credential.pk).update(
        status=CredentialStatus.ISSUED,
        number="TM-000001",
        verification_code="code-000001",
        template_version=credential.template.active_version,
        issued_on=date(2026, 11, 23),
        issued_at=ISSUED_AT,
        issued_by=actor,
        issuing_officer=actor,
        document="credentials/issued/TM-000001.pdf",
        document_sha256="a" * 64,
        **extra,
    )
    return Credential.objects.get(pk=credential.pk)


def _cancelled() -> Credential:
    credential = _issued()
    Credential.objects.filter(pk=credential.pk).update(
        status=CredentialStatus.CANCELLED,
        status_reason="Wrong name",
        cancelled_at=ISSUED_AT + timedelta(days=1),
        cancelled_by=system_actor(),
    )
    return Credential.objects.get(pk=credential.pk)


def _row(credential: Credential) -> dict:
    return Credential.objects.filter(pk=credential.pk).values().get()


def _refused(statement: str, params=()) -> str:
    """Run raw SQL expecting the database to refuse it; return its message."""
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        sql(statement, params)
    return str(refused.value)


# A different value for each fact, in SQL both databases understand.
NEW_VALUE = {
    "credential_type": "'letter'",
    "final_qualification": "NOT final_qualification",
    "credential_date": "'2020-01-01'",
    "issued_on": "'2020-01-01'",
    "issued_at": "'2020-01-01 00:00:00+00:00'",
    "number": "number || 'X'",
    "verification_code": "verification_code || 'X'",
    "document": "'credentials/issued/forged.pdf'",
    "document_sha256": "'b' || substr(document_sha256, 2)",
}


def _new_value(column: str) -> str:
    # Foreign keys: another id (the trigger refuses before any key is checked).
    return NEW_VALUE.get(column, f"COALESCE({column}, 0) + 1000000")


@pytest.mark.parametrize("make", [_issued, _cancelled], ids=["issued", "cancelled"])
@pytest.mark.parametrize("column", ISSUED_FACTS)
def test_database_refuses_changing_an_issued_fact(make, column):
    credential = make()
    before = _row(credential)

    message = _refused(
        f"UPDATE credentials_credential SET {column} = {_new_value(column)} WHERE id = %s",  # noqa: S608
        [credential.pk],
    )

    assert "cannot be changed" in message
    assert _row(credential) == before


def test_database_refuses_un_cancelling():
    credential = _cancelled()
    message = _refused(
        "UPDATE credentials_credential SET status = 'issued' WHERE id = %s", [credential.pk]
    )
    assert "final" in message
    assert _row(credential)["status"] == CredentialStatus.CANCELLED


@pytest.mark.parametrize("status", ["requested", "generating", "generated", "failed"])
def test_database_refuses_taking_an_issued_credential_back(status):
    credential = _issued()
    message = _refused(
        "UPDATE credentials_credential SET status = %s WHERE id = %s", [status, credential.pk]
    )
    assert "only be cancelled" in message
    assert _row(credential)["status"] == CredentialStatus.ISSUED


CANCELLATION = {
    "status_reason": "'Wrong name'",
    "cancelled_at": "'2026-11-24 00:00:00+00:00'",
    "cancelled_by_id": "(SELECT min(id) FROM accounts_user)",
}
LEFT_OUT = {"status_reason": "' '", "cancelled_at": "NULL", "cancelled_by_id": "NULL"}


@pytest.mark.parametrize("left_out", list(LEFT_OUT))
def test_database_refuses_a_cancellation_without_reason_time_or_actor(left_out):
    credential = _issued()
    assignments = ", ".join(
        f"{column} = {LEFT_OUT[column] if column == left_out else value}"
        for column, value in CANCELLATION.items()
    )
    message = _refused(
        f"UPDATE credentials_credential SET status = 'cancelled', {assignments} WHERE id = %s",  # noqa: S608
        [credential.pk],
    )
    assert "needs a reason, who cancelled it and when" in message
    assert _row(credential)["status"] == CredentialStatus.ISSUED


def test_a_complete_cancellation_in_sql_is_allowed():
    """The guards refuse tampering, not the one documented change."""
    credential = _issued()
    sql(
        "UPDATE credentials_credential SET status = 'cancelled', status_reason = 'Wrong name', "
        "cancelled_at = '2026-11-24 00:00:00+00:00', cancelled_by_id = %s WHERE id = %s",
        [system_actor().pk, credential.pk],
    )
    assert _row(credential)["status"] == CredentialStatus.CANCELLED


@pytest.mark.parametrize(
    "assignment", ["status_reason = 'Rewritten'", "cancelled_at = NULL", "cancelled_by_id = NULL"]
)
def test_database_refuses_rewriting_why_who_and_when_of_a_cancellation(assignment):
    credential = _cancelled()
    before = _row(credential)
    message = _refused(
        f"UPDATE credentials_credential SET {assignment} WHERE id = %s",  # noqa: S608
        [credential.pk],
    )
    assert "change only with its status" in message
    assert _row(credential) == before


def test_database_refuses_rewriting_the_reason_of_an_issued_credential():
    credential = _issued(status_reason="Issued on appeal")
    _refused("UPDATE credentials_credential SET status_reason = '' WHERE id = %s", [credential.pk])
    assert _row(credential)["status_reason"] == "Issued on appeal"


@pytest.mark.parametrize("make", [_issued, _cancelled], ids=["issued", "cancelled"])
def test_database_refuses_deleting_an_issued_or_cancelled_credential(make):
    credential = make()
    message = _refused("DELETE FROM credentials_credential WHERE id = %s", [credential.pk])
    assert "only a Requested credential may be deleted" in message.replace("Only", "only")
    assert Credential.objects.filter(pk=credential.pk).exists()


def test_database_still_lets_a_requested_credential_be_deleted():
    credential = credential_make()
    sql("DELETE FROM credentials_credential WHERE id = %s", [credential.pk])
    assert not Credential.objects.filter(pk=credential.pk).exists()


@pytest.mark.parametrize("column", ["verification_code", "document_sha256"])
def test_database_refuses_changing_a_set_once_value_before_issue(column):
    credential = credential_make()
    Credential.objects.filter(pk=credential.pk).update(**{column: "set-once"})
    statement = f"UPDATE credentials_credential SET {column} = 'other' WHERE id = %s"  # noqa: S608
    _refused(statement, [credential.pk])
    assert _row(credential)[column] == "set-once"


def test_bulk_updates_that_skip_the_model_are_refused_too():
    """core.db.rows_update and QuerySet.update write without Credential.save()."""
    from testamur.core.db import rows_update

    credential = _issued()
    credential.credential_date = date(2020, 1, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        rows_update([credential], ["credential_date"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Credential.objects.filter(pk=credential.pk).update(course_id=None)
    assert _row(credential)["credential_date"] == date(2026, 11, 20)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    ["TRUNCATE credentials_credential CASCADE", "TRUNCATE learners_learner CASCADE"],
)
def test_database_refuses_truncating_the_register(statement):
    credential = _issued()
    # The test's own transaction has deferred key checks queued; an attacker's session has not.
    sql("SET CONSTRAINTS ALL IMMEDIATE")
    message = _refused(statement)
    assert "TRUNCATE of credentials_credential is not allowed" in message
    assert Credential.objects.filter(pk=credential.pk).exists()


# --- The model layer -------------------------------------------------------------------------


def test_model_refuses_changing_an_issued_fact():
    credential = _issued()
    credential.credential_type = "letter"
    with pytest.raises(IntegrityError, match="credential_type of issued credential TM-000001"):
        credential.save()
    assert _row(credential)["credential_type"] == "statement_of_attainment"


def test_model_refuses_un_cancelling():
    credential = _cancelled()
    credential.status = CredentialStatus.ISSUED
    with pytest.raises(IntegrityError) as refused:
        credential.save()
    assert str(refused.value) == credential_models.CANCELLED_IS_FINAL.format(number="TM-000001")


def test_model_refuses_a_cancellation_without_who_and_when():
    credential = _issued()
    credential.status = CredentialStatus.CANCELLED
    credential.status_reason = "Wrong name"
    with pytest.raises(IntegrityError) as refused:
        credential.save()
    assert str(refused.value) == credential_models.CANCEL_NEEDS_RECORD.format(number="TM-000001")


def test_model_refuses_taking_an_issued_credential_back():
    credential = _issued()
    credential.status = CredentialStatus.GENERATED
    with pytest.raises(IntegrityError, match="can only be cancelled"):
        credential.save(update_fields=["status"])


def test_model_refuses_changing_a_set_once_value():
    credential = credential_make()
    Credential.objects.filter(pk=credential.pk).update(verification_code="set-once")
    credential = Credential.objects.get(pk=credential.pk)
    credential.verification_code = "other"
    with pytest.raises(IntegrityError, match="verification_code of credential"):
        credential.save()


def test_model_refuses_deleting_an_issued_credential():
    credential = _issued()
    with pytest.raises(IntegrityError) as refused:
        credential.delete()
    assert str(refused.value) == credential_models.DELETE_REFUSED.format(
        number="TM-000001", status="Issued"
    )
    assert Credential.objects.filter(pk=credential.pk).exists()


def test_model_lets_the_documented_cancellation_through():
    credential = _issued()
    credential.status = CredentialStatus.CANCELLED
    credential.status_reason = "Wrong name"
    credential.cancelled_at = timezone.now()
    credential.cancelled_by = system_actor()
    credential.save()
    assert _row(credential)["status"] == CredentialStatus.CANCELLED


def test_sqlite_triggers_are_installed_after_migrate():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's own triggers")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
            ["credentials_credential"],
        )
        names = {row[0] for row in cursor.fetchall()}
    assert "credentials_credential_issued_facts" in names
