"""Delete a mistaken request after confirming; an issued credential is never deleted."""

import pytest
from django.urls import reverse
from django.utils import timezone

from testamur.credentials.issue_options import IssueOptions
from testamur.credentials.models import Credential, CredentialStatus, RunKind
from testamur.credentials.runs import run_start
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


def _issued(actor, capture, offer, **learner_fields):
    credential = _credential(offer, **learner_fields)
    with capture(execute=True):
        run_start(actor=actor, kind=RunKind.PREVIEW, credentials=[credential])
    with capture(execute=True):
        run_start(
            actor=actor,
            kind=RunKind.ISSUE,
            credentials=[credential],
            options=IssueOptions(issued_on=timezone.localdate(), final_qualification=True),
        )
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.ISSUED
    return credential


@pytest.fixture
def issued(rto_admin, django_capture_on_commit_callbacks, offer):
    return _issued(
        rto_admin, django_capture_on_commit_callbacks, offer, given_name="Mia", family_name="Nguyen"
    )


def _text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_delete_a_requested_credential_after_confirming(rto_admin_client, offer):
    credential = _credential(offer, given_name="Ada", family_name="Lovelace")
    url = reverse("credentials:delete", args=[credential.pk])
    assert "Delete the requested Testamur for Ada Lovelace?" in _text(rto_admin_client.get(url))

    response = rto_admin_client.post(url, {"revision": credential.revision}, follow=True)

    assert "Deleted the requested Testamur for Ada Lovelace." in _text(response)
    assert not Credential.objects.exists()


def test_an_issued_credential_is_never_deleted(rto_admin_client, issued):
    url = reverse("credentials:delete", args=[issued.pk])

    page = _text(rto_admin_client.get(url, follow=True))
    assert "Only a credential that is still Requested can be deleted; this one is Issued." in page
    refused = _text(rto_admin_client.post(url, {"revision": issued.revision}))
    assert "Cancel it with a reason instead." in refused
    assert Credential.objects.filter(pk=issued.pk, status=CredentialStatus.ISSUED).exists()
