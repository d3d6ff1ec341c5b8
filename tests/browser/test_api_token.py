"""A staff member creates an API token, an integration uses it, then it is revoked."""

import pytest
from playwright.sync_api import expect

from testamur.accounts.roles import Role
from tests.factories import learner_make


@pytest.mark.django_db(transaction=True)
def test_create_use_and_revoke_an_api_token(page, sign_in, make_user):
    make_user(Role.USER, "uma", first_name="Uma", last_name="User")
    learner_make(given_name="Mia", family_name="Nguyen")

    sign_in("uma")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    expect(page.get_by_text("You have no API tokens yet.")).to_be_visible()
    page.get_by_label("Token name").fill("Student system sync")
    page.get_by_role("button", name="Create token").click()

    expect(page.get_by_text("it will not be shown again")).to_be_visible()
    secret = page.get_by_label("Your new token").input_value()
    assert secret.startswith("tmr_")

    # An integration uses it. (This request context also carries the browser's session cookie,
    # which the API ignores: after revoking, the same call is refused.)
    api = page.context.request
    headers = {"Authorization": f"Bearer {secret}"}
    learners = api.get("/api/v1/learners?q=nguyen", headers=headers)
    assert learners.status == 200
    assert [item["family_name"] for item in learners.json()["items"]] == ["Nguyen"]

    # Reloading the page shows the token by its start only.
    page.reload()
    row = page.get_by_role("row", name="Student system sync")
    expect(row).to_contain_text(secret[:12])
    expect(page.get_by_text(secret)).to_have_count(0)
    expect(row).not_to_contain_text("Never")  # it has been used

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke Student system sync").click()
    expect(page.get_by_text("Revoked the token Student system sync.")).to_be_visible()
    expect(page.get_by_role("row", name="Student system sync")).to_contain_text("Revoked")
    assert api.get("/api/v1/learners", headers=headers).status == 401

    # The interactive docs are there for signed-in staff.
    page.goto("/api/v1/docs")
    expect(page.get_by_text("Testamur API").first).to_be_visible()
