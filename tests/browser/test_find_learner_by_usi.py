"""A staff member signs in, finds a learner by USI and opens one of their enrolments."""

import pytest
from playwright.sync_api import expect

from testamur.accounts.roles import Role
from tests.factories import course_make, enrolment_make, learner_make, offer_make, unit_make


@pytest.mark.django_db(transaction=True)
def test_find_learner_by_usi_and_open_enrolment(page, sign_in, make_user):
    make_user(Role.USER, "casey")
    units = [
        unit_make("BSBWHS411", title="Implement and monitor WHS policies, procedures and programs")
    ]
    course = course_make("BSB40120", title="Certificate IV in Business", units=units, aqf_level=4)
    offer = offer_make(course, code="BSB40120-2026-T1")
    learner = learner_make(given_name="Mia", family_name="Nguyen", usi="BNGH7C75FN")
    learner_make(given_name="Noah", family_name="Nguyen")
    enrolment_make(learner=learner, offer=offer, outcomes={"BSBWHS411": "20"})

    sign_in("casey")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Learners").click()
    page.get_by_label("Search").fill("BNGH7C75FN")
    page.get_by_role("button", name="Search").click()

    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Mia Nguyen")
    rows.first.get_by_role("link", name="Mia Nguyen").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Mia Nguyen")
    page.get_by_role("link", name="Enrolments").click()
    page.get_by_role("link", name="BSB40120-2026-T1").click()

    expect(page.get_by_text("BSBWHS411")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Competency achieved")
