"""Enrolment forms pick the learner by searching their name, not by a typed learner ID."""

import pytest
from django.urls import reverse

from testamur.qualifications.models import QualificationEnrolment
from testamur.training.forms import CHOOSE_LEARNER
from testamur.training.models import CourseEnrolment
from tests.factories import course_make, learner_make, offer_make, packaging_rule_make
from tests.learners.helpers import shows

pytestmark = pytest.mark.django_db

PICKER = reverse("learners:picker")


@pytest.fixture
def ngaa(db):
    return learner_make(client_id="NGA001", given_name="Ngā", family_name="O'Brien-Müller")


@pytest.fixture
def qualification(db):
    qualification = course_make(course_type="qualification")
    packaging_rule_make(qualification, total=1, core=["BSBWHS411"])
    return qualification


def test_the_picker_lists_matching_learners_to_choose_from(rto_user_client, ngaa):
    learner_make(client_id="SMI001", given_name="Mia", family_name="Smith")
    page = rto_user_client.get(PICKER, {"field": "learner", "learner_q": "muller"}).content.decode()
    assert 'type="radio" name="learner" value="NGA001"' in page
    assert "SMI001" not in page
    nothing = rto_user_client.get(PICKER, {"field": "learner", "learner_q": "zzz"})
    assert shows(nothing, "No learner matches “zzz”.")


def test_the_qualification_enrolment_form_searches_instead_of_asking_for_an_id(
    rto_user_client, ngaa, qualification
):
    page = rto_user_client.get(reverse("qualifications:enrolment_create")).content.decode()
    assert 'type="search" id="id_learner" name="learner_q"' in page
    assert f'hx-get="{PICKER}?field=learner"' in page
    assert "Learner ID" not in page


def test_choosing_the_learner_found_enrols_them(rto_user_client, ngaa, qualification):
    response = rto_user_client.post(
        reverse("qualifications:enrolment_create"),
        {"learner_q": "obrien", "learner": "NGA001", "qualification": qualification.pk},
    )
    assert response.status_code == 302
    assert QualificationEnrolment.objects.get().learner == ngaa


def test_a_search_without_a_choice_shows_the_matches_and_asks_to_choose(
    rto_user_client, ngaa, qualification
):
    response = rto_user_client.post(
        reverse("qualifications:enrolment_create"),
        {"learner_q": "Nga", "qualification": qualification.pk},
    )
    assert response.status_code == 200
    assert shows(response, CHOOSE_LEARNER)
    assert 'name="learner" value="NGA001"' in response.content.decode()
    assert not QualificationEnrolment.objects.exists()


def test_the_course_enrolment_form_picks_the_learner_the_same_way(rto_admin_client, ngaa):
    offer = offer_make()
    url = reverse("training:enrolment_create")
    assert 'name="learner_q"' in rto_admin_client.get(url).content.decode()
    response = rto_admin_client.post(
        url, {"learner_q": "muller", "learner": "NGA001", "offer": offer.pk}
    )
    assert response.status_code == 302
    assert CourseEnrolment.objects.get().learner == ngaa


def test_starting_from_a_learner_shows_them_already_chosen(rto_user_client, ngaa, qualification):
    page = rto_user_client.get(
        reverse("qualifications:enrolment_create"), {"learner": ngaa.pk}
    ).content.decode()
    assert 'name="learner" value="NGA001" checked' in page
