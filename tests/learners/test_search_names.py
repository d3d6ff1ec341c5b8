"""Staff and the public find people however they type the name: accents, case, apostrophe
style and hyphens make no difference, on SQLite and PostgreSQL alike."""

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from testamur.accounts.roles import Role
from testamur.api.services import api_token_create
from testamur.core.text import fold, fold_compact, search_text
from testamur.learners.models import Learner
from testamur.learners.selectors import learner_list
from testamur.qualifications.selectors import qualification_enrolments
from tests.api.conftest import ApiClient
from tests.factories import (
    course_make,
    credential_make,
    enrolment_make,
    learner_make,
    offer_make,
    packaging_rule_make,
    qualification_enrolment_make,
)

pytestmark = pytest.mark.django_db

NAME = {"given_name": "Ngā", "family_name": "O'Brien-Müller"}
SEARCHES = ["Nga", "Obrien", "Muller", "ngā", "O’Brien", "Oʻbrien muller", "obrienmuller", "MÜLLER"]


def test_fold_ignores_accents_case_apostrophes_and_hyphens():
    assert fold("Ngā O’Brien-Müller") == "nga obrien muller"
    assert fold("  NGA  o'brien–muller ") == "nga obrien muller"
    assert fold("Ngāʻ") == fold("NGA") == "nga"
    assert fold_compact("O'Brien Muller") == fold_compact("OBrien-Müller") == "obrienmuller"
    assert search_text("Ngā", "", "O'Brien-Müller") == "nga obrien muller obrienmuller"


@pytest.fixture
def user_api(make_user):
    user = make_user(Role.USER)
    _, secret = api_token_create(user=user, name="Search test")
    return ApiClient(user, secret)


@pytest.fixture
def ngaa(db):
    return learner_make(client_id="NGA001", **NAME)


@pytest.fixture
def other(db):
    return learner_make(client_id="SMI001", given_name="Mia", family_name="Smith")


@pytest.mark.parametrize("search", SEARCHES)
def test_the_learner_list_finds_the_name_however_typed(rto_user_client, ngaa, other, search):
    page = rto_user_client.get(reverse("learners:list"), {"q": search}).content.decode()
    assert "O&#x27;Brien-Müller" in page or "O'Brien-Müller" in page
    assert "Smith" not in page


def test_a_search_that_matches_no_word_finds_no_one(ngaa):
    assert list(learner_list(q="Nguyen")) == []
    assert list(learner_list(q="nga smith")) == []


def test_the_api_search_finds_the_name(user_api, ngaa, other):
    found = user_api.get("/learners", {"q": "obrien muller"}).json()
    assert [item["id"] for item in found["items"]] == [ngaa.pk]


def test_enrolling_learners_in_an_offer_finds_the_name(rto_admin_client, ngaa, other):
    offer = offer_make()
    page = rto_admin_client.get(
        reverse("training:offer_enrol", args=[offer.pk]), {"q": "Muller"}
    ).content.decode()
    assert "NGA001" in page
    assert "SMI001" not in page


def test_qualification_enrolments_are_found_by_name(ngaa, other):
    qualification = course_make(course_type="qualification")
    packaging_rule_make(qualification, total=1, core=["BSBWHS411"])
    mine = qualification_enrolment_make(learner=ngaa, qualification=qualification)
    qualification_enrolment_make(learner=other, qualification=qualification)
    for search in ("Obrien", "nga", "müller"):
        found = qualification_enrolments(qualification=qualification, search=search)
        assert list(found) == [mine]


def test_the_register_finds_the_name_on_the_page_and_in_the_api(
    rto_admin_client, user_api, ngaa, other
):
    mine = credential_make(enrolment_make(learner=ngaa))
    credential_make(enrolment_make(learner=other))
    page = rto_admin_client.get(reverse("credentials:register"), {"q": "obrien"}).content.decode()
    assert "NGA001" in page
    assert "SMI001" not in page
    found = user_api.get("/credentials", {"q": "Nga Muller"}).json()
    assert [item["id"] for item in found["items"]] == [mine.pk]


def test_a_renamed_learner_is_found_by_the_new_name(ngaa):
    ngaa.family_name = "Tūhoe"
    ngaa.save(update_fields=["family_name"])
    assert list(learner_list(q="tuhoe")) == [ngaa]
    assert list(learner_list(q="muller")) == []


def test_bulk_writes_keep_the_search_name(db):
    Learner.objects.bulk_create(
        [Learner(client_id="BULK01", given_name="Zoë", family_name="D’Arcy", gender="@")]
    )
    zoe = Learner.objects.get(client_id="BULK01")
    assert list(learner_list(q="zoe darcy")) == [zoe]
    zoe.given_name = "Chloé"
    Learner.objects.bulk_update([zoe], ["given_name"])
    assert list(learner_list(q="chloe")) == [zoe]


def test_the_migration_fills_the_search_name_of_existing_learners(ngaa):
    from importlib import import_module

    Learner.objects.update(search_name="")
    assert list(learner_list(q="muller")) == []
    migration = import_module("testamur.learners.migrations.0007_learner_search_name")
    migration.fill_search_names(django_apps, None)
    assert list(learner_list(q="muller")) == [ngaa]
