"""An Admin copies a built-in template, edits it with the live preview, and activates it."""

import re

import pytest
from playwright.sync_api import expect

from testamur.accounts.roles import Role
from testamur.credentials.models import CredentialTemplate, TemplateVersionState

STATEMENT_LINE = "[This is a statement that]"
CHANGED_LINE = "[We certify that]"


@pytest.mark.django_db(transaction=True)
def test_copy_edit_with_live_preview_and_activate(page, sign_in, make_user):
    make_user(Role.ADMIN, "alex", first_name="Alex", last_name="Admin")
    sign_in("alex")

    # A built-in template cannot be edited in place: copy it.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Templates").click()
    page.get_by_role("link", name="Statement of Attainment (built-in)").click()
    expect(page.get_by_text("It cannot be edited in place")).to_be_visible()
    page.get_by_role("link", name="Copy to a new template").click()
    page.get_by_label("Name of the copy").fill("Harbour City Statement")
    page.get_by_role("button", name="Copy template").click()
    expect(page.locator(".messages")).to_contain_text("Copied to Harbour City Statement")

    # The editor renders the sample document beside the source.
    page.get_by_role("link", name="Edit", exact=True).click()
    preview = page.locator("#template-preview")
    first_page = preview.locator("img.preview-page").first
    expect(first_page).to_have_attribute("alt", "Page 1 of the sample Statement of Attainment")
    before = first_page.get_attribute("src")
    expect(page.get_by_text("Learner's full legal name")).to_be_visible()

    # Change a line: the preview is made again.
    source = page.get_by_label("Template source (Typst)")
    original = source.input_value()
    assert STATEMENT_LINE in original
    edited = original.replace(STATEMENT_LINE, CHANGED_LINE)
    source.fill(edited)
    expect(first_page).not_to_have_attribute("src", before)

    # A Typst error shows its line instead of a picture.
    lines = edited.split("\n")
    broken_line = next(n for n, text in enumerate(lines, 1) if CHANGED_LINE in text)
    lines[broken_line - 1] += " #no-such-thing"
    source.fill("\n".join(lines))
    error = preview.locator(".preview-error")
    expect(error).to_contain_text(re.compile(rf"Line {broken_line}, column \d+: Unknown variable"))
    expect(preview.locator("img.preview-page")).to_have_count(0)
    preview.get_by_role("button", name=f"Go to line {broken_line}").click()
    expect(source).to_be_focused()

    # Fix it: the preview comes back, then save and activate.
    source.fill(edited)
    expect(preview.locator("img.preview-page").first).to_be_visible()
    expect(error).to_have_count(0)
    page.get_by_role("button", name="Save and activate").click()
    expect(page.locator(".messages")).to_contain_text("Version 2 is now active")
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbour City Statement — version 2")

    template = CredentialTemplate.objects.get(name="Harbour City Statement")
    active = template.active_version
    assert active.number == 2
    assert CHANGED_LINE in active.source
    assert template.versions.get(number=1).state == TemplateVersionState.DRAFT
