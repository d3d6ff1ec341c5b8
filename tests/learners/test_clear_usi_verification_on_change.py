"""A verified USI is verified against the learner's names and date of birth: changing any of
them makes it Not verified again, with an event that says why."""

import html
from datetime import date

import pytest
from django.urls import reverse

from testamur.core.models import Event
from testamur.learners.models import UsiStatus
from testamur.learners.services import USI_CLEARED_BY_DETAILS, learner_update
from testamur.learners.views import USI_DETAILS_UNVERIFIED
from tests.factories import learner_make
from tests.learners.helpers import edit_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "change",
    [
        {"given_name": "Alexandra"},
        {"family_name": "Changed"},
        {"date_of_birth": date(1995, 1, 2)},
    ],
)
def test_a_change_of_name_or_date_of_birth_clears_the_verification(rto_user, change):
    learner = learner_make()
    assert learner.usi_status == UsiStatus.VERIFIED

    learner = learner_update(learner=learner, actor=rto_user, **change)

    assert learner.usi_status == UsiStatus.NOT_VERIFIED
    assert learner.usi_verified_on is None and learner.usi_evidence == ""
    event = Event.objects.filter(learner_id=learner.pk, action="updated").latest("id")
    assert (event.from_state, event.to_state) == ("verified", "not_verified")
    assert event.reason == USI_CLEARED_BY_DETAILS


def test_other_changes_keep_the_verification(rto_user):
    learner = learner_make()
    learner = learner_update(learner=learner, actor=rto_user, email="new@example.com")
    assert learner.usi_status == UsiStatus.VERIFIED


def test_the_edit_page_shows_the_learner_needs_verifying_again(rto_user_client):
    learner = learner_make(given_name="Sam")
    data = edit_data(learner, given_name="Samuel")

    response = rto_user_client.post(reverse("learners:edit", args=[learner.pk]), data, follow=True)

    assert USI_DETAILS_UNVERIFIED in html.unescape(response.content.decode())
    learner.refresh_from_db()
    assert learner.usi_status == UsiStatus.NOT_VERIFIED
    history = html.unescape(
        rto_user_client.get(reverse("learners:history", args=[learner.pk])).content.decode()
    )
    assert USI_CLEARED_BY_DETAILS in history
