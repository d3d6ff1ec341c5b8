"""An employer checks a credential from its QR address; an Admin cancels it; the page says so."""

import json
from contextlib import nullcontext

import pytest
from playwright.sync_api import expect

from testamur.accounts.roles import Role
from testamur.credentials.models import Credential, CredentialStatus
from testamur.verification.verifier import vc_verify
from tests.verification.helpers import one_issued


@pytest.mark.django_db(transaction=True)
def test_verify_cancel_and_download(page, sign_in, make_user, browser, live_server, tmp_path):
    admin = make_user(Role.ADMIN, "alex", first_name="Alex", last_name="Admin")
    # Outside a test transaction, on-commit work (the issue run) happens as each step commits.
    credential = one_issued(admin, lambda execute=True: nullcontext(), family_name="Nguyen")
    verify_path = f"/v/{credential.verification_code}"

    # An employer, in their own browser, opens the address the QR code holds.
    employer = browser.new_context(base_url=live_server.url, accept_downloads=True)
    public = employer.new_page()
    public.goto(verify_path)
    expect(public.get_by_role("heading", name=f"Statement of Attainment {credential.number}"))
    expect(public.locator(".verify-status-word")).to_have_text("Valid")
    expect(public.get_by_text("Mia Nguyen")).to_be_visible()
    expect(public.get_by_text("BSBWHS411")).to_be_visible()

    # …and downloads the digital credential, which verifies.
    with public.expect_download() as info:
        public.get_by_role("link", name="Download the digital credential (JSON)").click()
    download = info.value
    assert download.suggested_filename == f"{credential.number}-open-badge.json"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    vc = json.loads(saved.read_text())
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc_verify(vc).valid

    # An Admin cancels it from the credential's page.
    sign_in("alex")
    page.goto(f"/credentials/{credential.pk}/")
    page.get_by_role("link", name="Cancel").first.click()
    page.get_by_label("Credential status reason").fill("Issued against the wrong enrolment")
    page.get_by_role("button", name="Cancel this credential").click()
    expect(page.locator(".messages")).to_be_visible()
    assert Credential.objects.get(pk=credential.pk).status == CredentialStatus.CANCELLED

    # The employer reloads: Cancelled, with no private reason and no download.
    public.reload()
    expect(public.locator(".verify-status-word")).to_have_text("Cancelled")
    expect(public.get_by_text("wrong enrolment")).to_have_count(0)
    expect(public.get_by_role("link", name="Download the digital credential (JSON)")).to_have_count(
        0
    )
    # The credential the employer downloaded now reports revoked.
    assert vc_verify(vc).revoked
    employer.close()
