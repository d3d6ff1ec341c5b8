"""A staff member finds "Ngā O'Brien-Müller" typing the name without accents or apostrophes,
and enrols her in a qualification by searching for her in the form."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from testamur.accounts.roles import Role
from testamur.qualifications.models import QualificationEnrolment
from tests.factories import course_make, learner_make, packaging_rule_make


@pytest.mark.django_db(transaction=True)
def test_search_finds_the_learner_however_the_name_is_typed(page, sign_in, make_user):
    make_user(Role.USER, "casey")
    learner = learner_make(given_name="Ngā", family_name="O'Brien-Müller")
    learner_make(given_name="Mia", family_name="Smith")
    qualification = course_make("BSB40120", title="Certificate IV in Business")
    packaging_rule_make(qualification, total=1, core=["BSBWHS411"])

    sign_in("casey")
    for typed in ("Nga", "Obrien", "Muller"):
        page.goto("/learners/")
        page.get_by_label("Search").fill(typed)
        page.get_by_role("button", name="Search").click()
        rows = page.locator("table tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Ngā O'Brien-Müller")

    page.goto(reverse("qualifications:enrolment_create"))
    page.get_by_role("searchbox", name="Learner").fill("obrien")
    choice = page.get_by_role("radio", name="Ngā O'Brien-Müller")
    expect(choice).to_be_visible()
    choice.check()
    page.get_by_label("Qualification").select_option(str(qualification.pk))
    page.get_by_role("button", name="Enrol").click()
    expect(page.locator("body")).to_contain_text("Ngā O'Brien-Müller")
    assert QualificationEnrolment.objects.get().learner == learner
