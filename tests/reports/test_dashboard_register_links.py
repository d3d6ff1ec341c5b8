"""The dashboard's credential counts and runs in progress, linking to the register and the runs."""

import pytest
from django.urls import reverse

from testamur.credentials.models import RunKind
from testamur.credentials.runs import run_start
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

REGISTER = "/credentials/"


@pytest.fixture
def offer():
    organisation_configured()
    units = [unit_make(), unit_make()]
    return offer_make(course_make(units=units), code="CHC3-2026-T1")


def _achieved(offer, **learner_fields):
    codes = {unit.code: "20" for unit in offer.course.units.all()}
    return enrolment_make(learner=learner_make(**learner_fields), offer=offer, outcomes=codes)


def _text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_dashboard_counts_credentials_by_status_linking_to_the_register(rto_user_client, offer):
    for _ in range(3):
        credential_make(_achieved(offer))
    response = rto_user_client.get("/")
    page = _text(response)
    assert f'href="{REGISTER}?status=requested"><span class="num">3</span> requested' in page
    assert f'href="{REGISTER}?status=issued"><span class="num">0</span> issued' in page


def test_dashboard_lists_runs_in_progress(rto_user, rto_user_client, offer):
    credential = credential_make(_achieved(offer))
    run, _ = run_start(actor=rto_user, kind=RunKind.PREVIEW, credentials=[credential])

    page = _text(rto_user_client.get("/"))

    assert reverse("credentials:run_detail", args=[run.pk]) in page
    assert "Merge documents run" in page
