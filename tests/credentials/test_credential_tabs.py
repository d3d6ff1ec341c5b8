"""The credential list on the learner, course enrolment and offer pages, and one credential."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from testamur.credentials.models import RunKind
from testamur.credentials.runs import run_start
from testamur.learners.views import NO_CREDENTIALS
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
def world():
    """Two learners in two offers of one course, each with a credential per enrolment."""
    organisation_configured()
    course = course_make(units=[unit_make()])
    offer_a = offer_make(course, code="A-2026")
    offer_b = offer_make(course, code="B-2026")
    mia = learner_make(given_name="Mia", family_name="Nguyen")
    noah = learner_make(given_name="Noah", family_name="Smith")
    template = template_make("statement_of_attainment")
    enrolments = {
        (who, offer.code): enrolment_make(learner=learner, offer=offer)
        for who, learner in (("mia", mia), ("noah", noah))
        for offer in (offer_a, offer_b)
    }
    credentials = {key: credential_make(e, template=template) for key, e in enrolments.items()}
    return {
        "mia": mia,
        "offer_a": offer_a,
        "enrolments": enrolments,
        "credentials": credentials,
    }


def _listed(response) -> set[int]:
    assert response.status_code == 200
    return {row.credential.pk for row in response.context["rows"]}


def test_learner_tab_lists_exactly_their_credentials(rto_user_client, world):
    response = rto_user_client.get(reverse("learners:credentials", args=[world["mia"].pk]))

    c = world["credentials"]
    assert _listed(response) == {c[("mia", "A-2026")].pk, c[("mia", "B-2026")].pk}
    page = response.content.decode()
    assert "Noah Smith" not in page
    assert f"/credentials/?q={world['mia'].client_id}" in page


def test_learner_without_credentials_says_so(rto_user_client):
    learner = learner_make()
    response = rto_user_client.get(reverse("learners:credentials", args=[learner.pk]))
    assert NO_CREDENTIALS in response.content.decode()


def test_enrolment_page_lists_exactly_its_credentials(rto_user_client, world):
    enrolment = world["enrolments"][("mia", "A-2026")]

    response = rto_user_client.get(reverse("training:enrolment_detail", args=[enrolment.pk]))

    assert _listed(response) == {world["credentials"][("mia", "A-2026")].pk}
    assert reverse("credentials:request", args=[enrolment.pk]) in response.content.decode()


def test_offer_credentials_tab_lists_exactly_the_offers_credentials(rto_user_client, world):
    offer = world["offer_a"]
    url = reverse("training:offer_detail", args=[offer.pk])

    response = rto_user_client.get(url, {"tab": "credentials"})

    c = world["credentials"]
    assert _listed(response) == {c[("mia", "A-2026")].pk, c[("noah", "A-2026")].pk}
    page = response.content.decode()
    assert 'aria-current="page">Credentials' in page
    assert f"/credentials/?offer={offer.pk}" in page
    enrolments_tab = rto_user_client.get(url).content.decode()
    assert 'name="enrolment"' in enrolments_tab
    assert 'name="credential"' not in enrolments_tab


def test_offer_tab_query_count_does_not_grow_with_credentials(rto_user_client, world):
    offer = world["offer_a"]
    url = reverse("training:offer_detail", args=[offer.pk])
    rto_user_client.get(url, {"tab": "credentials"})
    with CaptureQueriesContext(connection) as few:
        rto_user_client.get(url, {"tab": "credentials"})
    template = template_make("statement_of_attainment")
    for _ in range(10):
        credential_make(enrolment_make(offer=offer), template=template)
    with CaptureQueriesContext(connection) as many:
        response = rto_user_client.get(url, {"tab": "credentials"})
    assert len(_listed(response)) == 12
    # The enrolments count on the tab label is one query whatever the size; rows add none.
    assert len(many) == len(few)


def test_detail_page_shows_fields_links_and_who_did_what(
    rto_user, rto_user_client, world, django_capture_on_commit_callbacks
):
    credential = world["credentials"][("mia", "A-2026")]
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = run_start(actor=rto_user, kind=RunKind.PREVIEW, credentials=[credential])

    response = rto_user_client.get(reverse("credentials:detail", args=[credential.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    for url in [
        reverse("learners:detail", args=[world["mia"].pk]),
        reverse("training:offer_detail", args=[world["offer_a"].pk]),
        reverse("training:enrolment_detail", args=[credential.course_enrolment_id]),
        reverse("credentials:preview", args=[credential.pk]),
        reverse("credentials:draft", args=[credential.pk]),
        reverse("credentials:run_detail", args=[run.pk]),
    ]:
        assert url in page
    for text in ["Requested", "Generation started", "Generated", "User Tester", "Statement"]:
        assert text in page
    assert "No competent units" in page  # the gate is shown with its reason
