"""A learner shares a credential from its check page: a baked badge to download (the signed
credential inside), "Add to LinkedIn profile" prefilled, and a QR code a wallet scans."""

from contextlib import nullcontext
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from testamur.accounts.roles import Role
from testamur.verification.baking import unbake
from testamur.verification.verifier import vc_verify
from tests.verification.helpers import one_issued


@pytest.mark.django_db(transaction=True)
def test_share_a_credential_from_its_page(make_user, browser, live_server, tmp_path):
    admin = make_user(Role.ADMIN, "alex", first_name="Alex", last_name="Admin")
    credential = one_issued(admin, lambda execute=True: nullcontext(), credential_type="testamur")
    context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    page = context.new_page()
    page.goto(f"/v/{credential.verification_code}")

    with page.expect_download() as info:
        page.get_by_role("link", name="PNG").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name == f"{credential.number}-open-badge.png"
    baked = unbake(saved.read_bytes())
    assert vc_verify(baked).valid

    linkedin = page.get_by_role("link", name="Add to LinkedIn profile")
    expect(linkedin).to_be_visible()
    params = parse_qs(urlsplit(linkedin.get_attribute("href")).query)
    assert params["startTask"] == ["CERTIFICATION_NAME"]
    assert params["name"] == ["BSB40120 Certificate IV in Business"]
    assert params["certId"] == [credential.number]

    expect(page.locator(".qr svg")).to_be_visible()
    wallet_url = page.locator("#wallet-link").inner_text()
    assert wallet_url.endswith(f"/v/{credential.verification_code}/open-badge.json")
    context.close()
