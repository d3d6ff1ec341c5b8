"""Staff record a learner's AVETMISS details (the NCVER enrolment questions) on the learner
form: grouped, every answer optional and read as "not stated" when left blank."""

import pytest
from django.urls import reverse

from testamur.core.models import Event
from testamur.learners.models import Learner
from testamur.learners.services import (
    DISABILITY_TYPES_BUT_NO,
    ENGLISH_NOT_ASKED,
    SCHOOL_YEAR_WITHOUT_LEVEL,
)
from tests.factories import learner_make
from tests.learners.helpers import create_data, edit_data, page_text, shows

pytestmark = pytest.mark.django_db

URL = reverse("learners:create")


def test_the_details_are_recorded_and_shown_on_the_learner_s_page(rto_user_client):
    response = rto_user_client.post(
        URL,
        create_data(
            school_level="12",
            school_level_year="2017",
            language="6302",
            english_proficiency="1",
            country_of_birth="5105",
            labour_force_status="02",
            disability_types=["14"],
            prior_514="A",
            prior_008="I",
        ),
        follow=True,
    )

    learner = Learner.objects.get()
    assert (learner.language_id, learner.english_proficiency_id) == ("6302", "1")
    assert (learner.disability, [t.code for t in learner.disability_types.all()]) == ("Y", ["14"])
    assert {(p.achievement_id, p.recognition) for p in learner.prior_educations.all()} == {
        ("514", "A"),
        ("008", "I"),
    }
    page = page_text(response)
    assert "Vietnamese; speaks English very well" in page
    assert "Completed Year 12 (2017)" in page
    assert "Certificate III (Australian qualification)" in page
    assert "Indigenous status</dt><dd>Not stated" in page
    event = Event.objects.get(learner_id=learner.pk, action="created")
    assert (event.data["disability_types"], event.data["prior_educations"]) == ("14", "008I, 514A")


def test_blank_answers_read_not_stated_on_the_form(rto_user_client):
    page = page_text(rto_user_client.get(URL))

    assert "AVETMISS details (optional: a blank answer is reported as not stated)" in page
    assert '<option value="" selected>Not stated</option>' in page


@pytest.mark.parametrize(
    "answers,field,message",
    [
        (
            {"language": "1201", "english_proficiency": "2"},
            "english_proficiency",
            ENGLISH_NOT_ASKED,
        ),
        ({"school_level_year": "2012"}, "school_level_year", SCHOOL_YEAR_WITHOUT_LEVEL),
        (
            {"disability": "N", "disability_types": ["11"]},
            "disability_types",
            DISABILITY_TYPES_BUT_NO,
        ),
    ],
)
def test_contradictory_answers_are_explained_and_nothing_is_saved(
    rto_user_client, answers, field, message
):
    response = rto_user_client.post(URL, create_data(**answers))

    assert response.status_code == 200
    assert shows(response, message)
    assert not Learner.objects.exists()


def test_answering_no_clears_the_disability_types(rto_user_client):
    learner = learner_make(disability="Y")
    learner.disability_types.set(["12", "17"])

    rto_user_client.post(
        reverse("learners:edit", args=[learner.pk]),
        edit_data(learner, disability="N", disability_types=[]),
    )

    learner.refresh_from_db()
    assert (learner.disability, list(learner.disability_types.all())) == ("N", [])
    event = Event.objects.get(learner_id=learner.pk, action="updated")
    assert event.data["disability_types"] == ["12, 17", ""]


def test_an_edit_that_leaves_the_details_alone_keeps_them(rto_user_client):
    learner = learner_make(disability="Y", prior_education="Y", language_id="2401")
    learner.disability_types.set(["12"])
    learner.prior_educations.create(achievement_id="514", recognition="E")

    rto_user_client.post(
        reverse("learners:edit", args=[learner.pk]), edit_data(learner, phone="0400 111 222")
    )

    learner.refresh_from_db()
    assert learner.phone == "0400 111 222"
    assert [t.code for t in learner.disability_types.all()] == ["12"]
    assert [(p.achievement_id, p.recognition) for p in learner.prior_educations.all()] == [
        ("514", "E")
    ]
    assert learner.language_id == "2401"


def test_the_street_address_is_kept_in_the_parts_avetmiss_reports(rto_user_client):
    rto_user_client.post(
        URL,
        create_data(
            address_building="Riverside Apartments",
            address_unit="12",
            address_street_number="88",
            address_street_name="George Street",
            postal_delivery_box="PO Box 45",
        ),
    )

    learner = Learner.objects.get()
    assert learner.address_line == "Riverside Apartments, 12/88 George Street"
    assert learner.postal_delivery_box == "PO Box 45"
    page = page_text(rto_user_client.get(reverse("learners:detail", args=[learner.pk])))
    assert "Riverside Apartments, 12/88 George Street" in page
    assert "PO Box 45" in page
