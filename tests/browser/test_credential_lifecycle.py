"""An Admin requests 20 credentials from a course offer, previews, issues, cancels, re-issues."""

import re

import pytest
from playwright.sync_api import expect

from testamur.accounts.roles import Role
from testamur.credentials.models import Credential, CredentialStatus, RunKind
from testamur.credentials.runs import run_process_chunk, run_start
from tests.factories import (
    course_make,
    credential_make,
    enrolment_make,
    learner_make,
    offer_make,
    organisation_configured,
    template_make,
    unit_make,
)

LEARNERS = 20


@pytest.mark.django_db(transaction=True)
def test_request_preview_issue_cancel_reissue(page, sign_in, make_user):
    make_user(Role.ADMIN, "alex", first_name="Alex", last_name="Admin")
    organisation_configured()
    units = [
        unit_make("BSBWHS411", title="Implement and monitor WHS policies, procedures and programs"),
        unit_make("BSBOPS404", title="Implement customer service standards"),
    ]
    course = course_make("BSB40120", title="Certificate IV in Business", units=units, aqf_level=4)
    offer = offer_make(course, code="BSB40120-2026-T1")
    for n in range(LEARNERS):
        enrolment_make(
            learner=learner_make(given_name="Learner", family_name=f"Number{n:02d}"),
            offer=offer,
            outcomes={"BSBWHS411": "20", "BSBOPS404": "51"},
        )
    template = template_make("testamur", name="Generic Testamur")
    page.set_default_navigation_timeout(120_000)

    sign_in("alex")

    # Request a credential for every enrolment of the offer, in bulk.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Course offers").click()
    page.get_by_role("link", name="BSB40120-2026-T1").click()
    page.get_by_label("Select all enrolments").check()
    page.get_by_role("button", name="Request credential").click()
    expect(page.get_by_role("heading", name="Selected learners (20)")).to_be_visible()
    expect(page.get_by_label("Credential template")).to_have_value(str(template.pk))
    # A completed qualification earns a record of results too; this test issues testamurs only.
    expect(page.get_by_label("Also request a record of results")).to_be_checked()
    page.get_by_label("Also request a record of results").uncheck()
    page.get_by_label("Go to the offer's credentials when complete").check()
    page.get_by_role("button", name="Request credential").click()
    expect(page.locator(".messages")).to_contain_text("20 requested.")
    rows = page.locator("tbody tr[data-credential]")
    expect(rows).to_have_count(LEARNERS)
    expect(page.locator('input[name="credential"]:checked')).to_have_count(LEARNERS)

    # Merge documents: a preview of all twenty, then issue them from the run page.
    page.get_by_label("With the selected credentials:").select_option("preview")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Merge documents run"))
    expect(page.locator("#run-progress")).to_contain_text("20 of 20", timeout=120_000)
    expect(page.get_by_text("Print version — not locked; never send it digitally.")).to_be_visible()
    page.get_by_role("link", name="Issue these credentials").click()
    expect(page.get_by_text("20 of 20 selected can be issued")).to_be_visible()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Produce a mail-merge spreadsheet (XLSX) for this batch").check()
    page.get_by_role("button", name="Issue 20 credentials").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Issue run"))
    expect(page.locator("#run-progress")).to_contain_text("20 of 20", timeout=120_000)
    expect(page.get_by_role("link", name="Mail-merge spreadsheet (XLSX)")).to_be_visible()
    assert Credential.objects.filter(status=CredentialStatus.ISSUED).count() == LEARNERS

    # The enrolment now shows the qualification as issued, with the parchment number.
    first = Credential.objects.select_related("course_enrolment__learner").get(
        learner__family_name="Number00"
    )
    page.goto(f"/training/enrolments/{first.course_enrolment_id}/")
    details = page.locator("dl.details")
    expect(details).to_contain_text(re.compile(r"Qualification issued\s*Yes"))
    expect(details).to_contain_text(re.compile(rf"Parchment number\s*{first.number}"))

    # Cancel one with a reason, from the enrolment's credential list.
    page.locator(f"#credential-{first.pk}").get_by_role("link", name="Cancel").click()
    expect(page.get_by_text("it cannot be undone")).to_be_visible()
    page.get_by_role("button", name="Cancel this credential").click()
    expect(page.get_by_text("Enter a reason: it is kept in the register")).to_be_visible()
    page.get_by_label("Credential status reason").fill("Used the wrong template")
    page.get_by_role("button", name="Cancel this credential").click()
    expect(page.locator(".messages")).to_contain_text(
        f"Cancelled Learner Number00 ({first.number})"
    )

    # Re-issue another: it is cancelled and a linked replacement is requested.
    second = Credential.objects.get(learner__family_name="Number01")
    page.goto(f"/credentials/{second.pk}/")
    page.get_by_role("link", name="Re-issue").click()
    page.get_by_label("Credential status reason").fill("Name misspelt")
    page.get_by_role("button", name=f"Cancel {second.number} and re-issue").click()
    expect(page.locator(".replacement")).to_contain_text(f"Replaces Testamur {second.number}")

    # Both are in the register with their statuses.
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Credential register"
    ).click()
    page.get_by_label("Search").fill("Number01")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("tbody tr[data-credential]")
    expect(rows).to_have_count(2)
    # A request generates at once: the replacement awaits issue.
    expect(rows.nth(0)).to_contain_text("Generated (awaiting issue)")
    expect(rows.nth(0)).to_contain_text(f"Replaces {second.number}")
    expect(rows.nth(1)).to_contain_text("Cancelled")
    expect(rows.nth(1)).to_contain_text("Name misspelt")
    page.get_by_text("Cancelled", exact=True).first.check()
    page.get_by_label("Search").fill("")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(2)
    expect(page.locator("tbody")).to_contain_text(first.number)
    expect(page.locator("tbody")).to_contain_text(second.number)

    # The learner's history tells the story.
    page.get_by_role("link", name="Learner Number01").first.click()
    page.get_by_role("link", name="History").click()
    history = page.locator("table")
    expect(history).to_contain_text("Credential: issue")
    expect(history).to_contain_text("Credential: cancel")
    expect(history).to_contain_text("Name misspelt")
    page.get_by_role("link", name="Credentials").click()
    expect(page.locator("tbody tr[data-credential]")).to_have_count(2)


