"""An issuance record, once completed with its PDF's hash, is what the document says: raw SQL
cannot change, delete or truncate it (PostgreSQL and SQLite triggers). A pending record can
still be refreshed by a retried issue: test_issuance_record runs that with the triggers on."""

import pytest
from django.db import IntegrityError, transaction

from testamur.credentials.models import CredentialIssuance
from tests.tampering import sql
from tests.verification.helpers import one_issued

pytestmark = pytest.mark.django_db


def _refused(statement: str, params=()) -> str:
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        sql(statement, params)
    return str(refused.value)


@pytest.fixture
def record(rto_admin, django_capture_on_commit_callbacks):
    credential = one_issued(rto_admin, django_capture_on_commit_callbacks)
    return CredentialIssuance.objects.get(credential=credential)


@pytest.mark.parametrize(
    "assignment",
    [
        "learner_full_name = 'Mallory Forger'",
        "units = '[]'",
        "issued_on = '2020-01-01'",
        "document_sha256 = ''",
    ],
)
def test_raw_sql_cannot_rewrite_a_completed_record(record, assignment):
    message = _refused(
        f"UPDATE credentials_credentialissuance SET {assignment} WHERE id = %s",  # noqa: S608
        [record.pk],
    )

    assert "frozen" in message
    record.refresh_from_db()
    assert record.learner_full_name == "Mia Rose Nguyen" and record.document_sha256


def test_raw_sql_cannot_delete_a_completed_record(record):
    _refused("DELETE FROM credentials_credentialissuance WHERE id = %s", [record.pk])

    assert CredentialIssuance.objects.filter(pk=record.pk).exists()


@pytest.mark.postgres
def test_postgres_refuses_truncating_the_records(record):
    sql("SET CONSTRAINTS ALL IMMEDIATE")
    message = _refused("TRUNCATE credentials_credentialissuance CASCADE")

    assert "TRUNCATE of credentials_credentialissuance is not allowed" in message
    assert CredentialIssuance.objects.filter(pk=record.pk).exists()
