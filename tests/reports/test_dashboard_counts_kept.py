"""The dashboard's credential counts by status come from counts the database keeps (not a
count of the register): they must always equal a straight count, whatever changed them."""

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from testamur.credentials.models import Credential, CredentialStatus, CredentialStatusCount
from testamur.credentials.services import credential_cancel, credential_delete, credential_reissue
from testamur.credentials.status_counts import FOLD_AT, counts_drift, status_counts
from tests.factories import offer_make, organisation_configured
from tests.reports.helpers import register_entry

pytestmark = pytest.mark.django_db

TILE = re.compile(r'\?status=(\w+)"><span class="num">(\d+)</span>')


def _straight() -> dict[str, int]:
    counted = dict(Credential.objects.values_list("status").annotate(n=Count("id")).order_by())
    return {status.value: counted.get(status.value, 0) for status in CredentialStatus}


def _dashboard(client) -> dict[str, int]:
    page = client.get("/").content.decode()
    return {status: int(n) for status, n in TILE.findall(page)}


@pytest.fixture
def register():
    organisation_configured()
    offer = offer_make()
    entries = {}
    for status in CredentialStatus:
        entries[status.value] = [register_entry(offer, status=status) for _ in range(2)]
    return entries


def test_the_dashboard_shows_every_status_as_a_straight_count_would(rto_admin_client, register):
    assert _dashboard(rto_admin_client) == _straight()
    assert _straight()[CredentialStatus.ISSUED] == 2


def test_cancel_reissue_and_delete_through_the_lifecycle_keep_the_counts(
    rto_admin, rto_admin_client, register
):
    issued = register[CredentialStatus.ISSUED]
    credential_cancel(actor=rto_admin, credential=issued[0], reason="Wrong name")
    credential_reissue(actor=rto_admin, credential=issued[1], reason="Misspelt surname")
    credential_delete(actor=rto_admin, credential=register[CredentialStatus.REQUESTED][0])

    shown = _dashboard(rto_admin_client)

    assert shown == _straight()
    assert shown[CredentialStatus.ISSUED] == 0
    assert shown[CredentialStatus.CANCELLED] == 4
    assert sum(shown.values()) == 2 * len(CredentialStatus) - 1 + 1  # one deleted, one new
    assert counts_drift() == {}


def test_many_changes_are_folded_into_one_row_per_status_without_changing_a_count(register):
    requested = Credential.objects.filter(status=CredentialStatus.REQUESTED)
    ids = list(requested.values_list("pk", flat=True))
    for _ in range(FOLD_AT // 2 + 1):  # each round trip adds four or more delta rows
        Credential.objects.filter(pk__in=ids).update(status=CredentialStatus.GENERATING)
        Credential.objects.filter(pk__in=ids).update(status=CredentialStatus.REQUESTED)
    assert CredentialStatusCount.objects.count() > FOLD_AT

    before = status_counts()

    assert CredentialStatusCount.objects.count() <= len(CredentialStatus)
    assert status_counts() == before == {k: v for k, v in _straight().items() if v}


def test_the_check_finds_a_drift_and_the_rebuild_mends_it(register):
    CredentialStatusCount.objects.create(status=CredentialStatus.ISSUED, n=5)

    with pytest.raises(CommandError, match="issued: register 2, kept 7"):
        call_command("credential_counts")
    call_command("credential_counts", "--rebuild")

    assert counts_drift() == {}
    call_command("credential_counts")  # agrees: no error
