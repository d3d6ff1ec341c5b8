"""An Owner checks the register's integrity and signs a checkpoint from Settings."""

import pytest
from playwright.sync_api import expect

from testamur.accounts.roles import Role
from tests.factories import credential_make


@pytest.mark.django_db(transaction=True)
def test_owner_signs_a_checkpoint_and_checks_the_register(page, sign_in, make_user):
    make_user(Role.OWNER, "olive", first_name="Olive", last_name="Owner")
    credential_make()

    sign_in("olive")
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Register integrity").click()
    expect(page.get_by_text("Never checked")).to_be_visible()
    expect(page.get_by_text("No checkpoint yet.")).to_be_visible()

    page.get_by_role("button", name="Sign a checkpoint now").click()
    expect(page.get_by_text("Checkpoint signed:")).to_be_visible()
    latest = page.get_by_role("region", name="Latest checkpoint")
    expect(latest).to_contain_text("Newest hash")
    with page.expect_download() as download:
        latest.get_by_role("link", name="event-log-").click()
    assert download.value.suggested_filename.endswith(".json")

    page.get_by_role("button", name="Check the register now").click()
    check = page.get_by_role("region", name="Last check")
    expect(check.get_by_role("status")).to_have_text("Intact")
    expect(check).to_contain_text("1 credentials in the register agree with their events.")
    expect(check).to_contain_text("1 signed checkpoint(s)")
