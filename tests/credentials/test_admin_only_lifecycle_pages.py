"""Cancel, re-issue and delete pages and posts are for Admins only."""

import pytest
from django.urls import reverse

from testamur.credentials.models import Credential, CredentialStatus
from tests.factories import (
    course_make,
    credential_make,
    enrolment_make,
    learner_make,
    offer_make,
    organisation_configured,
    template_make,
    unit_make,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer():
    organisation_configured()
    return offer_make(course_make(units=[unit_make()]), code="SIT3-2026-T1")


def _credential(offer, **learner_fields):
    unit = offer.course.units.get()
    enrolment = enrolment_make(
        learner=learner_make(**learner_fields), offer=offer, outcomes={unit.code: "20"}
    )
    return credential_make(enrolment, template=template_make("testamur"))


@pytest.mark.parametrize("name", ["cancel", "reissue", "delete"])
def test_users_get_403_on_admin_pages_and_posts(rto_user_client, offer, name):
    credential = _credential(offer)
    url = reverse(f"credentials:{name}", args=[credential.pk])

    assert rto_user_client.get(url).status_code == 403
    assert rto_user_client.post(url, {"reason": "Mistake"}).status_code == 403
    assert Credential.objects.get(pk=credential.pk).status == CredentialStatus.REQUESTED


def test_users_get_403_on_bulk_cancel(rto_user_client, offer):
    credential = _credential(offer)
    url = reverse("credentials:cancel_bulk")
    assert rto_user_client.get(url, {"credential": credential.pk}).status_code == 403
    response = rto_user_client.post(url, {"credential": credential.pk, "reason": "Mistake"})
    assert response.status_code == 403
    assert Credential.objects.get(pk=credential.pk).status == CredentialStatus.REQUESTED
