"""The common job, in the reference pages' words: "issue credentials to everyone who finished
course offer X" — select everyone completed, request, and issue in one run, then print. Then
the same from a qualification. Clicks are counted from the offer (or qualification) page to the
print PDF (issue 18: ≤ 6; it took 10 from an offer and 9 from a qualification before).
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from testamur.accounts.roles import Role
from testamur.credentials.models import Credential, CredentialStatus
from testamur.training.models import EnrolmentStatus
from tests.factories import (
    course_make,
    enrolment_make,
    learner_make,
    offer_make,
    organisation_configured,
    qualification_enrolment_make,
    unit_make,
    units_make,
)
from tests.qualifications.helpers import AGEING, CORE, OTHER, individual_support

MOST_CLICKS = 6


class Clicks:
    """Every click the user makes goes through here, so the test can count them."""

    def __init__(self):
        self.count = 0

    def __call__(self, locator):
        self.count += 1
        locator.click()


def _print_pdf(page, click) -> bytes:
    """Click the print version (it opens in a new tab) and return the PDF it serves."""
    link = page.get_by_role("link", name="Print version (combined PDF)")
    expect(link).to_be_visible(timeout=120_000)
    href = link.get_attribute("href")
    with page.context.expect_page():
        click(link)
    response = page.request.get(href)
    assert response.headers["content-type"] == "application/pdf"
    return response.body()


def _offer_world():
    units = [
        unit_make("BSBWHS411", title="Implement and monitor WHS policies, procedures and programs"),
        unit_make("BSBOPS404", title="Implement customer service standards"),
    ]
    course = course_make("BSB40120", title="Certificate IV in Business", units=units, aqf_level=4)
    offer = offer_make(course, code="BSB40120-2026-T1")
    for name in ("Mia Nguyen", "Noah Smith", "Ava Brown"):
        given, family = name.split()
        enrolment_make(
            learner=learner_make(given_name=given, family_name=family),
            offer=offer,
            outcomes={"BSBWHS411": "20", "BSBOPS404": "51"},
            status=EnrolmentStatus.COMPLETED,
        )
    enrolment_make(
        learner=learner_make(given_name="Sam", family_name="Stillgoing"),
        offer=offer,
        outcomes={"BSBWHS411": "20"},
        status=EnrolmentStatus.ACTIVE,
    )
    return offer


def _qualification_world():
    qualification = individual_support()
    codes = CORE + AGEING + OTHER[:3]
    qualification.units.set(units_make(*codes))
    offer = offer_make(qualification, code="CHC33021-2026")
    for given, family, outcome in [
        ("Lia", "Tran", "20"),
        ("Omar", "Haddad", "20"),
        ("Ben", "Lee", "70"),
    ]:
        learner = learner_make(given_name=given, family_name=family)
        enrolment_make(
            learner,
            offer,
            outcomes=dict.fromkeys(codes, outcome),
            status=EnrolmentStatus.COMPLETED if outcome == "20" else EnrolmentStatus.ACTIVE,
        )
        qualification_enrolment_make(learner, qualification, major="Ageing")
    return qualification


@pytest.mark.django_db(transaction=True)
def test_everyone_who_finished_an_offer_then_a_qualification(page, sign_in, make_user):
    make_user(Role.ADMIN, "alex", first_name="Alex", last_name="Admin")
    organisation_configured()
    offer = _offer_world()
    qualification = _qualification_world()
    page.set_default_navigation_timeout(120_000)
    sign_in("alex")

    # From the course offer: everyone completed, request and issue, print.
    page.goto(reverse("training:offer_detail", args=[offer.pk]))
    click = Clicks()
    click(page.get_by_role("link", name="Select all completed"))
    expect(page.locator('input[name="enrolment"]:checked')).to_have_count(3)
    click(page.get_by_role("button", name="Request and issue"))
    expect(page.locator("#to-issue")).to_contain_text("Mia Nguyen")
    expect(page.get_by_text("The date printed on every document")).to_be_visible()
    # Completed qualification: a testamur and a record of results each.
    click(page.get_by_role("button", name="Request and issue 6 credentials"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Issue run"))
    pdf = _print_pdf(page, click)
    offer_clicks = click.count

    assert pdf.startswith(b"%PDF")
    issued = Credential.objects.filter(
        status=CredentialStatus.ISSUED, course_enrolment__offer=offer
    )
    assert issued.count() == 6
    assert not Credential.objects.filter(learner__family_name="Stillgoing").exists()
    assert offer_clicks <= MOST_CLICKS

    # From the qualification: those Ready to be Requested, request and issue, print.
    page.goto(reverse("qualifications:detail", args=[qualification.pk]))
    click = Clicks()
    click(page.get_by_role("link", name=re.compile(r"Ready to be Requested: 2")))
    click(page.get_by_label("Select all enrolments"))
    click(page.get_by_role("button", name="Request and issue"))
    expect(page.locator("#to-issue")).to_contain_text("Lia Tran")
    click(page.get_by_role("button", name="Request and issue 4 credentials"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Issue run"))
    pdf = _print_pdf(page, click)
    qualification_clicks = click.count

    assert pdf.startswith(b"%PDF")
    assert (
        Credential.objects.filter(
            status=CredentialStatus.ISSUED, qualification_enrolment__qualification=qualification
        ).count()
        == 4
    )
    assert qualification_clicks <= MOST_CLICKS
    print(f"\nclicks to the print PDF: offer {offer_clicks}, qualification {qualification_clicks}")
