"""Australian addresses: the postcode is 4 digits and belongs to the state chosen; an overseas
address has none. Every address form says clearly what is wrong and saves nothing."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from testamur.core.postcodes import (
    POSTCODE_NOT_FOUR_DIGITS,
    POSTCODE_OVERSEAS,
    POSTCODE_UNKNOWN,
    POSTCODE_WRONG_STATE,
    postcode_problem,
)
from testamur.learners.models import Learner
from testamur.organisation.models import Organisation
from testamur.training.models import DeliveryLocation
from tests.learners.helpers import create_data
from tests.organisation.helpers import settings_data

pytestmark = pytest.mark.django_db

WRONG = POSTCODE_WRONG_STATE.format(postcode="3000", actual="Victoria", chosen="New South Wales")


@pytest.mark.parametrize(
    "postcode,state",
    [
        ("2150", "NSW"),
        ("0800", "NT"),
        ("2600", "ACT"),
        ("2620", "NSW"),
        ("3644", "NSW"),  # Barooga, served from Victoria
        ("0872", "WA"),
        ("6798", "OTH"),  # Christmas Island
        ("7000", "TAS"),
        ("4000", ""),
        ("", "VIC"),
        ("", "OVS"),
    ],
)
def test_postcodes_that_belong_to_their_state_pass(postcode, state):
    assert postcode_problem(postcode, state) == ""


@pytest.mark.parametrize(
    "postcode,state,message",
    [
        ("3000", "NSW", WRONG),
        ("215", "NSW", POSTCODE_NOT_FOUR_DIGITS),
        ("21a0", "NSW", POSTCODE_NOT_FOUR_DIGITS),
        ("2150", "OVS", POSTCODE_OVERSEAS),
        ("0100", "NT", POSTCODE_UNKNOWN.format(postcode="0100")),
    ],
)
def test_postcodes_that_do_not_fit_are_explained(postcode, state, message):
    assert postcode_problem(postcode, state) == message


def test_the_learner_form_explains_a_postcode_in_another_state(rto_user_client):
    response = rto_user_client.post(
        reverse("learners:create"), create_data(state="NSW", postcode="3000")
    )
    assert escape(WRONG) in response.content.decode()
    assert not Learner.objects.exists()


def test_the_settings_form_explains_a_postcode_in_another_state(owner_client):
    response = owner_client.post(
        reverse("organisation:settings"), settings_data(state="NSW", postcode="3000")
    )
    assert escape(WRONG) in response.content.decode()
    assert Organisation.load().postcode != "3000"


def test_a_delivery_location_in_the_wrong_state_is_refused(rto_admin_client):
    data = {
        "code": "CBD",
        "name": "City campus",
        "suburb": "Melbourne",
        "state": "NSW",
        "postcode": "3000",
    }
    response = rto_admin_client.post(reverse("training:location_create"), data)
    assert escape(WRONG) in response.content.decode()
    assert not DeliveryLocation.objects.exists()
    rto_admin_client.post(reverse("training:location_create"), {**data, "state": "VIC"})
    assert DeliveryLocation.objects.get().state == "VIC"
