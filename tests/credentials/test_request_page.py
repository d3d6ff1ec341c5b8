"""Request one credential from a course enrolment's page."""

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from testamur.credentials.models import Credential, CredentialStatus
from tests.credentials.pages import business_offer, page_text, request_templates
from tests.factories import (
    course_make,
    credential_make,
    enrolment_make,
    learner_make,
    offer_make,
    organisation_configured,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer():
    return business_offer()


@pytest.fixture
def templates():
    return request_templates()


def test_request_form_defaults_to_what_the_enrolment_earned_and_today(
    rto_user_client, offer, templates
):
    codes = {unit.code: "20" for unit in offer.course.units.all()}
    enrolment = enrolment_make(offer=offer, outcomes=codes)
    unfinished = enrolment_make(offer=offer)

    response = rto_user_client.get(reverse("credentials:request", args=[enrolment.pk]))
    other = rto_user_client.get(reverse("credentials:request", args=[unfinished.pk]))

    # A completed qualification earns a testamur (with its record of results); less, a SoA.
    assert other.context["form"]["template"].value() == templates["soa"].pk
    assert "with_record_of_results" not in other.context["form"].initial or not (
        other.context["form"]["with_record_of_results"].value()
    )
    form = response.context["form"]
    assert form["template"].value() == templates["testamur"].pk
    assert form["with_record_of_results"].value() is True
    assert form["credential_date"].value() == timezone.localdate()
    page = page_text(response)
    assert "Generic Testamur (Testamur)" in page
    assert "Old Testamur" not in page  # no active version: cannot be requested
    assert "Save and go to the register" in page


def test_skill_set_defaults_to_a_statement_of_attainment(rto_user_client, templates):
    organisation_configured()
    skill_set = course_make("BSBSS00094", course_type="skill_set", aqf_level=None)
    enrolment = enrolment_make(offer=offer_make(skill_set))

    response = rto_user_client.get(reverse("credentials:request", args=[enrolment.pk]))

    assert response.context["form"]["template"].value() == templates["soa"].pk


def test_save_requests_one_credential_and_shows_it_on_the_enrolment(
    rto_user, rto_user_client, offer, templates
):
    learner = learner_make(given_name="Mia", family_name="Nguyen")
    enrolment = enrolment_make(learner=learner, offer=offer)

    response = rto_user_client.post(
        reverse("credentials:request", args=[enrolment.pk]),
        {
            "template": templates["testamur"].pk,
            "credential_date": "2026-11-20",
            "status_reason": "Completed all units",
            "then": "enrolment",
        },
        follow=True,
    )

    credential = Credential.objects.get()
    assert credential.status == CredentialStatus.GENERATING  # generation queued at once
    assert credential.credential_date == date(2026, 11, 20)
    assert credential.course_enrolment == enrolment
    assert credential.created_by == rto_user
    assert response.redirect_chain[-1][0].startswith(
        reverse("training:enrolment_detail", args=[enrolment.pk])
    )
    page = page_text(response)
    assert "Requested a Testamur for Mia Nguyen." in page
    assert reverse("credentials:detail", args=[credential.pk]) in page


def test_save_and_go_to_the_register_selects_the_new_request(rto_admin_client, offer, templates):
    enrolment = enrolment_make(offer=offer)

    response = rto_admin_client.post(
        reverse("credentials:request", args=[enrolment.pk]),
        {"template": templates["soa"].pk, "credential_date": "2026-11-20", "then": "register"},
        follow=True,
    )

    credential = Credential.objects.get()
    assert response.redirect_chain[-1][0] == (f"/credentials/?select={credential.pk}")
    box = re.search(
        rf'<input type="checkbox" name="credential" value="{credential.pk}"[^>]*>',
        page_text(response),
    )
    assert box and " checked" in box.group(0)


def test_admin_may_name_an_issuing_officer(rto_admin, rto_admin_client, offer, templates):
    enrolment = enrolment_make(offer=offer)

    rto_admin_client.post(
        reverse("credentials:request", args=[enrolment.pk]),
        {
            "template": templates["soa"].pk,
            "credential_date": "2026-11-20",
            "issuing_officer": rto_admin.pk,
        },
    )

    assert Credential.objects.get().issuing_officer == rto_admin


def test_bad_input_is_explained_inline_and_nothing_is_requested(rto_user_client, offer, templates):
    enrolment = enrolment_make(offer=offer)
    url = reverse("credentials:request", args=[enrolment.pk])

    bad_date = rto_user_client.post(
        url, {"template": templates["soa"].pk, "credential_date": "32/13/2026"}
    )
    retired = rto_user_client.post(
        url, {"template": templates["retired"].pk, "credential_date": "2026-11-20"}
    )

    assert "Enter a valid date." in page_text(bad_date)
    assert "Select a valid choice" in page_text(retired)
    assert not Credential.objects.exists()


def test_a_second_request_of_the_same_type_names_the_first(rto_user_client, offer, templates):
    enrolment = enrolment_make(offer=offer, learner=learner_make(given_name="Ada"))
    credential_make(enrolment, template=templates["soa"])

    response = rto_user_client.post(
        reverse("credentials:request", args=[enrolment.pk]),
        {"template": templates["soa"].pk, "credential_date": "2026-11-20"},
    )

    assert "already has Statement of Attainment (not yet numbered) (Requested)" in page_text(
        response
    )
    assert Credential.objects.count() == 1
