"""Delete a mistaken request after confirming; an issued credential is never deleted."""

import pytest
from django.urls import reverse

from testamur.credentials.models import Credential, CredentialStatus
from tests.credentials.pages import (
    issued_testamur,
    one_unit_offer,
    page_text,
    requested_testamur,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer():
    return one_unit_offer()


@pytest.fixture
def issued(rto_admin, django_capture_on_commit_callbacks, offer):
    return issued_testamur(
        rto_admin, django_capture_on_commit_callbacks, offer, given_name="Mia", family_name="Nguyen"
    )


def test_delete_a_requested_credential_after_confirming(rto_admin_client, offer):
    credential = requested_testamur(offer, given_name="Ada", family_name="Lovelace")
    url = reverse("credentials:delete", args=[credential.pk])
    assert "Delete the requested Testamur for Ada Lovelace?" in page_text(rto_admin_client.get(url))

    response = rto_admin_client.post(url, {"revision": credential.revision}, follow=True)

    assert "Deleted the requested Testamur for Ada Lovelace." in page_text(response)
    assert not Credential.objects.exists()


def test_an_issued_credential_is_never_deleted(rto_admin_client, issued):
    url = reverse("credentials:delete", args=[issued.pk])

    page = page_text(rto_admin_client.get(url, follow=True))
    assert "Only a credential that is still Requested can be deleted; this one is Issued." in page
    refused = page_text(rto_admin_client.post(url, {"revision": issued.revision}))
    assert "Cancel it with a reason instead." in refused
    assert Credential.objects.filter(pk=issued.pk, status=CredentialStatus.ISSUED).exists()
