"""An Admin previews one credential in a new tab, merges several, issues them and opens the
print version: real PDFs, read back."""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from testamur.accounts.roles import Role
from testamur.credentials.models import Credential, CredentialStatus
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

NAMES = ["Aroha Ngata", "Ben Okafor", "Chloe Tran"]


def _pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.django_db(transaction=True)
def test_preview_one_merge_several_issue_and_open_the_print_version(page, sign_in, make_user):
    make_user(Role.ADMIN, "alex", first_name="Alex", last_name="Admin")
    organisation_configured()
    unit = unit_make(
        "BSBWHS411", title="Implement and monitor WHS policies, procedures and programs"
    )
    offer = offer_make(
        course_make("BSB40120", title="Certificate IV in Business", units=[unit], aqf_level=4),
        code="BSB40120-2026-T2",
    )
    template = template_make("testamur", name="Generic Testamur")
    for name in NAMES:
        given, family = name.split()
        enrolment = enrolment_make(
            learner=learner_make(given_name=given, family_name=family),
            offer=offer,
            outcomes={"BSBWHS411": "20"},
        )
        credential_make(enrolment, template=template)
    page.set_default_navigation_timeout(120_000)
    sign_in("alex")
    page.goto(f"/credentials/?offer={offer.pk}")
    rows = page.locator("tbody tr[data-credential]")
    expect(rows).to_have_count(len(NAMES))

    # Preview one: it opens in a new tab; not generated yet, it is generated first.
    first = Credential.objects.get(learner__family_name="Ngata")
    with page.expect_popup() as popup:
        page.locator(f"#credential-{first.pk}").get_by_role("link", name="Preview").click()
    assert re.search(rf"/credentials/{first.pk}/preview/$", popup.value.url)
    preview = page.request.get(popup.value.url)
    assert preview.headers["content-type"] == "application/pdf"
    pages, text = _pdf_text(preview.body())
    assert pages == 1
    assert "Aroha Ngata" in text
    assert "PREVIEW" in text
    popup.value.close()
    first.refresh_from_db()
    assert first.status == CredentialStatus.GENERATED
    assert first.draft

    # Merge documents of all three (the page reloaded: the preview changed the first one's
    # status, and a stale row is skipped), watch the run finish, then issue them.
    page.reload()
    expect(page.locator(f"#credential-{first.pk}")).to_contain_text("Generated (awaiting issue)")
    page.get_by_label("Select all credentials on this page").check()
    page.get_by_label("With the selected credentials:").select_option("preview")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#run-progress")).to_contain_text("3 of 3", timeout=120_000)
    merged = page.get_by_role("link", name="Print version (combined PDF)")
    pages, text = _pdf_text(page.request.get(merged.get_attribute("href")).body())
    assert pages == len(NAMES)
    assert all(name in text for name in NAMES)

    page.get_by_role("link", name="Issue these credentials").click()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Issue 3 credentials").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Issue run"))
    expect(page.locator("#run-progress")).to_contain_text("3 of 3", timeout=120_000)
    expect(page.locator("#run-progress")).to_contain_text("Completed")

    # The print version: every issued document, numbered, in one unsigned PDF.
    link = page.get_by_role("link", name="Print version (combined PDF)")
    expect(link).to_have_attribute("target", "_blank")
    expect(page.get_by_text("Print version — not locked; never send it digitally.")).to_be_visible()
    response = page.request.get(link.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    assert len(reader.pages) == len(NAMES)
    text = "\n".join(p.extract_text() for p in reader.pages)
    numbers = list(
        Credential.objects.filter(status=CredentialStatus.ISSUED).values_list("number", flat=True)
    )
    assert len(numbers) == len(NAMES)
    assert all(number in text for number in numbers)
    assert "PREVIEW" not in text
    assert reader.get_fields() in (None, {})  # the signatures are not carried into print
