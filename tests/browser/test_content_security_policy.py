"""Pages work under the Content-Security-Policy: no script or style is blocked (the browser
reports each blocked one in its console), htmx and the API documentation still run."""

import pytest
from playwright.sync_api import expect

from testamur.accounts.roles import Role
from tests.credentials.helpers import completed_offer, requested


@pytest.mark.django_db(transaction=True)
def test_nothing_is_blocked_on_the_main_pages(page, sign_in, make_user):
    make_user(Role.OWNER, "olive", first_name="Olive", last_name="Owner")
    requested(completed_offer(1))
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    sign_in("olive")
    for path in ("/", "/learners/", "/credentials/", "/credentials/templates/", "/reports/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    page.goto("/api/v1/docs")
    expect(page.get_by_text("Testamur API").first).to_be_visible()

    assert blocked == []
