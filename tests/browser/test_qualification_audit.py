"""An Admin audits a qualification's learners in bulk, switches the major of one who achieved
another, requests both credentials from the enrolment list, issues them and sees Credential
Issued."""

import re

import pytest
from playwright.sync_api import expect

from testamur.accounts.roles import Role
from testamur.credentials.models import Credential, CredentialStatus
from testamur.qualifications.models import QualificationEnrolment, QualificationStatus
from tests.factories import (
    learner_make,
    organisation_configured,
    qualification_enrolment_make,
    results_make,
)
from tests.qualifications.helpers import AGEING, CORE, OTHER, individual_support


@pytest.mark.django_db(transaction=True)
def test_audit_switch_major_request_and_issue(page, sign_in, make_user):
    make_user(Role.ADMIN, "alex", first_name="Alex", last_name="Admin")
    organisation_configured()
    chc = individual_support()
    people = {
        "Moana Faleolo": "Disability",  # will achieve Ageing instead: Other Majors Achieved
        "Priya Raman": "Ageing",  # will achieve Ageing: Assigned Major Achieved
        "Tom Walker": "Ageing",  # nothing yet
    }
    learners = {}
    for name, major in people.items():
        given, family = name.split()
        learners[name] = learner_make(given_name=given, family_name=family)
        qualification_enrolment_make(learners[name], chc, major=major)
    # Results arrive afterwards (as from an import): the enrolments are not audited yet.
    for name in ("Moana Faleolo", "Priya Raman"):
        results_make(learners[name], dict.fromkeys(CORE + AGEING + OTHER[:3], "20"))
    page.set_default_navigation_timeout(120_000)

    sign_in("alex")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Qualifications").click()
    page.get_by_role("link", name="CHC33021").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "CHC33021 Certificate III in Individual Support"
    )

    # Audit everyone in bulk.
    page.get_by_label("Select all enrolments").check()
    page.get_by_role("button", name="Audit").click()
    expect(page.locator(".messages")).to_contain_text(
        "Audited 3 enrolments (Assigned Major Achieved 1, No Majors Achieved 1, "
        "Other Majors Achieved 1). 1 now Ready to be Requested."
    )
    moana_row = page.locator("tbody tr", has_text="Moana Faleolo")
    expect(moana_row).to_contain_text("Other Majors Achieved")

    # Moana achieved Ageing, not her Disability major: the page says what is missing.
    page.get_by_role("link", name="Moana Faleolo").click()
    expect(page.locator(".audit-summary")).to_have_text(
        "Other Majors Achieved: achieved Ageing; assigned major Disability needs "
        "CHCDIS011, CHCDIS012, CHCDIS020."
    )
    disability = page.get_by_role("region", name="Major Disability")
    expect(disability).to_contain_text("Not achieved")
    expect(disability).to_contain_text("CHCDIS011")
    page.get_by_role("link", name="Switch major").click()
    page.get_by_label("New major").select_option(label="Ageing")
    page.get_by_role("button", name="Switch major").click()
    expect(page.locator(".messages")).to_contain_text(
        "Moana Faleolo's major is now Ageing. Assigned Major Achieved: Ageing."
    )
    expect(page.locator(".pagehead .status")).to_have_text("Ready to be Requested")

    # Request both credentials for the two Ready learners from the enrolment list.
    page.get_by_role("link", name="CHC33021").first.click()
    page.get_by_label("Select Moana Faleolo").check()
    page.get_by_label("Select Priya Raman").check()
    page.get_by_label("Select Tom Walker").check()
    page.get_by_role("button", name="Request credentials").click()
    expect(page.get_by_role("heading", name="Selected learners (3)")).to_be_visible()
    page.get_by_role("button", name="Request credentials").click()
    expect(page.locator(".messages")).to_contain_text("4 requested, 1 skipped")
    expect(page.locator(".messages")).to_contain_text("Tom Walker is Not Yet Achieved in CHC33021")
    rows = page.locator("tbody tr[data-credential]")
    expect(rows).to_have_count(4)
    expect(page.locator('input[name="credential"]:checked')).to_have_count(4)

    # They were generated in the background; issue all four.
    page.reload()
    page.get_by_label("Select all credentials on this page").check()
    page.get_by_label("With the selected credentials:").select_option("issue")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("4 of 4 selected can be issued")).to_be_visible()
    page.get_by_role("button", name="Issue 4 credentials").click()
    expect(page.locator("#run-progress")).to_contain_text("4 of 4", timeout=120_000)
    assert Credential.objects.filter(status=CredentialStatus.ISSUED).count() == 4

    page.goto(f"/qualifications/{chc.pk}/")
    for name in ("Moana Faleolo", "Priya Raman"):
        expect(page.locator("tbody tr", has_text=name)).to_contain_text("Credential Issued")
    expect(page.locator("tbody tr", has_text="Tom Walker")).to_contain_text("Not Yet Achieved")
    statuses = set(
        QualificationEnrolment.objects.exclude(learner__family_name="Walker").values_list(
            "status", flat=True
        )
    )
    assert statuses == {QualificationStatus.ISSUED}

    # The learner's Qualifications tab tells the same story.
    page.get_by_role("link", name="Priya Raman").click()
    page.locator("dl.details").get_by_role("link", name="Priya Raman").click()
    page.get_by_role("navigation", name="Learner record").get_by_role(
        "link", name="Qualifications"
    ).click()
    expect(page.locator("tbody")).to_contain_text(re.compile(r"CHC33021.*Credential Issued", re.S))
