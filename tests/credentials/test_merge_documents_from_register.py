"""Merge documents from the register's bulk bar: a preview run whose combined PDF opens."""

import pytest
from django.urls import reverse

from testamur.credentials.models import Credential, GenerationRun, RunKind
from tests.factories import (
    course_make,
    credential_make,
    enrolment_make,
    learner_make,
    offer_make,
    organisation_configured,
    unit_make,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer():
    organisation_configured()
    units = [unit_make(), unit_make()]
    return offer_make(course_make(units=units), code="CHC3-2026-T1")


def _achieved(offer, **learner_fields):
    codes = {unit.code: "20" for unit in offer.course.units.all()}
    return enrolment_make(learner=learner_make(**learner_fields), offer=offer, outcomes=codes)


def test_bulk_merge_documents_generates_and_opens_the_run(
    rto_user, rto_user_client, offer, django_capture_on_commit_callbacks
):
    credentials = [credential_make(_achieved(offer)) for _ in range(2)]
    data = {"action": "preview", "credential": [c.pk for c in credentials]}
    data.update({f"revision-{c.pk}": c.revision for c in credentials})

    with django_capture_on_commit_callbacks(execute=True):
        response = rto_user_client.post(reverse("credentials:bulk"), data)

    run = GenerationRun.objects.get()
    assert response["Location"] == reverse("credentials:run_detail", args=[run.pk])
    assert run.kind == RunKind.PREVIEW
    assert run.combined_pdf
    assert set(Credential.objects.values_list("status", flat=True)) == {"generated"}