@pytest.mark.django_db(transaction=True)
def test_run_page_shows_progress_live_until_the_run_finishes(page, sign_in, make_user, settings):
    # Runs stay queued here until this test processes them, as a background worker would.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    user = make_user(Role.ADMIN, "alex")
    organisation_configured()
    unit = unit_make()
    offer = offer_make(course_make(units=[unit]))
    template = template_make("testamur")
    credentials = [
        credential_make(enrolment_make(offer=offer, outcomes={unit.code: "20"}), template=template)
        for _ in range(3)
    ]
    run, _ = run_start(actor=user, kind=RunKind.PREVIEW, credentials=credentials)
    not_previewed = credential_make(enrolment_make(offer=offer), template=template)

    sign_in("alex")
    page.goto(f"/credentials/runs/{run.pk}/")
    expect(page.locator("#run-progress")).to_contain_text("0 of 3")
    expect(page.get_by_text("The files appear here when the run has finished.")).to_be_visible()

    run_process_chunk(run.pk, 0)

    expect(page.locator("#run-progress")).to_contain_text("3 of 3", timeout=10_000)
    expect(page.locator("#run-progress")).to_contain_text("Completed")
    expect(page.get_by_text("Print version — not locked; never send it digitally.")).to_be_visible()
    expect(page.locator("tbody .status.ok")).to_have_count(3)  # the item table, reloaded once
    assert "hx-trigger" not in page.content()

    # Choosing Issue in the register leaves only the credentials that are ready selectable.
    page.goto("/credentials/")
    page.get_by_label("Select all credentials on this page").check()
    page.get_by_label("With the selected credentials:").select_option("issue")
    blocked = page.locator(f'input[name="credential"][value="{not_previewed.pk}"]')
    expect(blocked).to_be_disabled()
    expect(blocked).not_to_be_checked()
    note = page.locator("[data-issue-note]")
    expect(note).to_contain_text("1 left out, not ready to issue")
    expect(note).to_contain_text(not_previewed.learner.full_name)
    expect(page.locator('input[name="credential"]:checked')).to_have_count(3)
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("3 of 3 selected can be issued")).to_be_visible()
