"""Request credentials in bulk from a course offer's bulk bar."""

import pytest
from django.urls import reverse

from testamur.credentials.models import Credential, CredentialStatus
from testamur.credentials.views.requests import ENROLMENTS_IGNORED, NO_ENROLMENTS
from tests.credentials.pages import business_offer, page_text, request_templates
from tests.factories import (
    credential_make,
    enrolment_make,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer():
    return business_offer()


@pytest.fixture
def templates():
    return request_templates()


def test_offer_bulk_bar_offers_request_credential(rto_user_client, offer):
    enrolment_make(offer=offer)
    page = page_text(rto_user_client.get(reverse("training:offer_detail", args=[offer.pk])))
    assert 'name="action" value="request_credential">Request credential' in page


def test_bulk_request_from_the_offer_creates_one_per_selected_enrolment(
    rto_user_client, offer, templates
):
    enrolments = [enrolment_make(offer=offer) for _ in range(20)]
    left_out = enrolment_make(offer=offer)

    to_form = rto_user_client.post(
        reverse("training:offer_bulk", args=[offer.pk]),
        {"action": "request_credential", "enrolment": [e.pk for e in enrolments]},
    )
    form_page = rto_user_client.get(to_form["Location"])
    page = page_text(form_page)
    assert "Selected learners (20)" in page
    for enrolment in enrolments:
        assert enrolment.learner.full_name in page
    assert left_out.learner.full_name not in page
    # None of them has achieved a unit yet: a Statement of Attainment is what they would earn.
    assert form_page.context["form"]["template"].value() == templates["soa"].pk

    done = rto_user_client.post(
        to_form["Location"],
        {
            "enrolment": [e.pk for e in enrolments],
            "template": templates["testamur"].pk,
            "credential_date": "2026-11-20",
        },
        follow=True,
    )

    assert "20 requested. Generating them now" in page_text(done)
    assert Credential.objects.filter(status=CredentialStatus.GENERATING).count() == 20
    assert not left_out.credentials.exists()
    assert done.redirect_chain[-1][0] == reverse("training:offer_detail", args=[offer.pk])


def test_bulk_request_summary_names_who_was_skipped_and_why(rto_user_client, offer, templates):
    enrolments = [enrolment_make(offer=offer) for _ in range(3)]
    credential_make(enrolments[0], template=templates["soa"])

    response = rto_user_client.post(
        reverse("credentials:request_bulk", args=[offer.pk]),
        {
            "enrolment": [e.pk for e in enrolments],
            "template": templates["soa"].pk,
            "credential_date": "2026-11-20",
        },
        follow=True,
    )

    page = page_text(response)
    assert f"2 requested, 1 skipped: {enrolments[0].learner.full_name}: " in page
    assert Credential.objects.count() == 3


def test_go_to_the_offers_credentials_when_complete(rto_user_client, offer, templates):
    enrolments = [enrolment_make(offer=offer) for _ in range(2)]

    response = rto_user_client.post(
        reverse("credentials:request_bulk", args=[offer.pk]),
        {
            "enrolment": [e.pk for e in enrolments],
            "template": templates["soa"].pk,
            "credential_date": "2026-11-20",
            "go_to_credentials": "on",
        },
        follow=True,
    )

    url = response.redirect_chain[-1][0]
    assert url.startswith(reverse("training:offer_detail", args=[offer.pk]) + "?tab=credentials")
    page = page_text(response)
    for credential in Credential.objects.all():
        assert f'name="credential" value="{credential.pk}"' in page
        assert f"select={credential.pk}" in url


def test_bulk_request_ignores_enrolments_of_other_offers(rto_user_client, offer, templates):
    mine = enrolment_make(offer=offer)
    elsewhere = enrolment_make()

    response = rto_user_client.get(
        reverse("credentials:request_bulk", args=[offer.pk]),
        {"enrolment": [mine.pk, elsewhere.pk, "x"]},
    )

    page = page_text(response)
    assert ENROLMENTS_IGNORED.format(count=2) in page
    assert elsewhere.learner.full_name not in page.split("Selected learners")[1]


def test_bulk_request_with_nothing_selected_goes_back_with_a_message(rto_user_client, offer):
    response = rto_user_client.get(
        reverse("credentials:request_bulk", args=[offer.pk]), follow=True
    )
    assert NO_ENROLMENTS in page_text(response)


def test_bulk_request_with_a_bad_date_keeps_the_selection_and_requests_nothing(
    rto_user_client, offer, templates
):
    enrolments = [enrolment_make(offer=offer) for _ in range(2)]

    response = rto_user_client.post(
        reverse("credentials:request_bulk", args=[offer.pk]),
        {"enrolment": [e.pk for e in enrolments], "template": templates["soa"].pk},
    )

    page = page_text(response)
    assert "This field is required." in page
    assert "Selected learners (2)" in page
    assert not Credential.objects.exists()
