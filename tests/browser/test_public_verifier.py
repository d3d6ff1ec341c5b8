"""An employer verifies what a learner sent them on the public verifier page: a pasted
credential JSON, a dropped baked badge (PNG), a dropped PDF; after the RTO cancels it, the
same credential reads revoked."""

import json
from contextlib import nullcontext

import pytest
from playwright.sync_api import expect

from testamur.accounts.roles import Role
from testamur.credentials.services import credential_cancel
from testamur.verification.models import DigitalCredential
from tests.verification.helpers import one_issued


def _drop(page, selector: str, name: str, data: bytes, mime: str) -> None:
    """Drop a file on an element as a user dragging it from their desktop would."""
    transfer = page.evaluate_handle(
        """([name, bytes, mime]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], name, {type: mime}));
            return transfer;
        }""",
        [name, list(data), mime],
    )
    page.dispatch_event(selector, "dragover", {"dataTransfer": transfer})
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


@pytest.mark.django_db(transaction=True)
def test_paste_a_credential_drop_a_badge_and_a_pdf_and_see_it_revoked(page, make_user, live_server):
    admin = make_user(Role.ADMIN, "alex", first_name="Alex", last_name="Admin")
    credential = one_issued(admin, lambda execute=True: nullcontext(), family_name="Nguyen")
    vc = DigitalCredential.objects.get(credential=credential).signed
    with credential.document.open("rb") as handle:
        pdf = handle.read()
    # The baked badge the learner downloaded from the credential's page.
    badge = page.request.get(f"{live_server.url}/v/{credential.verification_code}/open-badge.png")
    assert badge.headers["content-type"] == "image/png"
    png = badge.body()

    # Paste the credential JSON.
    page.goto("/verify/")
    page.get_by_label("Credential JSON").fill(json.dumps(vc))
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#verify-status-word")).to_have_text("Valid")
    details = page.locator("#verify-details")
    expect(details).to_contain_text("Valid (Data Integrity, eddsa-rdfc-2022)")
    expect(details).to_contain_text("Harbour City Training")
    expect(details).to_contain_text("BSB40120 Certificate IV in Business")

    # Drop the baked badge (PNG) the learner was sent.
    with page.expect_navigation():
        _drop(page, "#verifier-form", f"{credential.number}-open-badge.png", png, "image/png")
    expect(page.locator("#verify-status-word")).to_have_text("Valid")
    expect(details).to_contain_text("Valid (Data Integrity, eddsa-rdfc-2022)")
    expect(details).to_contain_text("BSB40120 Certificate IV in Business")

    # Drop the PDF the learner was sent.
    with page.expect_navigation():
        _drop(page, "#verifier-form", f"{credential.number}.pdf", pdf, "application/pdf")
    expect(page.locator("#verify-status-word")).to_have_text("Valid")
    expect(details).to_contain_text("Exactly the document issued")
    expect(details).to_contain_text("Intact: signed by this RTO")
    expect(details).to_contain_text(credential.number)

    # The RTO cancels it; the same pasted credential and PDF now read revoked.
    credential_cancel(actor=admin, credential=credential, reason="Issued in error")
    page.get_by_label("Credential JSON").fill(json.dumps(vc))
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#verify-status-word")).to_have_text("Revoked")
    expect(page.locator("#verify-status-value")).to_have_text("revoked")
    with page.expect_navigation():
        _drop(page, "#verifier-form", f"{credential.number}-open-badge.png", png, "image/png")
    expect(page.locator("#verify-status-word")).to_have_text("Revoked")
    with page.expect_navigation():
        _drop(page, "#verifier-form", f"{credential.number}.pdf", pdf, "application/pdf")
    expect(page.locator("#verify-status-word")).to_have_text("Revoked")
