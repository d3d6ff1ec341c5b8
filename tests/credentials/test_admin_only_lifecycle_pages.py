"""Cancel, re-issue and delete pages and posts are for Admins only."""

import pytest
from django.urls import reverse

from testamur.credentials.models import Credential, CredentialStatus
from tests.credentials.pages import (
    one_unit_offer,
    requested_testamur,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer():
    return one_unit_offer()


@pytest.mark.parametrize("name", ["cancel", "reissue", "delete"])
def test_users_get_403_on_admin_pages_and_posts(rto_user_client, offer, name):
    credential = requested_testamur(offer)
    url = reverse(f"credentials:{name}", args=[credential.pk])

    assert rto_user_client.get(url).status_code == 403
    assert rto_user_client.post(url, {"reason": "Mistake"}).status_code == 403
    assert Credential.objects.get(pk=credential.pk).status == CredentialStatus.REQUESTED


def test_users_get_403_on_bulk_cancel(rto_user_client, offer):
    credential = requested_testamur(offer)
    url = reverse("credentials:cancel_bulk")
    assert rto_user_client.get(url, {"credential": credential.pk}).status_code == 403
    response = rto_user_client.post(url, {"credential": credential.pk, "reason": "Mistake"})
    assert response.status_code == 403
    assert Credential.objects.get(pk=credential.pk).status == CredentialStatus.REQUESTED
