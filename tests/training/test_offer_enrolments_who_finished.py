"""The course offer's enrolments: filter by status and outcomes, and select everyone who
finished in one click (issue 18)."""

import re

import pytest
from django.urls import reverse

from testamur.training.models import EnrolmentStatus
from tests.factories import course_make, enrolment_make, learner_make, offer_make, unit_make
from tests.organisation.helpers import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    units = [unit_make(), unit_make()]
    offer = offer_make(course_make(units=units))
    all_done = {u.code: "20" for u in units}

    def make(given, status, outcomes):
        return enrolment_make(
            learner=learner_make(given_name=given, family_name="Learner"),
            offer=offer,
            outcomes=outcomes,
            status=status,
        )

    return offer, {
        "Cara": make("Cara", EnrolmentStatus.COMPLETED, all_done),
        "Pia": make("Pia", EnrolmentStatus.ACTIVE, {units[0].code: "20"}),
        "Ned": make("Ned", EnrolmentStatus.ACTIVE, {}),
        "Wes": make("Wes", EnrolmentStatus.WITHDRAWN, {}),
    }


def _checked(page: str) -> set[str]:
    return set(re.findall(r'aria-label="Select (\w+) Learner" checked', page))


def _listed(page: str) -> set[str]:
    return set(re.findall(r'aria-label="Select (\w+) Learner"', page))


def test_filters_by_status_and_outcomes(rto_user_client, world):
    offer, _ = world
    url = reverse("training:offer_detail", args=[offer.pk])

    assert _listed(page_text(rto_user_client.get(url, {"status": "completed"}))) == {"Cara"}
    assert _listed(page_text(rto_user_client.get(url, {"outcomes": "all"}))) == {"Cara"}
    assert _listed(page_text(rto_user_client.get(url, {"outcomes": "some"}))) == {"Cara", "Pia"}
    page = page_text(rto_user_client.get(url, {"outcomes": "none", "status": "active"}))
    assert _listed(page) == {"Ned"}
    assert "Enrolments (1 of 4)" in page


def test_select_all_completed_and_all_with_an_achieved_unit(rto_user_client, world):
    offer, _ = world
    url = reverse("training:offer_detail", args=[offer.pk])
    page = page_text(rto_user_client.get(url))
    assert _checked(page) == set()
    assert "Select all completed" in page
    assert "Select all with at least one achieved unit" in page

    assert _checked(page_text(rto_user_client.get(url, {"select": "completed"}))) == {"Cara"}
    achieved = page_text(rto_user_client.get(url, {"select": "achieved"}))
    assert _checked(achieved) == {"Cara", "Pia"}
    assert "2 selected" in achieved


def test_an_admin_has_request_and_issue_in_the_bulk_bar_a_user_not(
    rto_user_client, rto_admin_client, world
):
    offer, _ = world
    url = reverse("training:offer_detail", args=[offer.pk])
    button = 'value="request_issue">Request and issue'
    assert button in page_text(rto_admin_client.get(url))
    assert button not in page_text(rto_user_client.get(url))
