"""An Admin withdraws a learner from a course offer: form, preview of every change, apply."""

import pytest
from playwright.sync_api import expect

from testamur.accounts.roles import Role
from testamur.training.models import CourseEnrolment
from tests.factories import course_make, enrolment_make, learner_make, offer_make, unit_make


@pytest.mark.django_db(transaction=True)
def test_withdraw_a_learner_from_an_offer(page, sign_in, make_user):
    make_user(Role.ADMIN, "alex", first_name="Alex", last_name="Admin")
    units = [
        unit_make("BSBOPS404", title="Implement customer service standards"),
        unit_make("BSBWHS411", title="Implement and monitor WHS policies, procedures and programs"),
        unit_make("BSBXCM401", title="Apply communication strategies in the workplace"),
    ]
    course = course_make("BSB40120", title="Certificate IV in Business", units=units, aqf_level=4)
    offer = offer_make(course, code="BSB40120-2026-T1")
    # Units run 02/02–15/02, 16/02–01/03 and 02/03–15/03/2026.
    mia = learner_make(given_name="Mia", family_name="Nguyen", privacy_flag=True)
    enrolment_make(learner=mia, offer=offer, outcomes={"BSBOPS404": "20"})
    enrolment_make(learner=learner_make(given_name="Noah", family_name="Smith"), offer=offer)

    sign_in("alex")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Course offers").click()
    page.get_by_role("link", name="BSB40120-2026-T1").click()
    page.get_by_label("Select Mia Nguyen").check()
    page.get_by_role("button", name="Finalise").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Finalise enrolments in BSB40120-2026-T1"
    )
    expect(page.get_by_label("Withdrawal date")).to_be_hidden()
    page.get_by_label("Finish as").select_option(label="Withdrawn")
    page.get_by_label("Status reason").fill("Moved interstate")
    page.get_by_label("Withdrawal date").fill("2026-02-20")
    page.get_by_role("button", name="Preview changes").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Preview")
    plan = page.get_by_role("region", name="Mia Nguyen")
    running = plan.locator('tr[data-unit="BSBWHS411"]')
    expect(running.filter(has_text="Outcome –")).to_contain_text("TNC")
    expect(running.filter(has_text="40 Withdrawn / discontinued")).to_contain_text(
        "70 Continuing activity"
    )
    expect(running.filter(has_text="End date")).to_contain_text("20/02/2026")
    expect(plan.locator('tr[data-unit="BSBXCM401"]').first).to_contain_text("00 Not set")
    expect(plan.locator('tr[data-unit="BSBOPS404"]')).to_have_count(1)  # only TNC; 20 is kept
    expect(page.get_by_text("Noah Smith")).to_have_count(0)
    assert CourseEnrolment.objects.get(learner=mia).status == "active"

    page.get_by_role("button", name="Apply these changes").click()
    expect(page.locator(".messages")).to_contain_text("Finalised 1 enrolment(s) as Withdrawn")
    page.get_by_role("link", name="Mia Nguyen").click()

    expect(page.get_by_text("PRIVACY FLAG")).to_be_visible()
    rows = page.locator("table").first.locator("tbody tr")
    expect(rows.filter(has_text="BSBOPS404")).to_contain_text("20 Competency achieved")
    expect(rows.filter(has_text="BSBWHS411")).to_contain_text("40 Withdrawn / discontinued")
    expect(rows.filter(has_text="BSBXCM401")).to_contain_text("00 Not set")
    for code in ("BSBOPS404", "BSBWHS411", "BSBXCM401"):
        expect(rows.filter(has_text=code)).to_contain_text("TNC")
    expect(page.locator("body")).to_contain_text("TNC (Training Not Completed)")
    expect(page.locator("#history ~ .table-wrap")).to_contain_text("Moved interstate")
