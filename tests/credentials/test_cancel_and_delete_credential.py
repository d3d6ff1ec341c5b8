"""Cancel with a reason, delete only while Requested, never lose an issued credential."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from testamur.credentials.models import Credential, CredentialStatus
from testamur.credentials.services import (
    ONLY_REQUESTED_DELETABLE,
    REASON_REQUIRED,
    StaleCredential,
    credential_cancel,
    credential_cancel_bulk,
    credential_delete,
)
from tests.factories import credential_make

pytestmark = pytest.mark.django_db


def _force_issued(credential: Credential, number: str = "TM-000001") -> Credential:
    """An issued credential, as the issue run leaves it (the run itself is tested elsewhere)."""
    Credential.objects.filter(pk=credential.pk).update(
        status=CredentialStatus.ISSUED,
        number=number,
        issued_on=date(2026, 11, 21),
        document="credentials/issued/x.pdf",
    )
    credential.refresh_from_db()
    return credential


def test_cancel_needs_a_reason_and_changes_nothing_without_one(rto_admin):
    credential = _force_issued(credential_make())
    with pytest.raises(ValidationError) as excinfo:
        credential_cancel(actor=rto_admin, credential=credential, reason="   ")
    assert excinfo.value.message_dict["reason"] == [REASON_REQUIRED]
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.ISSUED


def test_cancel_keeps_the_credential_in_the_register_with_its_reason(rto_admin):
    credential = _force_issued(credential_make())
    credential_cancel(actor=rto_admin, credential=credential, reason="Used wrong template")
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.CANCELLED
    assert credential.status_reason == "Used wrong template"
    assert credential.number == "TM-000001"
    assert credential.cancelled_by == rto_admin


def test_user_role_cannot_cancel_or_delete(rto_user):
    credential = credential_make()
    with pytest.raises(PermissionDenied):
        credential_cancel(actor=rto_user, credential=credential, reason="Mistake")
    with pytest.raises(PermissionDenied):
        credential_delete(actor=rto_user, credential=credential)
    assert Credential.objects.filter(pk=credential.pk).exists()


def test_requested_credential_can_be_deleted(rto_admin):
    credential = credential_make()
    credential_delete(actor=rto_admin, credential=credential)
    assert not Credential.objects.filter(pk=credential.pk).exists()


@pytest.mark.parametrize("status", ["issued", "cancelled"])
def test_service_refuses_to_delete_issued_or_cancelled(rto_admin, status):
    credential = _force_issued(credential_make())
    if status == "cancelled":
        credential_cancel(actor=rto_admin, credential=credential, reason="Wrong name")
    with pytest.raises(ValidationError) as excinfo:
        credential_delete(actor=rto_admin, credential=credential)
    assert excinfo.value.messages[0].startswith(ONLY_REQUESTED_DELETABLE.split("{")[0])
    assert Credential.objects.filter(pk=credential.pk).exists()


@pytest.mark.postgres
def test_database_refuses_raw_delete_of_an_issued_credential():
    credential = _force_issued(credential_make())
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM credentials_credential WHERE id = %s", [credential.pk])
    assert Credential.objects.filter(pk=credential.pk).exists()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "column,value",
    [("number", "'TM-999999'"), ("issued_on", "'2020-01-01'"), ("status", "'requested'")],
)
def test_database_refuses_rewriting_an_issued_credential(column, value):
    credential = _force_issued(credential_make())
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE credentials_credential SET {column} = {value} WHERE id = %s",  # noqa: S608
            [credential.pk],
        )
    credential.refresh_from_db()
    assert (credential.number, credential.status) == ("TM-000001", "issued")


@pytest.mark.postgres
def test_database_refuses_moving_an_issued_credential_to_another_learner():
    from tests.factories import learner_make

    credential = _force_issued(credential_make())
    other = learner_make()
    with pytest.raises(IntegrityError), transaction.atomic():
        Credential.objects.filter(pk=credential.pk).update(learner=other)


def test_admin_site_offers_no_delete_for_issued(admin_client, urls_rebuilt):
    urls_rebuilt(ADMIN_ENABLED=True)
    issued = _force_issued(credential_make())
    requested = credential_make()
    page = admin_client.get(f"/admin/credentials/credential/{issued.pk}/delete/")
    assert page.status_code == 403
    page = admin_client.post(f"/admin/credentials/credential/{issued.pk}/delete/", {"post": "yes"})
    assert page.status_code == 403
    assert Credential.objects.filter(pk=issued.pk).exists()
    page = admin_client.post(
        f"/admin/credentials/credential/{requested.pk}/delete/", {"post": "yes"}
    )
    assert page.status_code == 302
    assert not Credential.objects.filter(pk=requested.pk).exists()


def test_stale_page_is_refused_with_a_clear_message(rto_admin):
    credential = _force_issued(credential_make())
    loaded_revision = credential.revision
    credential_cancel(actor=rto_admin, credential=credential, reason="First cancel")
    with pytest.raises(StaleCredential, match="changed since you loaded the page"):
        credential_cancel(
            actor=rto_admin, credential=credential, reason="Second", revision=loaded_revision
        )


def test_bulk_cancel_processes_the_rest_when_some_cannot_be_cancelled(rto_admin):
    issued = [_force_issued(credential_make(), f"TM-00000{i}") for i in range(1, 4)]
    already = issued[0]
    credential_cancel(actor=rto_admin, credential=already, reason="Earlier")
    outcome = credential_cancel_bulk(actor=rto_admin, credentials=issued, reason="Wrong year")
    assert len(outcome.done) == 2
    assert len(outcome.skipped) == 1
    assert "cannot be cancelled" in outcome.summary()
    assert Credential.objects.filter(status="cancelled").count() == 3
