"""An Admin verifies one learner's USI with the registry, bulk-verifies a course offer, then
issues the statements of attainment that the USI gate held up (against the simulator)."""

import re

import pytest
from playwright.sync_api import expect

from testamur.accounts.roles import Role
from testamur.credentials.models import Credential, CredentialStatus, RunKind
from testamur.credentials.runs import run_start
from testamur.learners.models import UsiStatus
from testamur.organisation.models import Organisation, UsiGate
from tests.factories import (
    course_make,
    credential_make,
    enrolment_make,
    learner_make,
    make_usi,
    offer_make,
    organisation_configured,
    template_make,
    unit_make,
)


@pytest.mark.django_db(transaction=True)
def test_verify_one_then_an_offer_then_issue_what_the_gate_held_up(
    page, sign_in, make_user, usi_registry
):
    admin = make_user(Role.ADMIN, "alex", first_name="Alex", last_name="Admin")
    organisation_configured()
    Organisation.objects.update(usi_gate=UsiGate.BLOCK)
    unit = unit_make("BSBWHS411", title="Implement and monitor WHS policies")
    offer = offer_make(course_make("BSB40120", units=[unit], aqf_level=4), code="BSB-USI-01")
    names = ["Amara Okafor", "Ben Carter", "Chloe Nguyen"]
    learners = []
    for n, name in enumerate(names):
        given, family = name.split()
        learner = learner_make(
            given_name=given,
            family_name=family,
            usi=make_usi(830000 + n),
            usi_status=UsiStatus.NOT_VERIFIED,
        )
        usi_registry.knows(learner)
        learners.append(learner)
        enrolment_make(learner=learner, offer=offer, outcomes={"BSBWHS411": "20"})
    template = template_make("statement_of_attainment")
    credentials = [
        credential_make(enrolment, template=template)
        for enrolment in offer.enrolments.order_by("id")
    ]
    run_start(actor=admin, kind=RunKind.PREVIEW, credentials=credentials)
    page.set_default_navigation_timeout(120_000)
    sign_in("alex")

    # The register says why they cannot be issued yet.
    page.goto("/credentials/")
    expect(page.locator("tbody")).to_contain_text("USI not verified")

    # One learner, from the learner page.
    page.goto(f"/learners/{learners[0].pk}/")
    page.get_by_role("button", name="Verify with the registry").click()
    expect(page.locator(".messages")).to_contain_text(
        "The USI Registry System verified Amara Okafor's USI."
    )
    card = page.locator("section", has=page.get_by_role("heading", name="USI Registry System"))
    expect(card).to_contain_text("Verified")
    expect(card).to_contain_text("Date of birth: Matches")

    # The whole offer, from its bulk bar: the pre-check keeps back the one just verified.
    page.goto(f"/training/offers/{offer.pk}/")
    page.get_by_label("Select all enrolments").check()
    page.get_by_role("button", name="Verify USIs with the registry").click()
    expect(page.get_by_role("heading", name="Pre-check")).to_be_visible()
    expect(page.get_by_text("Course offer BSB-USI-01")).to_be_visible()
    expect(page.locator("table")).to_contain_text("Already verified on")
    page.get_by_role("button", name="Send 2 learners to the registry").click()
    progress = page.locator("#usi-job-progress")
    expect(progress).to_contain_text("2 of 2", timeout=60_000)
    expect(progress).to_contain_text("Completed")
    expect(page.locator("table.usi-answers")).to_contain_text("Chloe Nguyen")

    # Now every statement can be issued.
    page.goto("/credentials/")
    page.get_by_label("Select all credentials on this page").check()
    page.get_by_label("With the selected credentials:").select_option("issue")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("3 of 3 selected can be issued")).to_be_visible()
    page.get_by_role("button", name="Issue 3 credentials").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Issue run"))
    expect(page.locator("#run-progress")).to_contain_text("3 of 3", timeout=120_000)
    assert Credential.objects.filter(status=CredentialStatus.ISSUED).count() == 3
